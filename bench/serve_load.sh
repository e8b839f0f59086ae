#!/usr/bin/env bash
# tessera serve under load, side by side with the in-process search of the same index and with a
# Python server doing the same work (bench/python_search_server.py: FastAPI + uvicorn + FAISS).
# A SciFact collection (5,183 documents) over MODEL; wrk (loopback) posts searches for SciFact's
# queries, cycling, for SECONDS at concurrency 1, 8 and 64: q/s, p50, p99 and errors (non-2xx and
# socket errors). Three loads: text queries (tessera embeds them), vector queries (the query
# vectors tessera embed writes), and the same vector queries against the Python server; then
# `tessera bench search` of the same vectors in process, the same threads: all queries in one batch
# (--batch 0) and one query per call (--batch 1, the work a server's requests ask for).
#
# Usage: bench/serve_load.sh MODEL.safetensors [SECONDS (10)] [INDEX (flat)]
# Needs: apt-get install wrk python3-fastapi python3-uvicorn python3-faiss; a Release build in
# BUILD_DIR (build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
model=$(realpath "$1")
seconds=${2:-10}
index=${3:-flat}
build=${BUILD_DIR:-build}
data=${TESSERA_DATA_DIR:-../shared/data}
tessera=$(realpath "$build/tessera")
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
/usr/bin/python3 -c 'import fastapi, uvicorn, faiss' 2>/dev/null ||
  { echo "apt-get install python3-fastapi python3-uvicorn python3-faiss" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
scifact=$data/beir/scifact

"$tessera" collection create "$work/data/sf" --model "$model" --index "$index" 2>/dev/null
"$tessera" collection add "$work/data/sf" --input "$scifact/corpus.jsonl" --batch 2000 2>/dev/null
dim=$("$tessera" collection info "$work/data/sf" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["dim"])')
"$tessera" embed --model "$model" --input "$scifact/corpus.jsonl" --field title+text \
  --tower document --dim "$dim" --out "$work/base.npy" --quiet 2>/dev/null
"$tessera" embed --model "$model" --input "$scifact/queries.jsonl" --dim "$dim" \
  --out "$work/queries.npy" --quiet 2>/dev/null
/usr/bin/python3 - "$scifact" "$work" <<'PY'
import json, sys
import numpy as np
scifact, work = sys.argv[1], sys.argv[2]
with open(f"{work}/ids.txt", "w") as out:
    for line in open(f"{scifact}/corpus.jsonl"):
        out.write(json.loads(line)["_id"] + "\n")
texts = [json.loads(line)["text"] for line in open(f"{scifact}/queries.jsonl")]
vectors = np.load(f"{work}/queries.npy")
def lua(bodies, path):
    with open(path, "w") as out:
        out.write("bodies = {\n")
        for body in bodies:
            out.write("  %s,\n" % json.dumps(json.dumps(body)))
        out.write("}\ni = 0\nrequest = function()\n  i = i % #bodies + 1\n"
                  "  return wrk.format('POST', nil, {['Content-Type'] = 'application/json'}, bodies[i])\nend\n")
        out.write("done = function(summary, latency, requests)\n"
                  "  io.write(string.format('RESULT %d %d %d %.1f %.3f %.3f\\n', summary.requests,"
                  " summary.errors.status, summary.errors.connect + summary.errors.read +"
                  " summary.errors.write + summary.errors.timeout, summary.requests / (summary.duration / 1e6),"
                  " latency:percentile(50) / 1000, latency:percentile(99) / 1000))\nend\n")
lua([{"query": t, "k": 10, "include_text": False} for t in texts], f"{work}/text.lua")
lua([{"vector": [round(float(x), 7) for x in v], "k": 10, "include_text": False} for v in vectors],
    f"{work}/vector.lua")
PY

port=18431
"$tessera" serve --data "$work/data" --port $port --threads 64 2>"$work/serve.log" &
pids+=($!)
/usr/bin/python3 bench/python_search_server.py "$work/base.npy" "$work/ids.txt" $((port + 1)) faiss \
  2>"$work/python.log" &
pids+=($!)
for p in $port $((port + 1)); do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.2; done
done

run() {  # run NAME URL LUA CONCURRENCY
  local line
  line=$(wrk -t"$(($4 < 2 ? 1 : 2))" -c"$4" -d"${seconds}s" --latency -s "$3" "$2" | grep '^RESULT')
  read -r _ requests status_errors socket_errors qps p50 p99 <<<"$line"
  printf '%-28s %4d %10.0f %9.2f %9.2f %8d\n' "$1" "$4" "$qps" "$p50" "$p99" \
    $((status_errors + socket_errors))
  echo "$1 $4 $qps" >>"$work/qps.txt"
}
printf '%-28s %4s %10s %9s %9s %8s\n' load conc 'q/s' 'p50 ms' 'p99 ms' errors
for c in 1 8 64; do
  run "tessera serve, text" "http://127.0.0.1:$port/collections/sf/search" "$work/text.lua" $c
  run "tessera serve, vector" "http://127.0.0.1:$port/collections/sf/search" "$work/vector.lua" $c
  run "python FastAPI+FAISS, vector" "http://127.0.0.1:$((port + 1))/search" "$work/vector.lua" $c
done
inprocess() {  # inprocess BATCH: q/s of tessera bench search in calls of BATCH queries (0: one)
  "$tessera" bench search --base "$work/base.npy" --queries "$work/queries.npy" --method "$index" \
    --threads 2 --batch "$1" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["qps"])'
}
batched=$(inprocess 0)
single=$(inprocess 1)
printf 'in-process tessera bench search --method %s, 2 threads: %.0f q/s in one batch, %.0f q/s one query per call\n' \
  "$index" "$batched" "$single"
/usr/bin/python3 - "$work/qps.txt" "$batched" "$single" <<'PY'
import sys
rows = [line.rsplit(" ", 2) for line in open(sys.argv[1])]
qps = {(name, int(c)): float(q) for name, c, q in rows}
batched, single = float(sys.argv[2]), float(sys.argv[3])
for load in ("tessera serve, text", "tessera serve, vector"):
    print(f"{load} at concurrency 8: {qps[(load, 8)] / batched:.2f} of the in-process q/s in one batch, "
          f"{qps[(load, 8)] / single:.2f} of one query per call")
for c in (1, 8, 64):
    print(f"concurrency {c}: tessera serve / python FastAPI+FAISS (vector) = "
          f"{qps[('tessera serve, vector', c)] / qps[('python FastAPI+FAISS, vector', c)]:.1f}x")
PY
