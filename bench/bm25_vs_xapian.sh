#!/usr/bin/env bash
# BM25 query throughput side by side: `tessera eval beir --methods bm25` against Xapian (Debian
# python3-xapian, driven by bench/xapian_bm25.py) on the same BEIR corpus and queries. Both sides:
# title + " " + text, Porter stemming, Lucene's 33 English stop words, k1 0.9, b 0.4, the top 100
# per query (101 fetched, the query's own id dropped). Xapian's weighting is BM25PlusWeight with
# delta 0 and min_normlen 0, i.e. BM25 with idf ln((N+1)/df) where Lucene has ln((N+1)/(df+0.5));
# its queries go through QueryParser (STEM_ALL, default op OR, no operator flags). See
# xapian_bm25.py's header for why; XAPIAN_ARGS passes other choices (e.g. "--parser terms").
#
# Timed on both sides: all queries of the split, from query text to ranked top-k (analysis or
# parsing included), index building excluded. tessera: the queries/s of `eval beir` (one batch
# over all queries), best of REPEATS processes; Xapian: one query at a time, best of REPEATS
# passes in one process (Python calls into libxapian per query; reading hits out is untimed).
# Both indexes live in memory (Xapian's inmemory backend).
#
# Threads. Equal threads: tessera --threads 1 against one Xapian process (Xapian searches a query
# on one thread; it has no intra-query or batch parallelism). Two cores: tessera --threads 2
# against two Xapian processes run at once, each with its own copy of the index and half of the
# queries (every other one); both build their index, wait for each other, then search, and their
# rate is all queries / the slower process's best pass. That is a real measurement of what Xapian
# does with two cores, not its one-process rate doubled (which would assume perfect scaling on a
# machine others share).
#
# Runs alternate (Xapian 1 process, tessera 1 thread, tessera 2 threads, Xapian 2 processes) in
# each round so both see the same machine. Per round: q/s of each, ratio tessera / Xapian,
# nDCG@10 of each, index build seconds of each; at the end, the median ratios.
#
# Usage: bench/bm25_vs_xapian.sh [BEIR_DIR [ROUNDS [SPLIT]]]
#   (defaults: ../shared/data/beir/scifact 3 test; REPEATS=3, BUILD_DIR=build in the environment)
# Needs: apt-get install python3-xapian; a Release build of tessera in BUILD_DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
beir=${1:-../shared/data/beir/scifact}
rounds=${2:-3}
split=${3:-test}
repeats=${REPEATS:-3}
tessera=${BUILD_DIR:-build}/tessera
peer=bench/xapian_bm25.py
read -r -a xapian_args <<<"${XAPIAN_ARGS:-}"
[[ -x $tessera ]] || { echo "$tessera not found: run ./scripts/build.sh" >&2; exit 1; }
[[ -f $beir/corpus.jsonl && -f $beir/queries.jsonl && -f $beir/qrels/$split.tsv ]] ||
  { echo "not a BEIR dataset with split $split: $beir" >&2; exit 1; }
/usr/bin/python3 -c 'import xapian' 2>/dev/null ||
  { echo "Xapian missing: apt-get install python3-xapian" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

field() {  # field JSON_FILE KEY [DIGITS]: KEY's value (a dotted path) in the JSON file
  /usr/bin/python3 - "$@" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(f"{value:.{sys.argv[3]}f}" if len(sys.argv) > 3 else value)
EOF
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

tessera_best() {  # tessera_best THREADS: best of REPEATS runs; leaves that run's metrics.json
  local best=0 qps
  for _ in $(seq "$repeats"); do
    rm -rf "$work/t"
    "$tessera" eval beir "$beir" --split "$split" --methods bm25 --threads "$1" --out "$work/t" \
      >/dev/null 2>&1
    qps=$(field "$work/t/metrics.json" methods.bm25.qps 1)
    if awk -v q="$qps" -v b="$best" 'BEGIN { exit !(q > b) }'; then
      best=$qps
      cp "$work/t/metrics.json" "$work/tessera$1.json"
    fi
  done
}

xapian_two() {  # two Xapian processes, half the queries each, searching at the same time
  rm -rf "$work/barrier"
  mkdir "$work/barrier"
  for shard in 0 1; do
    /usr/bin/python3 "$peer" "$beir" --split "$split" --repeats "$repeats" --shard "$shard/2" \
      --barrier "$work/barrier" --json "${xapian_args[@]}" >"$work/x2.$shard.json" &
  done
  wait
  /usr/bin/python3 - "$work/x2.0.json" "$work/x2.1.json" >"$work/x2.json" <<'EOF'
import json, sys
shards = [json.load(open(p)) for p in sys.argv[1:]]
queries = sum(s["queries"] for s in shards)
seconds = max(s["search_seconds"] for s in shards)
print(json.dumps({"qps": queries / seconds, "queries": queries, "search_seconds": seconds}))
EOF
}

/usr/bin/python3 "$peer" "$beir" --split "$split" --repeats 1 --json "${xapian_args[@]}" \
  >"$work/x1.json"
echo "data=$beir split=$split docs=$(field "$work/x1.json" documents)" \
  "queries=$(field "$work/x1.json" queries) top-100 k1=0.9 b=0.4; $(field "$work/x1.json" engine)" \
  "(${XAPIAN_ARGS:-defaults}), tessera $tessera; best of $repeats; $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
ratios1=()
ratios2=()
for round in $(seq "$rounds"); do
  /usr/bin/python3 "$peer" "$beir" --split "$split" --repeats "$repeats" --json \
    "${xapian_args[@]}" >"$work/x1.json"
  tessera_best 1
  tessera_best 2
  xapian_two
  x1=$(field "$work/x1.json" qps 0)
  x2=$(field "$work/x2.json" qps 0)
  t1=$(field "$work/tessera1.json" methods.bm25.qps 0)
  t2=$(field "$work/tessera2.json" methods.bm25.qps 0)
  r1=$(ratio "$t1" "$x1")
  r2=$(ratio "$t2" "$x2")
  ratios1+=("$r1")
  ratios2+=("$r2")
  echo "round $round: 1 thread: tessera $t1 q/s (p50 $(field "$work/tessera1.json" \
methods.bm25.p50_ms 3) ms, p99 $(field "$work/tessera1.json" methods.bm25.p99_ms 3) ms)," \
    "xapian $x1 q/s (p50 $(field "$work/x1.json" p50_ms 3) ms, p99 $(field "$work/x1.json" \
p99_ms 3) ms), ratio ${r1}x | 2 cores: tessera $t2 q/s, xapian 2 procs $x2 q/s, ratio ${r2}x |" \
    "nDCG@10 tessera $(field "$work/tessera1.json" methods.bm25.nDCG@10 4)," \
    "xapian $(field "$work/x1.json" nDCG@10 4) | build s tessera" \
    "$(field "$work/tessera1.json" methods.bm25.build_seconds 2), xapian" \
    "$(field "$work/x1.json" build_seconds 2)"
done
echo "median ratio tessera / xapian queries per second: $(median "${ratios1[@]}")x on 1 thread" \
  "(1 process), $(median "${ratios2[@]}")x on 2 threads (2 processes)"
