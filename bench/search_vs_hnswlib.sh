#!/usr/bin/env bash
# HNSW search side by side: tessera's HnswIndex (`tessera bench search --method hnsw`: hnswlib
# 0.6.2's graph with tessera's run-time AVX2 distance) against python hnswlib (python3-hnswlib,
# the same 0.6.2, an SSE build) and FAISS IndexHNSWFlat (python3-faiss 1.7.3, a generic x86-64
# build: TOOLCHAIN.md pitfall 1), on the same .npy files, inner product, the same M and
# ef_construction, THREADS threads each; rounds alternate the three so that all see the same
# machine. The peers and the data are bench/hnsw_peers.py's.
#
# Each library builds its index once a round (timed), then tries ef_search up tessera's ladder
# (k, 1.5 k, ... 4096, as `bench search --target-recall` does) until recall@10 against exact
# search reaches TARGET, timing the whole query batch at every step (queries per second, the best
# of 4 passes). Reported: every step's recall and q/s (medians over rounds), and for each library
# the build seconds and the first ef_search reaching TARGET, with tessera / hnswlib there.
#
# Data: N random unit vectors of DIM dims and QUERIES queries, uniform on the sphere; CLUSTERS=C
# draws them from C Gaussian clusters instead (topic structure); LATENT=L draws them in L dims
# and maps them linearly into DIM (the low intrinsic dimension of real embeddings; on uniform
# 256-dim data HNSW needs ef in the thousands for recall@10 0.95); VECTORS=file.npy takes real
# vectors (rows normalised, the last QUERIES rows are the queries).
#
# Usage: bench/search_vs_hnswlib.sh [ROUNDS [N [DIM]]]   (defaults: 3 100000 256)
#   env: QUERIES=1000 M=16 EF_CONSTRUCTION=200 THREADS=2 TARGET=0.95 CLUSTERS=0 LATENT=0
#        VECTORS= BUILD_DIR=build TESSERA_BIN=$BUILD_DIR/tessera
# A tessera binary without `bench search` gives the peers' numbers only.
# Needs: apt-get install python3-numpy python3-hnswlib python3-faiss; a Release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
n=${2:-100000}
dim=${3:-256}
queries=${QUERIES:-1000}
m=${M:-16}
efc=${EF_CONSTRUCTION:-200}
threads=${THREADS:-2}
target=${TARGET:-0.95}
clusters=${CLUSTERS:-0}
latent=${LATENT:-0}
vectors=${VECTORS:-}
tessera=${TESSERA_BIN:-${BUILD_DIR:-build}/tessera}
peers=bench/hnsw_peers.py
/usr/bin/python3 -c 'import numpy, hnswlib, faiss' 2>/dev/null ||
  { echo "missing peers: apt-get install python3-numpy python3-hnswlib python3-faiss" >&2; exit 1; }
with_tessera=1
# (CLI11 answers --help for an unknown subcommand too: look for it in the bench verb's list.)
if [[ ! -x $tessera ]] || ! "$tessera" bench --help 2>/dev/null | grep -qE '^ +search '; then
  echo "note: $tessera has no 'bench search' verb: peers only" >&2
  with_tessera=0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data_args=(--out "$work" --n "$n" --dim "$dim" --queries "$queries" --clusters "$clusters"
  --latent "$latent")
[[ -n $vectors ]] && data_args+=(--vectors "$vectors")
/usr/bin/python3 "$peers" data "${data_args[@]}"
shape=$(/usr/bin/python3 -c "import numpy as np; b = np.load('$work/B.npy', mmap_mode='r');
q = np.load('$work/Q.npy', mmap_mode='r'); print(f'{b.shape[0]} x {b.shape[1]}, {q.shape[0]} queries')")
desc="random unit vectors"
((clusters > 0)) && desc+=" in $clusters clusters"
((latent > 0)) && desc+=" drawn in $latent dims, mapped linearly into $dim"
[[ -n $vectors ]] && desc="$vectors (rows normalised)"
echo "base $shape: $desc"
echo "M=$m ef_construction=$efc threads=$threads k=10 target recall@10=$target rounds=$rounds"

libraries=(hnswlib faiss)
((with_tessera)) && libraries+=(tessera)
for round in $(seq "$rounds"); do
  for lib in "${libraries[@]}"; do
    if [[ $lib == tessera ]]; then
      "$tessera" bench search --base "$work/B.npy" --queries "$work/Q.npy" -k 10 --method hnsw \
        --hnsw-m "$m" --ef-construction "$efc" --target-recall "$target" --repeat 4 \
        --threads "$threads" --json >"$work/$lib.$round.json"
    else
      /usr/bin/python3 "$peers" "$lib" --dir "$work" --m "$m" --ef-construction "$efc" \
        --target-recall "$target" --threads "$threads" >"$work/$lib.$round.json"
    fi
    /usr/bin/python3 - "$work/$lib.$round.json" "$round" "$lib" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
build = r.get("build_s", r.get("build_seconds"))
print(f"round {sys.argv[2]}: {sys.argv[3]:8s} build {build:.2f} s")
EOF
  done
done

/usr/bin/python3 - "$work" "$rounds" "$target" "${libraries[@]}" <<'EOF'
import json, statistics, sys
work, rounds, target, libraries = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]

def load(lib, r):  # the peers' layout, or `tessera bench search --json`'s
    j = json.load(open(f"{work}/{lib}.{r}.json"))
    if "results" in j:
        return j["build_s"], [(p["ef_search"], p["recall"], p["queries_per_s"]) for p in j["results"]]
    return j["build_seconds"], [(p["effort"], p["recall"], p["qps"]) for p in j["sweep"]]

summary = {}
print(f"\n{'library':8s} {'build s':>8s} {'ef':>5s} {'recall@10':>9s} {'q/s':>9s}")
for lib in libraries:
    runs = [load(lib, r) for r in range(1, rounds + 1)]
    build = statistics.median(b for b, _ in runs)
    steps = min(len(s) for _, s in runs)  # a round may stop one step earlier than another
    rows = []
    for i in range(steps):
        ef = runs[0][1][i][0]
        rec = statistics.median(s[i][1] for _, s in runs)
        qps = statistics.median(s[i][2] for _, s in runs)
        rows.append((ef, rec, qps))
        print(f"{lib:8s} {build:8.2f} {ef:5d} {rec:9.4f} {qps:9.0f}")
    reached = [row for row in rows if row[1] >= target]
    summary[lib] = (build, reached[0] if reached else None)
print(f"\nfirst ef_search with recall@10 >= {target} (medians over rounds):")
for lib, (build, row) in summary.items():
    if row is None:
        print(f"  {lib:8s} build {build:.2f} s; not reached")
    else:
        print(f"  {lib:8s} build {build:.2f} s; ef {row[0]}: recall {row[1]:.4f}, {row[2]:.0f} q/s")
t, h = summary.get("tessera"), summary["hnswlib"]
if t and t[1] and h[1]:
    print(f"tessera / hnswlib: {t[1][2] / h[1][2]:.2f}x queries/s at recall >= {target} "
          f"(ef {t[1][0]} and {h[1][0]}), build {h[0] / t[0]:.2f}x faster")
EOF
