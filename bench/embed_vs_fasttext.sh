#!/usr/bin/env bash
# Encode speed side by side: `tessera embed` against `fasttext print-sentence-vectors` (Debian's
# fasttext) on the same 100k lines, models of equal shape: dim 256, word unigrams + bigrams hashed
# into 262144 buckets, no character n-grams. Alternating runs, wall time of each whole command
# (model load, reading, featurizing, pooling, writing), and the ratio of sentences per second.
#
# The lines: SciFact titles and abstract sentences, AG News titles and descriptions and movie
# review sentences from ../shared/data, cycled to LINES lines (read there, written to a temp dir).
# The fastText model is trained supervised (print-sentence-vectors then averages word and bigram
# rows, the same bag tessera pools) on the lines with 4 dummy labels, one epoch; the tessera model
# has random weights over the vocabulary of the same lines (tessera_bench_make_model): speed does
# not depend on the weights. fastText writes text vectors; tessera writes .npy (and, as a second
# figure, JSONL text). print-sentence-vectors runs on one thread (it has no thread option);
# tessera runs on THREADS, and once more on 1 thread for the same-thread figure.
#
# Usage: bench/embed_vs_fasttext.sh [ROUNDS [THREADS [LINES]]]   (defaults: 3 2 100000)
# Needs: apt-get install fasttext; a Release build in BUILD_DIR (default build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
threads=${2:-2}
lines=${3:-100000}
build=${BUILD_DIR:-build}
data=${TESSERA_DATA_DIR:-../shared/data}
tessera=$build/tessera
make_model=$build/bench/tessera_bench_make_model
command -v fasttext >/dev/null || { echo "fasttext missing: apt-get install fasttext" >&2; exit 1; }
[[ -x $tessera && -x $make_model ]] ||
  { echo "$tessera or $make_model not found: build with benchmarks in $build" >&2; exit 1; }
for f in beir/scifact/corpus.jsonl classification/ag_news/test.csv \
  classification/mr_sentence_polarity/rt-polarity.pos; do
  [[ -f $data/$f ]] || { echo "missing $data/$f" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$data" "$lines" "$work/lines.txt" <<'EOF'
import csv, itertools, json, re, sys
data, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
texts = []
with open(f"{data}/beir/scifact/corpus.jsonl", encoding="utf-8") as f:
    for line in f:
        doc = json.loads(line)
        texts.append(doc["title"])
        texts.extend(re.split(r"(?<=[.!?])\s+", doc["text"]))
with open(f"{data}/classification/ag_news/test.csv", encoding="utf-8", newline="") as f:
    for row in csv.reader(f):
        texts.extend(row[1:3])
for name in ("pos", "neg"):
    with open(f"{data}/classification/mr_sentence_polarity/rt-polarity.{name}",
              encoding="utf-8") as f:
        texts.extend(f.read().splitlines())
texts = [" ".join(t.split()) for t in texts]
texts = [t for t in texts if t]
with open(out, "w", encoding="utf-8") as f:
    for t in itertools.islice(itertools.cycle(texts), n):
        f.write(t + "\n")
EOF
awk '{ print "__label__" NR % 4 " " $0 }' "$work/lines.txt" >"$work/train.txt"
words=$(wc -w <"$work/lines.txt")
echo "$lines lines, $words words, $(du -h "$work/lines.txt" | cut -f1)B; dim 256, word bigrams," \
  "262144 buckets, no char n-grams; tessera threads=$threads, fasttext 1 thread"

fasttext supervised -input "$work/train.txt" -output "$work/ft" -dim 256 -wordNgrams 2 \
  -minn 0 -maxn 0 -bucket 262144 -epoch 1 -minCount 1 -thread "$threads" -verbose 0
"$tessera" vocab --input "$work/lines.txt" --format text --out "$work/vocab.tsv" --quiet 2>/dev/null
"$make_model" "$work/vocab.tsv" "$work/model.safetensors" 256 2 262144

seconds() { local start=$1; awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'; }
rate() { awk -v n="$lines" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
embed() {  # embed THREADS OUT: one timed `tessera embed` run, prints its seconds
  local start
  start=$(date +%s.%N)
  "$tessera" embed --model "$work/model.safetensors" --input "$work/lines.txt" --format text \
    --out "$2" --threads "$1" --quiet 2>/dev/null
  seconds "$start"
}
ratios=()
ratios_1=()
for round in $(seq "$rounds"); do
  start=$(date +%s.%N)
  fasttext print-sentence-vectors "$work/ft.bin" <"$work/lines.txt" >"$work/ft.txt"
  ft_s=$(seconds "$start")
  npy_s=$(embed "$threads" "$work/vectors.npy")
  one_s=$(embed 1 "$work/vectors.npy")
  jsonl_s=$(embed "$threads" "$work/vectors.jsonl")
  [[ $(wc -l <"$work/ft.txt") -eq $lines && $(wc -l <"$work/vectors.jsonl") -eq $lines ]] ||
    { echo "an encoder wrote the wrong number of vectors" >&2; exit 1; }
  ratio=$(awk -v f="$ft_s" -v t="$npy_s" 'BEGIN { printf "%.2f", f / t }')
  ratio_1=$(awk -v f="$ft_s" -v t="$one_s" 'BEGIN { printf "%.2f", f / t }')
  ratios+=("$ratio")
  ratios_1+=("$ratio_1")
  echo "round $round: fasttext $ft_s s ($(rate "$ft_s")/s); tessera .npy $npy_s s" \
    "($(rate "$npy_s")/s), 1 thread $one_s s ($(rate "$one_s")/s), .jsonl $jsonl_s s" \
    "($(rate "$jsonl_s")/s); ratio ${ratio}x (1 thread ${ratio_1}x)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "median ratio tessera (.npy, $threads threads) / fasttext sentences per second:" \
  "$(median "${ratios[@]}")x (tessera on 1 thread: $(median "${ratios_1[@]}")x)"
