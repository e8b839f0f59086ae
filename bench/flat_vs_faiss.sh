#!/usr/bin/env bash
# Exact search speed side by side: tessera's flat index (`tessera bench search --method flat`)
# against FAISS IndexFlatIP (Debian's python3-faiss), top 10 by inner product, at equal threads,
# on the same .npy files, alternating runs in one command; the ratio of queries per second.
# Two sets of vectors: SciFact-sized (the 5,183 documents and 1,109 queries of SciFact embedded by
# MODEL, when given; otherwise 5,183 x 256 random unit rows) and 1M x 256 random unit rows with
# 1,000 queries. Each side times whole batches (one call for all queries), best of 3.
#
# Usage: bench/flat_vs_faiss.sh [MODEL.safetensors] [ROUNDS (3)] [THREADS (2)]
# Needs: apt-get install python3-faiss python3-numpy; a Release build in BUILD_DIR (build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
model=${1:-}
rounds=${2:-3}
threads=${3:-2}
build=${BUILD_DIR:-build}
data=${TESSERA_DATA_DIR:-../shared/data}
tessera=$build/tessera
[[ -x $tessera ]] || { echo "$tessera not found: build first" >&2; exit 1; }
/usr/bin/python3 -c 'import faiss, numpy' 2>/dev/null ||
  { echo "python3-faiss or python3-numpy missing: apt-get install python3-faiss" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -n $model ]]; then
  "$tessera" embed --model "$model" --input "$data/beir/scifact/corpus.jsonl" \
    --field title+text --tower document --out "$work/scifact_B.npy" --quiet 2>/dev/null
  "$tessera" embed --model "$model" --input "$data/beir/scifact/queries.jsonl" \
    --out "$work/scifact_Q.npy" --quiet 2>/dev/null
fi
/usr/bin/python3 - "$work" "$([[ -n $model ]] && echo have || echo none)" <<'PY'
import sys
import numpy as np
work, have = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
def unit(n, d):
    x = rng.standard_normal((n, d), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)
if have == "none":
    np.save(f"{work}/scifact_B.npy", unit(5183, 256))
    np.save(f"{work}/scifact_Q.npy", unit(1109, 256))
np.save(f"{work}/1m_B.npy", unit(1_000_000, 256))
np.save(f"{work}/1m_Q.npy", unit(1000, 256))
PY

for set in scifact 1m; do
  echo "== $set: $(/usr/bin/python3 -c "import numpy as np, sys; b = np.load(sys.argv[1], mmap_mode='r'); q = np.load(sys.argv[2], mmap_mode='r'); print(f'{b.shape[0]} x {b.shape[1]} base, {q.shape[0]} queries')" "$work/${set}_B.npy" "$work/${set}_Q.npy"), $threads threads"
  ratios=()
  for round in $(seq "$rounds"); do
    peer=$(/usr/bin/python3 bench/faiss_flat.py "$work/${set}_B.npy" "$work/${set}_Q.npy" \
      --threads "$threads" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["queries_per_s"])')
    ours=$("$tessera" bench search --base "$work/${set}_B.npy" --queries "$work/${set}_Q.npy" \
      --method flat --threads "$threads" --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["qps"])')
    ratio=$(/usr/bin/python3 -c "print(f'{$ours / $peer:.2f}')")
    ratios+=("$ratio")
    echo "round $round: faiss IndexFlatIP $peer q/s, tessera flat $ours q/s, ratio ${ratio}x"
  done
  echo "median ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(((rounds + 1) / 2))p")x"
done
