#!/usr/bin/env bash
# README's first command: installs missing packages, builds tessera and shows that it runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/build.sh
build_dir=${TESSERA_BUILD_DIR:-build}

# Later issues replace these two with `tessera quickstart` (train, embed, search on sample data).
echo "== $build_dir/tessera --version"
"$build_dir/tessera" --version
echo "== $build_dir/tessera doctor"
"$build_dir/tessera" doctor
