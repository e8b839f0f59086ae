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

# ---- tokenize and vocab (issue 3) on real data and on bad input
data=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/data
work=$(mktemp -d)
trap 'rm -f "$out" "$err"; rm -rf "$work"' EXIT
scifact=$data/beir/scifact/corpus.jsonl
if [[ -f $scifact ]]; then
  expect 0 "vocab over scifact" -- "$tessera" vocab --input "$scifact" --field title+text \
    --stem --stop-words --out "$work/vocab.tsv" --quiet
  check "vocab has >20000 words" test "$(wc -l <"$work/vocab.tsv")" -gt 20000
  check "vocab lines are word<TAB>count" \
    awk -F'\t' 'NF != 2 || $2 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$work/vocab.tsv"
  check "stop words are gone" bash -c "! grep -qP '^the\t' '$work/vocab.tsv'"
  expect 0 "tokenize --json with that vocab" -- "$tessera" tokenize --input "$scifact" \
    --field title+text --stem --stop-words --vocab "$work/vocab.tsv" --limit 3 --json
  check "tokenize prints 3 lines" test "$(wc -l <"$out")" -eq 3
  check "tokenize lines are JSON with tokens and features" \
    /usr/bin/python3 -c 'import json,sys; [json.loads(l)["features"][0]["id"] for l in open(sys.argv[1])]' "$out"
else
  echo "skipped: $scifact not found"
fi

printf '{"text": "fine"}\n{"text": 5}\n' >"$work/bad.jsonl"
printf 'keep me\n' >"$work/keep.tsv"
expect 1 "vocab on a wrong JSON type" -- "$tessera" vocab --input "$work/bad.jsonl" --out "$work/keep.tsv"
check "error names file and line" grep -q 'bad.jsonl:2: expected a string' "$err"
check "a failed run leaves the old output alone" grep -qx 'keep me' "$work/keep.tsv"

printf 'good line\nbad \xff byte\n' >"$work/invalid.txt"
expect 1 "invalid UTF-8 is an error" -- "$tessera" tokenize --input "$work/invalid.txt"
check "invalid UTF-8 error names the line" grep -q 'invalid.txt:2' "$err"
expect 0 "invalid UTF-8 replaced on request" -- "$tessera" tokenize --input "$work/invalid.txt" \
  --on-invalid-utf8 replace
expect 1 "missing input file" -- "$tessera" vocab --input "$work/none.jsonl" --out "$work/v.tsv"
expect 2 "vocab without --out" -- "$tessera" vocab --input "$work/bad.jsonl"
expect 1 "--field on plain text" -- "$tessera" tokenize --input "$work/invalid.txt" --field x

expect 0 "tokenize reads stdin" -- bash -c "printf 'Hello, WORLD\\n' | '$tessera' tokenize --input -"
check "stdin line is tokenized and folded" grep -q '<stdin>:1: 2 tokens: hello world' "$out"
gzip -c "$work/invalid.txt" >"$work/invalid.txt.gz"
expect 1 "gzip input is read transparently (and its line 2 is still invalid)" -- \
  "$tessera" tokenize --input "$work/invalid.txt.gz"
check "gz error names the line" grep -q 'invalid.txt.gz:2' "$err"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
