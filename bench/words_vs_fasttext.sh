#!/usr/bin/env bash
# Word vectors side by side on the Brown corpus: Debian's fasttext and `tessera train --task
# words`, skip-gram and CBOW, char n-grams 3-6, the same settings for both (dim 100, window 5,
# 5 epochs, min count 5, 5 negatives, lr 0.05, subsampling 1e-4, THREADS threads), each scored
# by `tessera eval words` on every set of ../shared/data/words. Prints the words/s/thread each
# reports and each table.
#
# Usage: bench/words_vs_fasttext.sh [THREADS (2)]
# Needs: apt-get install fasttext; a Release build in BUILD_DIR (build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=${1:-2}
build=${BUILD_DIR:-build}
data=${TESSERA_DATA_DIR:-../shared/data}
tessera=$build/tessera
[[ -x $tessera ]] || { echo "$tessera not found: build first" >&2; exit 1; }
command -v fasttext >/dev/null || { echo "fasttext missing: apt-get install fasttext" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/brown_text.py "$data/words/brown/brown.zip" "$work/brown.txt"
for model in skipgram cbow; do
  start=$SECONDS
  fasttext "$model" -input "$work/brown.txt" -output "$work/$model" -dim 100 -ws 5 -epoch 5 \
    -minCount 5 -neg 5 -minn 3 -maxn 6 -thread "$threads" 2>&1 | tr '\r' '\n' |
    grep -o 'words/sec/thread: *[0-9]*' | tail -1 | sed "s/^/fasttext $model: /"
  echo "fasttext $model: $((SECONDS - start)) s"
  "$tessera" eval words --vectors "$work/$model.vec" --data "$data/words" 2>/dev/null
  start=$SECONDS
  "$tessera" train --task words --model "$model" --input "$work/brown.txt" --dim 100 \
    --window 5 --epochs 5 --min-count 5 --neg 5 --lr 0.05 --sample 1e-4 --char-ngram-min 3 \
    --char-ngram-max 6 --threads "$threads" --out "$work/tessera-$model.safetensors" 2>&1 |
    grep -o '[0-9]* words/s/thread' | sed "s/^/tessera $model: /"
  echo "tessera $model: $((SECONDS - start)) s"
  "$tessera" eval words --model "$work/tessera-$model.safetensors" --data "$data/words" 2>/dev/null
done
