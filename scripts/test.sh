#!/usr/bin/env bash
# README's second command (and CI's, through .ci/run): installs missing packages, builds Release,
# runs every test, then the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then under ThreadSanitizer, then runs the readers' libFuzzer targets briefly (clang), then builds
# and runs a consumer of the installed library (find_package(tessera)).
# Under CI (CI=true in the environment) warnings are errors. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)
build_dir=${TESSERA_BUILD_DIR:-build}
asan_dir=${TESSERA_ASAN_BUILD_DIR:-build-asan}
tsan_dir=${TESSERA_TSAN_BUILD_DIR:-build-tsan}
fuzz_dir=${TESSERA_FUZZ_BUILD_DIR:-build-fuzz}
fuzz_runs=${TESSERA_FUZZ_RUNS:-50000}
werror=OFF
if [[ "${CI:-}" == "true" ]]; then
  werror=ON
fi

started=$SECONDS
stage_started=$SECONDS
stage_name=""
# Prints how long the previous stage took, then the header of the next one.
stage() {
  if [[ -n "$stage_name" ]]; then
    echo "-- $((SECONDS - stage_started)) s"
  fi
  stage_name=${1:-}
  stage_started=$SECONDS
  if [[ -n "$stage_name" ]]; then
    echo "== $stage_name"
  fi
}

stage "setup: Debian packages"
./scripts/setup.sh

stage "build: Release in $build_dir (TESSERA_WERROR=$werror)"
TESSERA_BUILD_DIR=$build_dir ./scripts/build.sh

stage "test: ctest in $build_dir"
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j2

# sanitized_unit_tests NAME DIR SANITIZERS EXCLUDE ENV...: builds tessera_unit_tests in DIR (Debug
# -O1, with line tables only, -g1: file:line in reports, a quarter less compile time than -g) with
# the sanitizers, then runs the `unit` tests, but those matching the regex EXCLUDE (none if empty),
# with the runtime options ENV.
sanitized_unit_tests() {
  local name=$1 dir=$2 sanitizers=$3 exclude=$4
  shift 4
  local skip=()
  [[ -n $exclude ]] && skip=(-E "$exclude")
  stage "build: Debug + $name in $dir (tessera_unit_tests only)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DTESSERA_SANITIZE="$sanitizers" -DTESSERA_BUILD_BENCHMARKS=OFF \
    -DTESSERA_WERROR="$werror" >/dev/null
  cmake --build "$dir" --target tessera_unit_tests -j"$jobs"
  stage "test: unit tests under $name"
  env "$@" ctest --test-dir "$dir" -L unit "${skip[@]}" --output-on-failure --no-tests=error -j2
}

sanitized_unit_tests "ASan + UBSan" "$asan_dir" "address;undefined" "" \
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The end-to-end tests on real data (SciFact retrieval, the installed WordNet) take 4 of the 5
# minutes under ThreadSanitizer; ASan runs them, and the threaded code they go through has tests of
# its own here (exact search, Hamming search and HNSW with one and two threads).
sanitized_unit_tests "ThreadSanitizer" "$tsan_dir" "thread" \
  '^RetrievalBenchmark\.|^ReverseDictionary\.InstalledWordNet$' \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

stage "build: libFuzzer targets of the readers in $fuzz_dir (clang)"
cmake -S fuzz -B "$fuzz_dir" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$fuzz_dir" -j"$jobs"

stage "test: each fuzz target for $fuzz_runs runs from its seed corpus (fuzz/corpus/<target>)"
for target in fuzz_line_source fuzz_jsonl fuzz_delimited fuzz_fasttext fuzz_labeled_input \
  fuzz_qrels fuzz_npy fuzz_trec_run fuzz_wordnet fuzz_word_files fuzz_index_file fuzz_model_file \
  fuzz_api; do
  # New inputs go to a scratch directory (the first one given), never into the repository.
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/tessera-$target.XXXXXX")
  TESSERA_NUM_THREADS=2 "$fuzz_dir/$target" -runs="$fuzz_runs" -max_len=4096 -seed=1 \
    "$scratch" "fuzz/corpus/$target" 2>"$scratch.log" ||
    { cat "$scratch.log"; rm -rf "$scratch" "$scratch.log"; exit 1; }
  tail -n 1 "$scratch.log"
  rm -rf "$scratch" "$scratch.log"
done

stage "test: find_package(tessera) consumer against an installed $build_dir"
prefix=$(mktemp -d "${TMPDIR:-/tmp}/tessera-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
cmake -S tests/find_package -B "$prefix/consumer-build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer-build" -j"$jobs" >/dev/null
"$prefix/consumer-build/tessera_find_package_test"
"$prefix/bin/tessera" --version >/dev/null

stage ""
echo "== all tests passed in $((SECONDS - started)) s"
