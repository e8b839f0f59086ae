#!/usr/bin/env bash
# Side-by-side training on a BEIR dataset: `tessera train` against the PyTorch peer
# (../shared/bench/torch_static_mnrl.py) with the peer's recipe on both sides: words + hashed
# bigrams (262144 buckets), documents cut at 256 tokens, no stemming or stop words, dim 256,
# Matryoshka 32..256, batch 256, SparseAdam lr 0.01, 10 epochs, qrels/train pairs + 2 crops per
# document, asymmetric loss, 2 threads. Runs alternate so both see the same machine.
# Reported per round: the peer's train seconds (forward + backward + update; its drawing and
# featurizing of pairs is excluded), tessera's train seconds by the same definition, and
# tessera's whole wall time (reading, vocabulary, featurizing, training, saving), with the
# ratios torch_train / tessera_train and torch_train / tessera_wall.
# Usage: bench/train_vs_torch.sh [BEIR_DIR [ROUNDS]]   (defaults: ../shared/data/beir/scifact 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
beir=${1:-../shared/data/beir/scifact}
rounds=${2:-3}
peer=${TESSERA_PEER_DIR:-../shared/bench}/torch_static_mnrl.py
[[ -f $peer ]] || { echo "peer script not found: $peer" >&2; exit 1; }
[[ -x build/tessera ]] || { echo "build/tessera not found: run ./scripts/build.sh" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "PyTorch missing: apt-get install python3-torch" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "data=$beir epochs=10 batch=256 dim=256 mrl=32,64,128,256 threads=2"
for round in $(seq "$rounds"); do
  torch_s=$(/usr/bin/python3 "$peer" "$beir" --threads 2 --json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys; print(round(json.load(sys.stdin)["train_s"], 2))')
  start=$(date +%s.%N)
  build/tessera train --beir "$beir" --no-stem --no-stop-words --no-symmetric --max-tokens 256 \
    --batch-size 256 --lr 0.01 --scale 20 --pairs-per-doc 2 --beir-weight 1 --epochs 10 \
    --typo 0 --word-drop 0 --shuffle-window 0 --ngame-cluster-size 1 --threads 2 \
    --quiet --out "$work/m.safetensors" 2>"$work/log"
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  train=$(sed -nE 's/.*training ([0-9.]+)s.*/\1/p' "$work/log")
  echo "round $round: torch train ${torch_s}s | tessera train ${train}s, wall ${wall}s |" \
    "ratio train $(awk -v t="$torch_s" -v s="$train" 'BEGIN { printf "%.1f", t / s }')x," \
    "vs tessera wall $(awk -v t="$torch_s" -v s="$wall" 'BEGIN { printf "%.1f", t / s }')x"
done
