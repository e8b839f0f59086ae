#!/usr/bin/env bash
# Side-by-side training-step benchmark: tessera bench train-step against the PyTorch peer
# (../shared/bench/torch_static_mnrl.py --time-steps), same shapes and threads, alternating
# runs so both see the same machine, and the ratio torch_ms / tessera_ms per round.
# Usage: bench/train_step_vs_torch.sh [BATCH [ROUNDS [STEPS]]]   (defaults: 256 3 50)
# Needs Debian's python3-torch (apt-get install python3-torch) and a Release build in BUILD_DIR
# (default build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
batch=${1:-256}
rounds=${2:-3}
steps=${3:-50}
peer=${TESSERA_PEER_DIR:-../shared/bench}/torch_static_mnrl.py
[[ -f $peer ]] || { echo "peer script not found: $peer" >&2; exit 1; }
tessera=${BUILD_DIR:-build}/tessera
[[ -x $tessera ]] || { echo "$tessera not found: run ./scripts/build.sh" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "PyTorch missing: apt-get install python3-torch" >&2; exit 1; }

json_field() { sed -E "s/.*\"$1\": ([0-9.]+).*/\\1/"; }
echo "batch=$batch steps=$steps vocab=200000 dim=256 bag-len=40 mrl=32,64,128,256 threads=2"
ratios=()
for round in $(seq "$rounds"); do
  torch_ms=$(/usr/bin/python3 "$peer" --time-steps "$steps" --vocab 200000 --dim 256 \
    --batch-size "$batch" --bag-len 40 --threads 2 --json | tr -d '\n' |
    json_field ms_per_step_mean)
  tessera_ms=$("$tessera" bench train-step --vocab 200000 --dim 256 --batch "$batch" \
    --bag-len 40 --mrl 32,64,128,256 --steps "$steps" --threads 2 --json |
    json_field ms_per_step_mean)
  ratio=$(awk -v t="$torch_ms" -v s="$tessera_ms" 'BEGIN { printf "%.2f", t / s }')
  ratios+=("$ratio")
  echo "round $round: torch $torch_ms ms/step, tessera $tessera_ms ms/step, ratio ${ratio}x"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median ratio torch/tessera: ${median}x"
