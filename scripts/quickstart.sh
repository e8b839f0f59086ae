#!/usr/bin/env bash
# README's first command: installs missing packages, builds tessera, and runs the main job on
# built-in data: `tessera quickstart` (a WordNet reverse dictionary: train a model, index the
# words, search held-out definitions by flat search at three Matryoshka prefixes, binary codes,
# BM25 and hybrid retrieval; report in quickstart-report/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Only the command line: the tests and benchmarks are ./scripts/test.sh's to build.
TESSERA_BUILD_TARGETS=tessera_cli ./scripts/build.sh
build_dir=${TESSERA_BUILD_DIR:-build}

echo "== $build_dir/tessera quickstart"
"$build_dir/tessera" quickstart "$@"
