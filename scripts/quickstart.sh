#!/usr/bin/env bash
# README's first command: installs missing packages, builds tessera, and runs the main job on
# built-in data: `tessera quickstart` (a WordNet reverse dictionary: train a model, index the
# words, search held-out definitions by dense, BM25 and hybrid retrieval; report in
# quickstart-report/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/build.sh
build_dir=${TESSERA_BUILD_DIR:-build}

echo "== $build_dir/tessera quickstart"
"$build_dir/tessera" quickstart "$@"
