#!/usr/bin/env bash
# End-to-end checks of the tessera command line: exit codes (0 ok, 1 runtime error, 2 usage
# error), one-line errors on stderr, --help for every verb, and a short train-step run (random
# bags carry nothing to learn: learning itself is tested in the unit tests). Usage: cli_test.sh PATH_TO_TESSERA
set -uo pipefail
tessera=$1
passed=0
failed=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit code.
expect() {
  local code=$1 what=$2
  shift 3
  "$@" >"$out" 2>"$err"
  local got=$?
  if [[ $got -eq $code ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $got, expected $code"
    sed 's/^/  stdout: /' "$out" | head -5
    sed 's/^/  stderr: /' "$err" | head -5
  fi
}

# check DESCRIPTION CONDITION...: a plain assertion on the last command's output.
check() {
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

expect 0 "--version" -- "$tessera" --version
check "--version prints the version" grep -Eq '^tessera [0-9]+\.[0-9]+\.[0-9]+$' "$out"

expect 0 "doctor" -- "$tessera" doctor
check "doctor names the SIMD kernels" grep -q 'SIMD kernels' "$out"
check "doctor names OpenBLAS" grep -q 'OpenBLAS' "$out"

for verb in "" doctor bench "bench train-step"; do
  # shellcheck disable=SC2086
  expect 0 "help of '$verb'" -- "$tessera" $verb --help
  check "help of '$verb' has a usage line" grep -qi 'usage' "$out"
done

expect 2 "no verb is a usage error" -- "$tessera"
expect 2 "unknown verb" -- "$tessera" frobnicate
check "usage error is one line on stderr" test "$(wc -l <"$err")" -eq 1
expect 2 "unknown option" -- "$tessera" bench train-step --no-such-option
expect 2 "non-numeric value" -- "$tessera" bench train-step --steps many
expect 2 "bad optimizer name" -- "$tessera" bench train-step --optimizer lbfgs

expect 1 "prefix longer than dim is a runtime error" -- \
  "$tessera" bench train-step --vocab 100 --dim 16 --batch 4 --bag-len 3 --mrl 8,32 --steps 1
check "runtime error is one line on stderr" test "$(wc -l <"$err")" -eq 1
check "runtime error names the problem" grep -q 'prefixes' "$err"

expect 0 "small train-step" -- "$tessera" bench train-step --vocab 2000 --dim 32 --batch 16 \
  --bag-len 5 --mrl 8,16,32 --steps 5 --warmup 1 --threads 2 --json
check "train-step prints JSON" grep -q '"ms_per_step_mean"' "$out"
# Three prefixes of a 16-pair batch start near 3 * ln(16) = 8.3 (scale 20 spreads it a little).
first=$(sed -E 's/.*"first_loss": ([0-9.]+).*/\1/' "$out")
check "train-step first loss is plausible ($first)" awk -v a="$first" 'BEGIN { exit !(a > 4 && a < 40) }'

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
