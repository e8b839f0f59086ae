#!/usr/bin/env bash
# HNSW search side by side: tessera's HnswIndex (hnswlib 0.6.2's graph, tessera's run-time AVX2
# distance) against python hnswlib (python3-hnswlib, the same 0.6.2) and FAISS IndexHNSWFlat
# (python3-faiss 1.7.3, a generic x86-64 build: TOOLCHAIN.md pitfall 1), on the same vectors,
# inner product, the same M and ef_construction, THREADS threads each; rounds alternate the three
# so that all see the same machine. The peers are bench/hnsw_peers.py.
#
# Reported: each library's build seconds, and for each ef_search its recall@10 against exact
# search and its queries per second over the whole query batch (best of 3 passes in a round,
# median over rounds); then for each library the smallest ef_search reaching recall@10 >= 0.95
# with its queries per second, and tessera's q/s over hnswlib's there.
#
# Data: N random unit vectors of DIM dims and QUERIES queries, uniform on the sphere; CLUSTERS=C
# draws them from C Gaussian clusters instead (topic structure); LATENT=L draws them in L dims
# and maps them linearly into DIM (the low intrinsic dimension of real embeddings; on uniform
# 256-dim data no HNSW reaches recall@10 0.95 below ef ~2000); VECTORS=file.npy takes real
# vectors (rows normalised, the last QUERIES rows are the queries).
#
# tessera's side runs
#   tessera bench search --base B.npy --queries Q.npy -k 10 --method hnsw --m M
#     --ef-construction EFC --ef-search E1,E2,... --threads T --json
# which prints {"build_s": s, "results": [{"ef_search": e, "recall": r, "queries_per_s": q}, ...]}
# (recall@k against its own exact search); TESSERA_BIN overrides the binary. A binary without
# the verb gives the peers' numbers only.
#
# Usage: bench/search_vs_hnswlib.sh [ROUNDS [N [DIM]]]   (defaults: 3 100000 256)
#   env: QUERIES=1000 M=16 EF_CONSTRUCTION=200 THREADS=2 EF_SEARCH=10,16,...,256 CLUSTERS=0
#        LATENT=0 VECTORS= BUILD_DIR=build TESSERA_BIN=$BUILD_DIR/tessera
# Needs: apt-get install python3-numpy python3-hnswlib python3-faiss
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
n=${2:-100000}
dim=${3:-256}
queries=${QUERIES:-1000}
m=${M:-16}
efc=${EF_CONSTRUCTION:-200}
threads=${THREADS:-2}
efs=${EF_SEARCH:-10,16,24,32,48,64,96,128,192,256}
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
echo "M=$m ef_construction=$efc threads=$threads k=10 rounds=$rounds ef_search=$efs"

libraries=(hnswlib faiss)
((with_tessera)) && libraries+=(tessera)
for round in $(seq "$rounds"); do
  for lib in "${libraries[@]}"; do
    if [[ $lib == tessera ]]; then
      TESSERA_NUM_THREADS=$threads "$tessera" bench search --base "$work/B.npy" \
        --queries "$work/Q.npy" -k 10 --method hnsw --m "$m" --ef-construction "$efc" \
        --ef-search "$efs" --threads "$threads" --json >"$work/$lib.$round.json"
    else
      /usr/bin/python3 "$peers" "$lib" --dir "$work" --m "$m" --ef-construction "$efc" \
        --ef-search "$efs" --threads "$threads" >"$work/$lib.$round.json"
    fi
    /usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["build_s"]
print("round %s: %-8s build %.2f s" % (sys.argv[2], sys.argv[3], s))' \
      "$work/$lib.$round.json" "$round" "$lib"
  done
done

/usr/bin/python3 - "$work" "$rounds" "${libraries[@]}" <<'EOF'
import json, statistics, sys
work, rounds, libraries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = {lib: [json.load(open(f"{work}/{lib}.{r}.json")) for r in range(1, rounds + 1)]
        for lib in libraries}
summary = {}
print(f"\n{'library':8s} {'build s':>8s} {'ef':>5s} {'recall@10':>9s} {'q/s':>9s}")
for lib, rs in runs.items():
    build = statistics.median(r["build_s"] for r in rs)
    rows = []
    for i, row in enumerate(rs[0]["results"]):
        qps = statistics.median(r["results"][i]["queries_per_s"] for r in rs)
        rec = statistics.median(r["results"][i]["recall"] for r in rs)
        rows.append((row["ef_search"], rec, qps))
        print(f"{lib:8s} {build:8.2f} {row['ef_search']:5d} {rec:9.4f} {qps:9.0f}")
    reached = [row for row in rows if row[1] >= 0.95]
    summary[lib] = (build, reached[0] if reached else None)
print("\nsmallest ef_search with recall@10 >= 0.95 (median over rounds):")
for lib, (build, row) in summary.items():
    if row is None:
        print(f"  {lib:8s} build {build:.2f} s; never reached 0.95")
    else:
        print(f"  {lib:8s} build {build:.2f} s; ef {row[0]}: recall {row[1]:.4f}, {row[2]:.0f} q/s")
if "tessera" in summary and summary["tessera"][1] and summary["hnswlib"][1]:
    t, h = summary["tessera"], summary["hnswlib"]
    print(f"tessera / hnswlib at recall >= 0.95: {t[1][2] / h[1][2]:.2f}x q/s, "
          f"build {h[0] / t[0]:.2f}x faster")
EOF
