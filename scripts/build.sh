#!/usr/bin/env bash
# Installs missing packages (setup.sh), then configures and builds tessera (Release) in build/.
# Under CI (CI=true in the environment) warnings are errors. Extra arguments go to the configure
# step, e.g. ./scripts/build.sh -DTESSERA_BUILD_BENCHMARKS=OFF. TESSERA_BUILD_TARGETS (space
# separated, e.g. tessera_cli) builds only those targets instead of everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh

build_dir=${TESSERA_BUILD_DIR:-build}
werror=OFF
if [[ "${CI:-}" == "true" ]]; then
  werror=ON
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTESSERA_WERROR="$werror" "$@" >/dev/null
targets=()
for target in ${TESSERA_BUILD_TARGETS:-}; do targets+=(--target "$target"); done
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
