#!/usr/bin/env bash
# End-to-end checks of the tessera command line: exit codes (0 ok, 1 runtime error, 2 usage
# error), one-line errors on stderr, --help for every verb, and a short train-step run (random
# bags carry nothing to learn: learning itself is tested in the unit tests).
# Usage: cli_test.sh PATH_TO_TESSERA [PATH_TO_TESSERA_BENCH_MAKE_MODEL]
# (with the second, `tessera embed` also runs end to end on a random-weight model).
set -uo pipefail
tessera=$1
make_model=${2:-}
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
check "doctor names the Hamming kernel" grep -qE 'Hamming kernel +(avx512-vpopcntdq|popcnt|generic)' "$out"
check "doctor names the int8 kernel" grep -qE 'int8 kernel +(avx512-vnni|avx2|generic)' "$out"

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
printf '{"text": "good line"}\n{"text": "bad \xff byte"}\n' >"$work/invalid.jsonl"
printf 'text\ngood line\nbad \xff byte\n' >"$work/invalid.csv"
for input in invalid.jsonl invalid.csv; do
  expect 1 "invalid UTF-8 in ${input#*.} is an error" -- "$tessera" tokenize --input "$work/$input"
  check "its error names the line" grep -q "$input:[23]" "$err"
  expect 0 "invalid UTF-8 in ${input#*.} replaced on request" -- "$tessera" tokenize \
    --input "$work/$input" --field text --on-invalid-utf8 replace
  check "the text keeps its words around the replaced byte" grep -q '2 tokens: bad byte' "$out"
done
expect 1 "missing input file" -- "$tessera" vocab --input "$work/none.jsonl" --out "$work/v.tsv"
expect 2 "vocab without --out" -- "$tessera" vocab --input "$work/bad.jsonl"
expect 1 "--field on plain text" -- "$tessera" tokenize --input "$work/invalid.txt" --field x

expect 0 "tokenize reads stdin" -- bash -c "printf 'Hello, WORLD\\n' | '$tessera' tokenize --input -"
check "stdin line is tokenized and folded" grep -q '<stdin>:1: 2 tokens: hello world' "$out"
gzip -c "$work/invalid.txt" >"$work/invalid.txt.gz"
expect 1 "gzip input is read transparently (and its line 2 is still invalid)" -- \
  "$tessera" tokenize --input "$work/invalid.txt.gz"
check "gz error names the line" grep -q 'invalid.txt.gz:2' "$err"

# ---- embed (issue 4): usage and model errors; end to end with a random-weight model
expect 0 "help of embed" -- "$tessera" embed --help
check "embed help names the quantizations" grep -q 'int8' "$out"
expect 2 "embed without --model" -- "$tessera" embed --input "$work/keep.tsv" --out "$work/v.npy"
expect 2 "embed without --out" -- "$tessera" embed --model m --input "$work/keep.tsv"
expect 2 "embed with a bad --quantize" -- "$tessera" embed --model m --input "$work/keep.tsv" \
  --out "$work/v.npy" --quantize int4
expect 2 "embed with a bad --out-format" -- "$tessera" embed --model m --input "$work/keep.tsv" \
  --out "$work/v.npy" --out-format csv
expect 1 "embed with a missing model file" -- "$tessera" embed --model "$work/none.safetensors" \
  --input "$work/keep.tsv" --out "$work/v.npy"
check "missing model error names the file" grep -q 'none.safetensors' "$err"
check "missing model error is one line" test "$(wc -l <"$err")" -eq 1
check "a failed embed writes nothing" test ! -e "$work/v.npy"

queries=$data/beir/scifact/queries.jsonl
if [[ -n $make_model && -x $make_model && -f $queries ]]; then
  "$tessera" vocab --input "$queries" --out "$work/qvocab.tsv" --quiet 2>/dev/null
  "$make_model" "$work/qvocab.tsv" "$work/model.safetensors" 64 2 4096
  nq=$(wc -l <"$queries")
  expect 0 "embed scifact queries to .npy" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$queries" --out "$work/q.npy" --batch-size 100 --threads 2
  check "embed prints a one-line summary" grep -Eq "^embed: $nq rows x 64 dims .* sentences/s" "$err"
  check "numpy reads ($nq, 64) float32 rows of unit length" /usr/bin/python3 -c '
import sys, numpy as np
v = np.load(sys.argv[1])
assert v.dtype == np.float32 and v.shape == (int(sys.argv[2]), 64), (v.dtype, v.shape)
n = np.linalg.norm(v, axis=1)
assert np.all((np.abs(n - 1) < 1e-5) | (n == 0)), n' "$work/q.npy" "$nq"
  expect 0 "embed a 16-dim prefix as JSONL" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$queries" --out "$work/q16.jsonl" --dim 16
  check "JSONL prefix rows equal the renormalized prefix of the .npy rows" /usr/bin/python3 -c '
import json, sys, numpy as np
v = np.load(sys.argv[1])[:, :16]
n = np.linalg.norm(v, axis=1, keepdims=True)
v = np.where(n > 0, v / np.maximum(n, 1e-30), 0)
rows = np.array([json.loads(l) for l in open(sys.argv[2])], dtype=np.float32)
assert rows.shape == v.shape and np.allclose(rows, v, atol=1e-6), rows.shape' \
    "$work/q.npy" "$work/q16.jsonl"
  expect 0 "embed binary codes to .bvecs" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$queries" --out "$work/qb.bvecs" --quantize binary
  check "bvecs rows are 4 + 8 bytes" test "$(stat -c %s "$work/qb.bvecs")" -eq $((nq * 12))
  expect 0 "embed int8 codes" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$queries" --out "$work/q8.npy" --quantize int8
  check "int8 codes and scales agree with the float vectors" /usr/bin/python3 -c '
import sys, numpy as np
v, q, s = np.load(sys.argv[1]), np.load(sys.argv[2]), np.load(sys.argv[3])
assert q.dtype == np.int8 and q.shape == v.shape and s.shape == (64,), (q.shape, s.shape)
assert np.array_equal(q, np.clip(np.rint(v / s), -127, 127).astype(np.int8))' \
    "$work/q.npy" "$work/q8.npy" "$work/q8.scale.npy"
  expect 1 "--dim larger than the model" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$queries" --out "$work/q.npy" --dim 65
  check "--dim error names both dims" grep -q -- '--dim 65 is larger than the 64 dims' "$err"
  expect 1 "binary codes refused as .fvecs" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$queries" --out "$work/qb.fvecs" --quantize binary
  check "the .fvecs error suggests bvecs" grep -q 'or bvecs' "$err"
  cp "$work/q.npy" "$work/q.before"
  expect 1 "embed a line of invalid UTF-8" -- "$tessera" embed --model "$work/model.safetensors" \
    --input "$work/invalid.txt" --out "$work/q.npy" --batch-size 1
  check "embed error names file and line" grep -q 'invalid.txt:2: invalid UTF-8' "$err"
  check "a failed embed leaves the old output alone" cmp -s "$work/q.npy" "$work/q.before"
else
  echo "skipped: embed end to end (needs tessera_bench_make_model and $queries)"
fi

# ---- eval beir (issue 5): usage and input errors; end to end with a model from `tessera train`
# (or, without that verb, a random-weight one from tessera_bench_make_model)
for verb in eval "eval beir"; do
  # shellcheck disable=SC2086
  expect 0 "help of '$verb'" -- "$tessera" $verb --help
  check "help of '$verb' has a usage line" grep -qi 'usage' "$out"
done
beir=$data/beir/scifact
expect 2 "eval without a task" -- "$tessera" eval
expect 2 "eval beir without a directory" -- "$tessera" eval beir --model m
expect 2 "eval beir flat without --model" -- "$tessera" eval beir "$beir" --methods flat
check "the error says flat needs --model" grep -q "'flat' needs --model" "$err"
expect 2 "eval beir --dims without --model" -- "$tessera" eval beir "$beir" --dims 16
expect 2 "eval beir with an unknown method" -- "$tessera" eval beir "$beir" --model m --methods bm42
check "the spec error names the spec and the kinds" grep -q "index spec 'bm42': unknown index kind" "$err"
expect 2 "eval beir with a malformed spec" -- "$tessera" eval beir "$beir" --model m \
  --methods flat,funnel@64x256
check "the spec error names the wrong part" grep -q "'64x256' is not a whole number" "$err"
expect 2 "eval beir with dim 0" -- "$tessera" eval beir "$beir" --model m --dims 0,64
expect 1 "eval beir with a missing model" -- "$tessera" eval beir "$beir" \
  --model "$work/none.safetensors"
check "missing model error names the file" grep -q 'none.safetensors' "$err"
check "missing model error is one line" test "$(wc -l <"$err")" -eq 1

# BM25 needs no model (issue 5: "Without --model, BM25 only"); Pyserini's SciFact nDCG@10 is 0.6789.
if [[ -f $beir/corpus.jsonl ]]; then
  expect 0 "eval beir bm25 without a model" -- "$tessera" eval beir "$beir" --methods bm25 \
    --out "$work/bm25_report" --threads 2
  check "bm25 nDCG@10 >= 0.66" awk '$1 == "bm25" { found = 1; ok = ($2 >= 0.66) } END { exit !(found && ok) }' "$out"
  check "bm25 metrics.json and a 100-deep run" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["model"] is None and list(m["methods"]) == ["bm25"], m
assert m["methods"]["bm25"]["nDCG@10"] >= 0.66 and m["methods"]["bm25"]["qps"] > 0, m
lines = sum(1 for _ in open(sys.argv[2]))  # 100 per query; one SciFact query matches only 66
assert 29900 <= lines <= 30000, lines' \
    "$work/bm25_report/metrics.json" "$work/bm25_report/bm25.trec"
  expect 0 "eval beir without --model or --methods runs bm25" -- "$tessera" eval beir "$beir" \
    --threads 2
  check "only bm25 is run without a model" test "$(grep -cE '^(bm25|flat|binary)' "$out")" -eq 1
fi

# A failed eval leaves no report, nor the directories made for it; a report written into a folder
# of other files leaves them alone.
mkdir -p "$work/tiny/qrels"
printf '{"_id":"d1","text":"protein folding"}\n{"_id":"d2","text":"cell biology"}\n' \
  >"$work/tiny/corpus.jsonl"
printf '{"_id":"q1","text":"protein"}\n' >"$work/tiny/queries.jsonl"
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\n' >"$work/tiny/qrels/test.tsv"
expect 1 "eval beir whose report cannot be written" -- env TESSERA_FAIL_AT=atomic-file:commit \
  "$tessera" eval beir "$work/tiny" --methods bm25 --out "$work/reports/tiny"
check "leaves no report and no directory" test ! -e "$work/reports"
mkdir -p "$work/results" && echo keep >"$work/results/notes.txt"
expect 0 "eval beir into a folder of other files" -- "$tessera" eval beir "$work/tiny" \
  --methods bm25 --out "$work/results"
check "the report goes in beside them" test -s "$work/results/metrics.json" -a \
  -s "$work/results/bm25.trec" -a -f "$work/results/notes.txt"
expect 1 "eval beir --out a file" -- "$tessera" eval beir "$work/tiny" --methods bm25 \
  --out "$work/results/notes.txt"
check "is refused before the work" grep -q 'notes.txt: is a file, not a directory' "$err"

# Invalid UTF-8 in a BEIR directory: an error naming the line and the fix, or, with
# --on-invalid-utf8 replace, repaired as read by every verb that reads one.
cp -r "$work/tiny" "$work/bad_utf8"
printf '{"_id":"d1","text":"caf\xe9 protein"}\n{"_id":"d2","text":"cell biology"}\n' \
  >"$work/bad_utf8/corpus.jsonl"
cp "$work/bad_utf8/qrels/test.tsv" "$work/bad_utf8/qrels/train.tsv"
expect 1 "index of a corpus with invalid UTF-8" -- "$tessera" index \
  --corpus "$work/bad_utf8/corpus.jsonl" --method bm25 --out "$work/bad_utf8.idx"
check "the error names the line" grep -q 'corpus.jsonl:1: expected valid JSON' "$err"
check "and the fix" grep -q -- '--on-invalid-utf8 replace maps bad bytes' "$err"
expect 0 "index --on-invalid-utf8 replace" -- "$tessera" index --on-invalid-utf8 replace \
  --corpus "$work/bad_utf8/corpus.jsonl" --method bm25 --out "$work/bad_utf8.idx"
expect 0 "search the repaired index" -- "$tessera" search --index "$work/bad_utf8.idx" \
  --query protein --json
check "the document reads with U+FFFD" grep -q $'caf\xef\xbf\xbd protein' "$out"
expect 1 "eval beir of a corpus with invalid UTF-8" -- "$tessera" eval beir "$work/bad_utf8" \
  --methods bm25
expect 0 "eval beir --on-invalid-utf8 replace" -- "$tessera" eval beir "$work/bad_utf8" \
  --methods bm25 --on-invalid-utf8 replace
expect 1 "train --beir of a corpus with invalid UTF-8" -- "$tessera" train --beir "$work/bad_utf8" \
  --dim 16 --prefixes 16 --buckets 64 --epochs 1 --out "$work/bad_utf8.safetensors"
expect 0 "train --beir --on-invalid-utf8 replace" -- "$tessera" train --beir "$work/bad_utf8" \
  --dim 16 --prefixes 16 --buckets 64 --epochs 1 --on-invalid-utf8 replace \
  --out "$work/bad_utf8.safetensors"

eval_model=
if [[ -f $beir/corpus.jsonl ]] && "$tessera" train --help >/dev/null 2>&1; then
  "$tessera" train --beir "$beir" --dim 32 --prefixes 16,32 --buckets 4096 --epochs 1 \
    --threads 2 --out "$work/eval_model.safetensors" --quiet >/dev/null 2>&1 &&
    eval_model=$work/eval_model.safetensors
elif [[ -f $beir/corpus.jsonl && -n $make_model && -x $make_model ]]; then
  "$tessera" vocab --input "$beir/corpus.jsonl" --field title+text --out "$work/cvocab.tsv" \
    --quiet 2>/dev/null
  "$make_model" "$work/cvocab.tsv" "$work/eval_model.safetensors" 32 2 4096 &&
    eval_model=$work/eval_model.safetensors
fi
if [[ -n $eval_model ]]; then
  expect 1 "eval beir on a missing directory" -- "$tessera" eval beir "$work/no-such-dir" \
    --model "$eval_model"
  check "missing directory error names corpus.jsonl" grep -q 'corpus.jsonl' "$err"
  expect 1 "eval beir on a missing split" -- "$tessera" eval beir "$beir" --model "$eval_model" \
    --split dev
  check "missing split error names the qrels file" grep -q 'dev.tsv' "$err"
  expect 1 "eval beir with a dim beyond the model" -- "$tessera" eval beir "$beir" \
    --model "$eval_model" --dims 16,64
  check "dim error names the dim" grep -q 'dim 64' "$err"
  expect 0 "eval beir scifact" -- "$tessera" eval beir "$beir/" --model "$eval_model" \
    --dims 16,32 --methods flat,binary+rescore --out "$work/report" --threads 2
  check "eval prints a row per method" test "$(grep -cE '^(flat@16|flat@32|binary@32\+rescore) ' "$out")" -eq 3
  check "metrics.json has the schema" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["dataset"] == "scifact" and m["split"] == "test" and m["queries"] == 300, m
assert list(m["methods"]) == ["flat@16", "flat@32", "binary@32+rescore"], list(m["methods"])
for name, v in m["methods"].items():
    assert set(v) >= {"nDCG@10", "Recall@100", "MRR@10", "qps"}, (name, v)
    assert 0 < v["nDCG@10"] <= 1 and 0 < v["Recall@100"] <= 1 and v["qps"] > 0, (name, v)' \
    "$work/report/metrics.json"
  check "one TREC run per method, 100 deep" test "$(wc -l <"$work/report/flat@32.trec")" -eq 30000
  check "ir_metrics_ref.py agrees with metrics.json on the run file" /usr/bin/python3 -c '
import json, subprocess, sys
ref = json.loads(subprocess.check_output(["/usr/bin/python3", sys.argv[1], sys.argv[2], sys.argv[3],
                                          "--k", "10,100", "--json"]))
ours = json.load(open(sys.argv[4]))["methods"]["binary@32+rescore"]
for k in ("nDCG@10", "Recall@100", "MRR@10"):
    assert abs(ref[k] - ours[k]) < 1e-4, (k, ref[k], ours[k])' \
    "$data/../bench/ir_metrics_ref.py" "$beir/qrels/test.tsv" \
    "$work/report/binary@32+rescore.trec" "$work/report/metrics.json"
  check "no temporary files left in the report" bash -c "! ls '$work/report' | grep -q tmp"

  # Every method, with costs, and the HTML report.
  expect 0 "eval beir with every method" -- "$tessera" eval beir "$beir" --model "$eval_model" \
    --out "$work/all_report" --threads 2 --latency-queries 30
  check "every method's metrics, costs and the report" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/metrics.json"))
names = list(m["methods"])
assert names == ["bm25", "flat@16", "flat@32", "int8@32", "binary@32+rescore", "funnel@8>32",
                 "hnsw@32", "hybrid(bm25+flat@32)"], names
for name, v in m["methods"].items():
    assert v["qps"] > 0 and v["p99_ms"] >= v["p50_ms"] > 0 and v["index_bytes"] > 0, (name, v)
assert m["methods"]["int8@32"]["bytes_per_vector"] == 32, m["methods"]["int8@32"]
html = open(sys.argv[1] + "/report.html").read()
assert html.count("<svg") == 3 and "hybrid(bm25+flat@32)" in html' "$work/all_report"

  expect 0 "eval beir with int8 rescoring" -- "$tessera" eval beir "$beir" --model "$eval_model" \
    --methods binary+rescore,funnel --rescore int8 --latency-queries 10 --batch-seconds 0
  check "int8 rescoring names its methods" grep -qE '^binary@32\+rescore:int8 .* 36$' "$out"
  check "int8 rescoring of the funnel (int8 shortlist codes)" grep -qE '^funnel@8>32:int8 .* 40$' "$out"
  expect 0 "eval beir with specs of any shape" -- "$tessera" eval beir "$beir" \
    --model "$eval_model" --methods 'flat@8>flat,hnsw:M8,efc50,binary@16+rescore@32:int8' \
    --latency-queries 10 --batch-seconds 0
  check "a float shortlist holds 4 bytes a dim" grep -qE '^flat@8>flat@32 .* 160$' "$out"
  check "hnsw options are part of its name" grep -qE '^hnsw@32:M8:efc50 ' "$out"
  check "binary codes of a prefix rescored by int8 codes" \
    grep -qE '^binary@16\+rescore@32:int8 .* 34$' "$out"
  expect 2 "eval beir with an unknown rescorer" -- "$tessera" eval beir "$beir" \
    --model "$eval_model" --methods binary+rescore --rescore fp16

  # tessera index / search
  expect 2 "index without --model for a dense method" -- "$tessera" index \
    --corpus "$beir/corpus.jsonl" --method flat --out "$work/idx"
  expect 2 "index bm25 with a model" -- "$tessera" index --corpus "$beir/corpus.jsonl" \
    --method bm25 --model "$eval_model" --out "$work/idx"
  expect 2 "index takes one spec, not a list" -- "$tessera" index --corpus "$beir/corpus.jsonl" \
    --method flat,int8 --model "$eval_model" --out "$work/idx"
  expect 1 "search a missing index" -- "$tessera" search --index "$work/no-index" --query x
  check "missing index error names the manifest" grep -q 'manifest.json' "$err"
  expect 2 "search --ef-search beyond its bound" -- "$tessera" search --index "$work/no-index" \
    --ef-search 100000000 --query x
  expect 2 "index --ef-construction beyond its bound" -- "$tessera" index \
    --corpus "$beir/corpus.jsonl" --method hnsw --ef-construction 100000000 --out "$work/x"
  for method in flat hnsw funnel bm25 hybrid binary+rescore:int8; do
    model_flag=(--model "$eval_model")
    [[ $method == bm25 ]] && model_flag=()
    expect 0 "index --method $method" -- "$tessera" index --corpus "$beir/corpus.jsonl" \
      "${model_flag[@]}" --method "$method" --funnel-dim 8 --out "$work/idx_$method" --threads 2
    expect 0 "search the $method index" -- "$tessera" search --index "$work/idx_$method" \
      --query "Vitamin D deficiency and bone density" -k 5
    check "$method search prints 5 ranked results" test "$(grep -cE '^ +[1-5]\. ' "$out")" -eq 5
  done
  expect 0 "search reads queries from stdin as JSON lines" -- bash -c \
    "printf 'microRNA expression in cancer\\nprotein folding\\n' | '$tessera' search --index '$work/idx_bm25' -k 3 --json"
  check "one JSON line per stdin query, 3 results each" /usr/bin/python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["query"] for l in lines] == ["microRNA expression in cancer", "protein folding"], lines
assert all(len(l["results"]) == 3 and l["results"][0]["rank"] == 1 for l in lines), lines' "$out"
  expect 0 "bm25 index search finds the SciFact document by its title" -- "$tessera" search \
    --index "$work/idx_bm25" -k 1 --json \
    --query "the use of nanotechnologies to manipulate and track stem cells"
  check "the top hit is document 31715818" grep -q '"id":"31715818"' "$out"
else
  echo "skipped: eval beir end to end (needs $beir and tessera train or tessera_bench_make_model)"
fi

# ---- train (issue 4): data errors, pairs and corpus training, the metrics log, resume
expect 0 "help of train" -- "$tessera" train --help
check "train help names the NGAME options" grep -q -- '--ngame-cluster-size' "$out"
expect 2 "train without --out" -- "$tessera" train --pairs "$work/pairs.tsv"
expect 2 "train with malformed prefix weights" -- "$tessera" train --pairs "$work/pairs.tsv" \
  --prefix-weights 1,x --out "$work/t.safetensors"
check "prefix-weight error names the option" grep -q -- '--prefix-weights' "$err"
expect 2 "train with a doubling epoch 0" -- "$tessera" train --pairs "$work/pairs.tsv" \
  --ngame-double-at 0 --out "$work/t.safetensors"
check "the doubling error says epochs count from 1" grep -q 'count from 1' "$err"
for option in "--lr nan" "--beir-weight nan" "--typo NaN" "--dev-fraction -nan"; do
  # shellcheck disable=SC2086
  expect 2 "train $option is a usage error before any data is read" -- "$tessera" train \
    --pairs "$work/none.tsv" $option --out "$work/t.safetensors"
  check "its error names the option (${option% *})" grep -q -- "${option% *}: .* is not a finite number" "$err"
done
expect 2 "train with prefixes out of order" -- "$tessera" train --pairs "$work/none.tsv" \
  --prefixes 64,32,256 --out "$work/t.safetensors"
check "the error says they must ascend" grep -q -- '--prefixes: must be positive and ascending' "$err"
expect 2 "train with prefixes that do not end at --dim" -- "$tessera" train \
  --pairs "$work/none.tsv" --dim 64 --prefixes 16,32 --out "$work/t.safetensors"
expect 2 "train with a prefix weight of nan" -- "$tessera" train --pairs "$work/none.tsv" \
  --prefix-weights 1,nan,1,1 --out "$work/t.safetensors"
expect 2 "train with a weight per prefix too few" -- "$tessera" train --pairs "$work/none.tsv" \
  --prefix-weights 1,2 --out "$work/t.safetensors"
check "the error counts both" grep -q '2 weights for 4 prefixes' "$err"
expect 2 "train --epochs 0" -- "$tessera" train --pairs "$work/none.tsv" --epochs 0 \
  --out "$work/t.safetensors"
check "a range error states the bound, not the largest double" \
  grep -qx 'tessera: usage error: --epochs: must be > 0, got 0 (see tessera --help)' "$err"
expect 2 "train --pairs-per-doc 1e9" -- "$tessera" train --pairs "$work/none.tsv" \
  --pairs-per-doc 1000000000 --out "$work/t.safetensors"
check "the error names the option" grep -q -- '--pairs-per-doc' "$err"
mkdir -p "$work/zero_beir/qrels"
printf '{"_id": "d1", "text": "a cat on a mat"}\n{"_id": "d2", "text": "a dog in a fog"}\n' \
  >"$work/zero_beir/corpus.jsonl"
printf '{"_id": "q1", "text": "cat"}\n{"_id": "q2", "text": "dog"}\n' >"$work/zero_beir/queries.jsonl"
printf 'query-id\tcorpus-id\tscore\nq1\td1\t0\nq2\td2\t0\n' >"$work/zero_beir/qrels/train.tsv"
mkdir -p "$work/fifo_beir/qrels" && cp "$work/zero_beir/queries.jsonl" "$work/fifo_beir/"
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n' >"$work/fifo_beir/qrels/train.tsv"
mkfifo "$work/fifo_beir/corpus.jsonl"
# (timeout: a writer nobody opens must not hang the suite)
timeout 60 bash -c "cat '$work/zero_beir/corpus.jsonl' >'$work/fifo_beir/corpus.jsonl'" &
expect 0 "train on a BEIR directory whose corpus is a named pipe" -- "$tessera" train \
  --beir "$work/fifo_beir" --crops-weight 0 --dim 16 --prefixes 16 --buckets 64 --epochs 1 \
  --out "$work/fifo.safetensors"
wait || true
expect 1 "train on qrels whose scores are all 0" -- "$tessera" train --beir "$work/zero_beir" \
  --span-min 1 --out "$work/t.safetensors"
check "the error names the qrels and the option that leaves them out" \
  grep -q 'qrels/train.tsv (0 pairs) gives no training pairs .*--beir-weight 0' "$err"
expect 1 "train to a directory that does not exist" -- "$tessera" train --pairs "$work/none.tsv" \
  --out "$work/no-such-dir/t.safetensors"
check "is told before any data is read" grep -q 'no-such-dir/t.safetensors: cannot create' "$err"
expect 1 "a second training of one output" -- flock "$work/t.safetensors.checkpoint.lock" \
  "$tessera" train --pairs "$work/none.tsv" --out "$work/t.safetensors"
check "is told another one holds its checkpoint" \
  grep -q 'another tessera is writing the checkpoint .*t.safetensors.checkpoint' "$err"
expect 1 "train without data" -- "$tessera" train --out "$work/t.safetensors"
check "no-data error says what to give" grep -q 'give a BEIR directory, a corpus or pair files' "$err"
expect 1 "train on a missing pairs file" -- "$tessera" train --pairs "$work/none.tsv" \
  --out "$work/t.safetensors"
check "missing pairs error names the file" grep -q 'none.tsv' "$err"
printf 'a cat sat\tthe cat on the mat\nthe dog ran only-one-column\n' >"$work/bad_pairs.tsv"
expect 1 "train on a pairs file with a short row" -- "$tessera" train \
  --pairs "$work/bad_pairs.tsv" --out "$work/t.safetensors"
check "short-row error names file and line" grep -q 'bad_pairs.tsv:2' "$err"
check "a failed train writes no model" test ! -e "$work/t.safetensors"
# Pairs whose queries are a topic's words and whose documents more of them.
/usr/bin/python3 -c '
import random
random.seed(1)
with open("'"$work"'/pairs.tsv", "w") as f:
    for t in range(64):
        words = [f"topic{t}word{w}" for w in range(20)]
        for _ in range(3):
            f.write(" ".join(random.sample(words, 4)) + "\t" + " ".join(random.sample(words, 10)) + "\n")'
expect 0 "train on pairs" -- "$tessera" train --pairs "$work/pairs.tsv" --dim 32 --prefixes 16,32 \
  --buckets 1024 --batch-size 32 --epochs 5 --threads 2 --log "$work/pairs.log" \
  --out "$work/pairs.safetensors"
check "train reports the epochs" test "$(grep -c '^train: epoch' "$err")" -eq 5
check "the metrics log has a line per epoch with loss and negative cosine" /usr/bin/python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["epoch"] for l in lines] == [1, 2, 3, 4, 5], lines
assert lines[-1]["loss"] < lines[0]["loss"] and "negative_cosine" in lines[0], lines' "$work/pairs.log"
check "the model records its provenance" /usr/bin/python3 -c '
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]
meta = json.loads(f.read(n))["__metadata__"]
p = json.loads(meta["provenance"])
assert p["options"]["epochs"] == 5 and "pairs.tsv" in p["data"]["sources"][0], p' \
  "$work/pairs.safetensors"
printf 'q one\tdoc one\tneg one\nq two\tdoc two\tneg two\nq three\tdoc three\tneg one\n' \
  >"$work/triplets.tsv"
expect 1 "train drawing each pair a billion times an epoch" -- "$tessera" train \
  --pairs "$work/pairs.tsv" --pairs-weight 1e9 --out "$work/t.safetensors"
check "the error names the option and the bound" \
  grep -q 'one epoch would draw 1.92e+11 pairs, more than the 134217728 .*(--pairs-weight)' "$err"
expect 0 "train with checkpoints on a full disk" -- env TESSERA_FAIL_AT=trainer:checkpoint \
  "$tessera" train --pairs "$work/pairs.tsv" --dim 16 --prefixes 16 --buckets 64 --epochs 2 \
  --checkpoint-minutes 0.000001 --out "$work/full_ckpt.safetensors"
check "warns and goes on" grep -q 'train: warning: no checkpoint written .*training goes on' "$err"
check "and writes the model" test -s "$work/full_ckpt.safetensors"
expect 0 "train on TSV triplets" -- "$tessera" train --pairs "$work/triplets.tsv" --dim 16 \
  --prefixes 16 --buckets 64 --epochs 2 --out "$work/triplets.safetensors"
check "a third column is read as hard negatives" grep -q 'with hard negatives' "$err"
expect 0 "train on pairs with a held-out dev share" -- "$tessera" train --pairs "$work/pairs.tsv" \
  --dim 32 --prefixes 16,32 --buckets 1024 --batch-size 32 --epochs 5 --threads 2 \
  --dev-fraction 0.25 --out "$work/pairs_dev.safetensors"
check "dev accuracy@1 is reported per epoch" \
  test "$(grep -c 'dev pairs accuracy@1 dim 32' "$err")" -eq 5
# Held-out pairs share a topic with up to two others, so a third to a half is what can be reached.
check "dev accuracy rises with training" /usr/bin/python3 -c '
import re, sys
acc = [float(x) for x in re.findall(r"dev pairs accuracy@1 dim 32 ([0-9.]+)", open(sys.argv[1]).read())]
assert acc[-1] > acc[0] + 0.1 and acc[-1] >= 0.3, acc' "$err"
check "no checkpoint is left after a finished run" test ! -e "$work/pairs.safetensors.checkpoint"
expect 1 "--resume without a checkpoint" -- "$tessera" train --pairs "$work/pairs.tsv" \
  --dim 32 --prefixes 16,32 --buckets 1024 --batch-size 32 --resume --out "$work/r.safetensors"
check "resume error names the checkpoint" grep -q 'r.safetensors.checkpoint' "$err"
if [[ -f $beir/corpus.jsonl ]]; then
  expect 0 "train on a corpus alone (crops)" -- "$tessera" train --corpus "$beir/corpus.jsonl" \
    --dim 32 --prefixes 16,32 --buckets 4096 --epochs 1 --threads 2 --typo 0.05 --word-drop 0.1 \
    --shuffle-window 2 --out "$work/crops.safetensors"
  check "corpus training names its crops" grep -q 'crops: 5183 documents x 4 pairs' "$err"
  expect 0 "train on BEIR with a dev split and NGAME batches" -- "$tessera" train --beir "$beir" \
    --dim 32 --prefixes 16,32 --buckets 4096 --epochs 2 --threads 2 --dev-fraction 0.2 \
    --ngame-cluster-size 8 --out "$work/beir.safetensors"
  check "dev nDCG@10 is reported per epoch" test "$(grep -c 'dev flat@32 nDCG@10' "$err")" -eq 2
  check "NGAME clusters are reported" grep -q 'clusters of 8' "$err"
  expect 0 "embed with a trained model" -- "$tessera" embed --model "$work/beir.safetensors" \
    --input "$beir/queries.jsonl" --out "$work/trained_q.npy" --dim 16
fi

# ---- bench search: recall against exact search on random vectors
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  /usr/bin/python3 -c '
import numpy as np, sys
r = np.random.default_rng(0)
for name, n in (("base", 3000), ("queries", 50)):
    x = r.standard_normal((n, 32)).astype(np.float32)
    np.save(sys.argv[1] + "/" + name + ".npy", x / np.linalg.norm(x, axis=1, keepdims=True))' "$work"
  expect 0 "bench search flat" -- "$tessera" bench search --base "$work/base.npy" \
    --queries "$work/queries.npy" --method flat --json --repeat 1
  check "flat recall is 1" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["recall"] == 1.0 and r["bytes_per_vector"] == 128 and r["qps"] > 0, r' "$out"
  expect 0 "bench search flat one query per call" -- "$tessera" bench search \
    --base "$work/base.npy" --queries "$work/queries.npy" --method flat --batch 1 --json --repeat 1
  check "one query per call finds the same neighbours" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["recall"] == 1.0 and r["batch"] == 1 and r["qps"] > 0, r' "$out"
  expect 0 "bench search hnsw in calls of 7 queries" -- "$tessera" bench search \
    --base "$work/base.npy" --queries "$work/queries.npy" --method hnsw --batch 7 --json --repeat 1
  check "calls of 7 queries reach a batched search's recall" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["recall"] >= 0.9 and r["batch"] == 7, r' "$out"
  expect 0 "bench search hnsw to a target recall" -- "$tessera" bench search \
    --base "$work/base.npy" --queries "$work/queries.npy" --method hnsw --target-recall 0.95 \
    --json --repeat 1
  check "hnsw reaches recall 0.95" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["reached_target"] and r["recall"] >= 0.95 and r["sweep"][-1]["effort"] == r["effort"], r' "$out"
  expect 0 "bench search hnsw at given efforts" -- "$tessera" bench search \
    --base "$work/base.npy" --queries "$work/queries.npy" --method hnsw --efforts 8,64 --json \
    --repeat 1
  check "one sweep point per effort, recall rising" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert [p["effort"] for p in r["sweep"]] == [8, 64], r
assert r["sweep"][0]["recall"] <= r["sweep"][1]["recall"], r' "$out"
  expect 1 "bench search on a missing file" -- "$tessera" bench search --base "$work/none.npy" \
    --queries "$work/queries.npy"
  check "the error names the file" grep -q 'none.npy' "$err"
fi

# ---- eval words: similarity and analogies of word2vec-format vectors against the shared sets
words=$data/words
printf '6 3\ntiger 1 0.2 0\ncat 1 0.3 0.1\nman 0 1 0\nwoman 0 1 1\nking 1 1 0\nqueen 1 1 1\n' \
  >"$work/toy.vec"
printf 'tiger cat 9\nking queen 8\nman cat 1\nman unicorn 2\n' >"$work/toy-pairs.txt"
expect 0 "eval words on the shared sets" -- "$tessera" eval words --vectors "$work/toy.vec" \
  --data "$words" --pairs "$work/toy-pairs.txt" --json
check "every set is scored, with its pairs and coverage" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["similarity"]
assert r["words"] == 6 and r["dim"] == 3, r
assert s["ws353"]["pairs"] == 353 and s["simlex999"]["pairs"] == 999 and s["men"]["pairs"] == 3000, s
assert s["toy-pairs.txt"] == {"pairs": 4, "covered": 3, "with_vectors": 3,
    "spearman_covered": 100.0, "spearman_all": s["toy-pairs.txt"]["spearman_all"]}, s
a = r["analogy"]
assert a["total"]["questions"] == 19544 and a["candidates"] == 6, a
# man : king :: woman : queen and its mirror are in the Google set (family), exact in the toy space.
assert a["sections"]["family"]["covered"] == 2 and a["sections"]["family"]["cos_add_covered"] == 100, a' "$out"
expect 0 "eval words prints tables" -- "$tessera" eval words --vectors "$work/toy.vec" \
  --pairs "$work/toy-pairs.txt"
check "the table names the set" grep -q '^toy-pairs.txt' "$out"
printf '2 3\na 1 2 3\nb 1 x 3\n' >"$work/bad.vec"
expect 1 "eval words on a bad vector file" -- "$tessera" eval words --vectors "$work/bad.vec" \
  --pairs "$work/toy-pairs.txt"
check "the error names the file and line" grep -q "bad.vec:3: expected a finite number, found 'x'" "$err"
expect 2 "eval words with nothing to evaluate" -- "$tessera" eval words --vectors "$work/toy.vec"
check "the error says what is missing" grep -q 'nothing to evaluate' "$err"

# ---- train --task words: skip-gram with char n-grams on a slice of the Brown corpus (380k words)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
/usr/bin/python3 "$repo/bench/brown_text.py" "$words/brown/brown.zip" "$work/brown.txt" 2>/dev/null
head -n 20000 "$work/brown.txt" >"$work/brown-slice.txt"
expect 0 "train --task words (skip-gram)" -- "$tessera" train --task words \
  --input "$work/brown-slice.txt" --buckets 200000 --out "$work/words.safetensors"
check "the report names the words/s/thread" grep -q 'words/s/thread on' "$err"
expect 0 "eval words --model" -- "$tessera" eval words --model "$work/words.safetensors" \
  --data "$words" --json
cp "$out" "$work/trained.json"
# Measured on this slice over seeds 1-3: WordSim-353 16.6-22.4, MEN 9.7-10.7, syntactic analogies
# 9.3-10.8% (random vectors: about 0 and 0%).
check "skip-gram vectors rank similar words and solve analogies" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s, a = r["similarity"], r["analogy"]
assert s["ws353"]["spearman_covered"] >= 8 and s["men"]["spearman_covered"] >= 4, s
assert a["syntactic"]["cos_add_covered"] >= 5, a["syntactic"]
# char n-grams give every pair vectors, also the words never seen
assert s["rw"]["with_vectors"] == s["rw"]["pairs"] > s["rw"]["covered"], s["rw"]' "$out"
expect 0 "words neighbors" -- "$tessera" words neighbors --model "$work/words.safetensors" \
  --word money --word moneys -k 5 --json
check "neighbors of a known and of an unseen word" /usr/bin/python3 -c '
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
assert [l["word"] for l in lines] == ["money", "moneys"], lines
assert lines[0]["in_vocabulary"] and not lines[1]["in_vocabulary"], lines
assert all(len(l["neighbors"]) == 5 for l in lines), lines
assert "money" not in [n["word"] for n in lines[0]["neighbors"]], lines[0]
assert "money" in [n["word"] for n in lines[1]["neighbors"]], lines[1]  # by its n-grams' "$out"
expect 0 "export --format vec" -- "$tessera" export --model "$work/words.safetensors" \
  --out "$work/words.vec"
expect 0 "eval words on the exported vectors" -- "$tessera" eval words \
  --vectors "$work/words.vec" --pairs "$work/toy-pairs.txt" --json
cp "$out" "$work/exported.json"
expect 0 "import --vec" -- "$tessera" import --vec "$work/words.vec" \
  --out "$work/imported.safetensors"
expect 0 "eval words on the imported model" -- "$tessera" eval words \
  --model "$work/imported.safetensors" --data "$words" --json
check "export, import: the same vectors, the same figures" /usr/bin/python3 -c '
import json, sys
vec, imported, trained = (json.load(open(p)) for p in sys.argv[1:])
assert vec["words"] == imported["words"] == trained["words"], (vec["words"], imported["words"])
for name in ("ws353", "simlex999", "men"):
    a, b = imported["similarity"][name], trained["similarity"][name]
    assert a["covered"] == b["covered"] and abs(a["spearman_covered"] - b["spearman_covered"]) < 1e-6, name
assert imported["analogy"]["total"] == trained["analogy"]["total"]' "$work/exported.json" "$out" "$work/trained.json"
expect 0 "eval sts with SIF sentence vectors" -- "$tessera" eval sts "$data/sts/stsb" \
  --model "$work/words.safetensors" --json
# Measured on this slice: dev 42.1, test 31.5 (mean pooling of fastText on all of Brown: 44.5).
check "SIF vectors of the slice rank STS-B pairs" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["splits"]
assert r["dev"]["pairs"] == 1500 and r["test"]["pairs"] == 1379, r
assert r["dev"]["spearman"] >= 25 and r["test"]["spearman"] >= 18, r' "$out"
expect 0 "eval sts of imported vectors, mean pooling" -- "$tessera" eval sts "$data/sts/stsb" \
  --model "$work/imported.safetensors" --pooling mean --splits dev
check "one line per split" grep -q '^sts-dev (1500 pairs, mean): Spearman' "$out"
expect 2 "eval sts of imported vectors with SIF" -- "$tessera" eval sts "$data/sts/stsb" \
  --model "$work/imported.safetensors"
check "the error says why" grep -q 'sif needs word counts' "$err"
expect 0 "train --task words --model cbow" -- "$tessera" train --task words --model cbow \
  --input "$work/toy-pairs.txt" --min-count 1 --dim 8 --epochs 1 --char-ngram-min 0 \
  --out "$work/cbow.safetensors" --quiet
expect 2 "train --task words needs --input" -- "$tessera" train --task words \
  --out "$work/none.safetensors"
check "the error names --input" grep -q -- '--input' "$err"
expect 2 "train --task words with a retrieval option" -- "$tessera" train --task words \
  --input "$work/brown-slice.txt" --beir "$beir" --out "$work/none.safetensors"
check "the error names the option" grep -q -- '--beir: is not an option of --task words' "$err"
expect 2 "--window without --task words" -- "$tessera" train --beir "$beir" --window 3 \
  --out "$work/none.safetensors"
check "the error names the task" grep -q -- 'is an option of --task words' "$err"
expect 1 "train --task words with a min count no word reaches" -- "$tessera" train --task words \
  --input "$work/toy-pairs.txt" --min-count 100 --out "$work/none.safetensors"
check "the error says what to lower" grep -q -- 'lower --min-count' "$err"

# ---- output that cannot be written (a full disk: /dev/full) is exit 1 with the reason, never 0
printf 'first text\nsecond text\n' >"$work/two.txt"
expect 0 "embed to standard output" -- "$tessera" embed --model "$work/pairs.safetensors" \
  --input "$work/two.txt" --out - --quiet
check "embed --out - writes JSON lines to stdout" test "$(grep -c '^\[' "$out")" -eq 2
check "and no file named -" test ! -e ./-
expect 1 "embed a file with invalid UTF-8" -- "$tessera" embed --model "$work/pairs.safetensors" \
  --input "$work/invalid.jsonl" --out - --quiet
check "the error names the line" grep -q 'invalid.jsonl:2' "$err"
for input in invalid.txt invalid.jsonl; do
  expect 0 "embed $input with --on-invalid-utf8 replace" -- "$tessera" embed \
    --model "$work/pairs.safetensors" --input "$work/$input" --on-invalid-utf8 replace --out - \
    --quiet
  check "every line gets a vector" test "$(grep -c '^\[' "$out")" -eq 2
done
expect 1 "embed .npy to standard output" -- "$tessera" embed --model "$work/pairs.safetensors" \
  --input "$work/two.txt" --out - --out-format npy --quiet
check "the error says why" grep -q 'standard output cannot hold .npy' "$err"
expect 1 "embed to a full disk" -- bash -c "'$tessera' embed --model '$work/pairs.safetensors' \
  --input '$work/two.txt' --out - --out-format jsonl --quiet >/dev/full"
check "the error names standard output" grep -q 'writing standard output failed' "$err"
expect 1 "doctor to a full disk" -- bash -c "'$tessera' doctor >/dev/full"
expect 1 "train with its log on a full disk" -- "$tessera" train --pairs "$work/pairs.tsv" \
  --dim 16 --prefixes 16 --buckets 64 --epochs 1 --log /dev/full --out "$work/full.safetensors"
check "the error names the log" grep -q 'writing the metrics log /dev/full failed' "$err"
if [[ -d $work/idx_bm25 ]]; then
  expect 1 "search to a full disk" -- bash -c \
    "'$tessera' search --index '$work/idx_bm25' --query 'protein folding' >/dev/full"
  expect 1 "eval beir to a full disk" -- bash -c \
    "'$tessera' eval beir '$beir' --methods bm25 --threads 2 >/dev/full"
fi

# ---- an index directory is one unit: a rebuild killed (kill -9) at any phase of its save leaves
# the whole old index or the whole new one; a second writer fails; damage is an error
/usr/bin/python3 -c '
import json, sys
for name, n, offset in (("old", 40, 0), ("new", 60, 1000)):
    with open(f"{sys.argv[1]}/{name}_corpus.jsonl", "w") as f:
        for i in range(n):
            f.write(json.dumps({"_id": f"{name}{i}", "title": f"{name} {i}",
                                "text": f"document {i + offset} about topic{(i + offset) % 7}"}) + "\n")' "$work"
# env --default-signal: a run of this script in the background (SIGINT, SIGHUP ignored) still
# tests the interrupts.
unit_index() {  # CORPUS DIR [env...]: a hybrid index (both index files and the documents)
  env --default-signal=INT,HUP "${@:3}" "$tessera" index --corpus "$work/$1_corpus.jsonl" --model "$work/pairs.safetensors" \
    --method hybrid --out "$2" --threads 2
}
unit_search() { "$tessera" search --index "$1" --query "document about topic3" -k 5 --json; }
unit_index new "$work/unit_new" >/dev/null 2>&1 && unit_search "$work/unit_new" >"$work/unit_new.out"
unit_index old "$work/unit_old" >/dev/null 2>&1 && unit_search "$work/unit_old" >"$work/unit_old.out"
check "old and new indexes answer differently" bash -c "! cmp -s '$work/unit_old.out' '$work/unit_new.out'"
for phase in atomic-directory:created index-save:documents index-save:index-files \
  index-save:manifest atomic-directory:swapped; do
  rm -rf "$work/unit" && cp -r "$work/unit_old" "$work/unit"
  expect 137 "index killed at $phase" -- unit_index new "$work/unit" TESSERA_KILL_AT="$phase"
  expect 0 "search after a kill at $phase" -- unit_search "$work/unit"
  check "after a kill at $phase the index is the old or the new one, whole" bash -c \
    "cmp -s '$out' '$work/unit_old.out' || cmp -s '$out' '$work/unit_new.out'"
done
expect 0 "the next index after a kill" -- unit_index new "$work/unit"
check "it removes the killed run's leftovers" test -z "$(ls -d "$work"/unit.* 2>/dev/null)"
# An interrupt (SIGTERM, SIGINT, SIGHUP) removes the run's temporaries and its lock, and ends the
# run by that signal (exit 128 + its number).
for signal in TERM:143 INT:130 HUP:129; do
  name=${signal%:*}
  expect "${signal#*:}" "index interrupted by SIG$name while saving" -- unit_index new \
    "$work/unit" TESSERA_KILL_AT=index-save:documents TESSERA_KILL_SIGNAL="$name"
  check "SIG$name leaves nothing beside the index" test -z "$(ls -d "$work"/unit.* 2>/dev/null)"
  expect 0 "search after SIG$name" -- unit_search "$work/unit"
  check "the index is the one before" cmp -s "$out" "$work/unit_new.out"
done
cp "$work/pairs.safetensors" "$work/kept.safetensors"
expect 143 "embed interrupted while committing its output" -- env TESSERA_KILL_AT=atomic-file:commit \
  TESSERA_KILL_SIGNAL=TERM "$tessera" embed --model "$work/pairs.safetensors" \
  --input "$work/new_corpus.jsonl" --out "$work/kept.safetensors.npy"
check "leaves no temporary" test -z "$(ls "$work"/kept.safetensors.npy* 2>/dev/null)"
expect 130 "train interrupted while checkpointing" -- env --default-signal=INT \
  TESSERA_KILL_AT=atomic-file:commit TESSERA_KILL_SIGNAL=INT "$tessera" train \
  --pairs "$work/pairs.tsv" --dim 16 --prefixes 16 --buckets 64 --epochs 2 --checkpoint-minutes 0.000001 --out "$work/kept.safetensors"
check "leaves no temporary and no lock" \
  test "$(ls "$work"/kept.safetensors* | tr '\n' ' ')" = "$work/kept.safetensors "
check "nor touches the model there" cmp -s "$work/kept.safetensors" "$work/pairs.safetensors"
expect 1 "a second writer of one index" -- flock "$work/unit.lock" \
  "$tessera" index --corpus "$work/new_corpus.jsonl" --method bm25 --out "$work/unit"
check "the second writer is told why" grep -q 'another tessera is writing' "$err"
expect 0 "index into directories still to be made" -- "$tessera" index \
  --corpus "$work/new_corpus.jsonl" --method bm25 --out "$work/made/for/it"
check "makes them" test -s "$work/made/for/it/manifest.json"
expect 1 "index that fails to save" -- env TESSERA_FAIL_AT=atomic-file:commit "$tessera" index \
  --corpus "$work/new_corpus.jsonl" --method bm25 --out "$work/not/made/idx"
check "leaves no directory made for it" test ! -e "$work/not"
mkdir -p "$work/not_an_index" && echo keep >"$work/not_an_index/notes.txt"
expect 1 "index over a directory of other files" -- "$tessera" index \
  --corpus "$work/new_corpus.jsonl" --method bm25 --out "$work/not_an_index"
check "which is left alone" test -f "$work/not_an_index/notes.txt"
sed -i 's/document 1003/document 9999/' "$work/unit/documents.jsonl"
expect 1 "search an index whose documents were edited" -- unit_search "$work/unit"
check "the error names the file" grep -q 'documents.jsonl is not the file the manifest names' "$err"

# ---- one long line (24 MB, 4M words) costs memory in proportion to it, not ten times over: text is
# normalized a piece at a time, a model reads only its first max_tokens tokens, vocab and BM25
# count tokens as they come
/usr/bin/python3 -c '
import json, random, sys
random.seed(5)
line = " ".join(f"w{random.randrange(50000)}" for _ in range(4_000_000))
open(sys.argv[1] + "/long.txt", "w").write(line + "\n")
open(sys.argv[1] + "/short.txt", "w").write("a short line\n")
for name, text in (("long", line), ("short", "a short line")):
    with open(sys.argv[1] + f"/{name}.jsonl", "w") as f:
        f.write(json.dumps({"_id": "1", "text": text}) + "\n" + json.dumps({"_id": "2", "text": "x"}) + "\n")' \
  "$work"
peak_mb() {  # COMMAND...: the peak resident memory of COMMAND in MB
  /usr/bin/python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$@"
}
line_mb=$(($(stat -c %s "$work/long.txt") >> 20))
declare -A peak
for verb in embed vocab index; do
  for size in short long; do
    case $verb in
      embed) cmd=(embed --model "$work/pairs.safetensors" --input "$work/$size.txt" --out "$work/$size.npy") ;;
      vocab) cmd=(vocab --input "$work/$size.txt" --out "$work/$size.vocab.tsv") ;;
      index) cmd=(index --corpus "$work/$size.jsonl" --method bm25 --out "$work/$size.idx") ;;
    esac
    peak[$size]=$(peak_mb "$tessera" "${cmd[@]}" || echo failed)
  done
  # index keeps the documents (the line read, parsed, stored and written): a few copies of it
  limit=$((4 * line_mb))
  [[ $verb == index ]] && limit=$((8 * line_mb))
  check "$verb of a $line_mb MB line grows by ${peak[long]} - ${peak[short]} MB, at most $limit" \
    test "${peak[long]}" != failed -a "$((peak[long] - peak[short]))" -le "$limit"
done

# ---- classification (issue 15): train --task classify, predict and test on a slice of MR, and
# test's figures against fastText's on the same predictions
mr=$data/classification/mr_sentence_polarity
if [[ -f $mr/rt-polarity.pos ]]; then
  for polarity in pos neg; do
    head -n 1500 "$mr/rt-polarity.$polarity" | sed "s/^/__label__$polarity /" >>"$work/mr_train.txt"
    sed -n '5001,5200p' "$mr/rt-polarity.$polarity" | sed "s/^/__label__$polarity /" >>"$work/mr_test.txt"
  done
  expect 0 "train --task classify on MR" -- "$tessera" train --task classify \
    --input "$work/mr_train.txt" --valid "$work/mr_test.txt" --epochs 5 --threads 2 --quiet \
    --out "$work/mr.safetensors"
  check "train reports 2 labels" grep -q '2 labels' "$err"
  check "train reports valid P@1 each epoch" test "$(grep -c 'valid P@1 0\.' "$err")" -eq 5
  expect 0 "predict -k 2" -- "$tessera" predict --model "$work/mr.safetensors" \
    --input "$work/mr_test.txt" -k 2
  cp "$out" "$work/mr_pred.txt"
  check "predict writes a line per text" test "$(wc -l <"$work/mr_pred.txt")" -eq 400
  check "predict lines are fastText's predict-prob form" \
    test "$(grep -cE '^__label__(pos|neg) [0-9.e-]+ __label__(pos|neg) [0-9.e-]+$' "$work/mr_pred.txt")" -eq 400
  check "the two probabilities sum to 1" awk '{ if ($2 + $4 < 0.999 || $2 + $4 > 1.001) exit 1 }' \
    "$work/mr_pred.txt"
  expect 0 "predict --json --threshold 0.5" -- "$tessera" predict --model "$work/mr.safetensors" \
    --input "$work/mr_test.txt" -k 2 --threshold 0.5 --json
  check "one label above 0.5 per text, as JSON" /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 400 and rows[0]["line"] == 1, rows[0]
assert all(len(r["labels"]) == 1 and r["labels"][0]["probability"] >= 0.5 for r in rows)' "$out"
  expect 0 "test -k 1,2" -- "$tessera" test --model "$work/mr.safetensors" \
    --input "$work/mr_test.txt" -k 1,2
  check "test prints N, P@k and R@k" test "$(grep -cE '^(N	400|[PR]@[12]	[01](\.[0-9]{1,3})?)$' "$out")" -eq 5
  p1=$(awk -F'\t' '$1 == "P@1" { print $2 }' "$out")
  check "MR slice accuracy is far above chance ($p1)" awk -v a="$p1" 'BEGIN { exit !(a >= 0.65) }'
  check "P@2 of two labels is 0.5, R@2 1 (3 significant digits, as fastText)" \
    grep -qzP 'P@2\t0.5\nR@2\t1\n' "$out"
  # P@1 from predict's output by hand: the gold label is the first one predicted.
  right=$(paste -d' ' <(cut -d' ' -f1 "$work/mr_test.txt") <(cut -d' ' -f1 "$work/mr_pred.txt") |
    awk '$1 == $2 { r++ } END { printf "%.3g", r / NR }')
  check "test's P@1 is predict's ($right vs $p1)" test "$right" = "$p1"
  expect 0 "test --json" -- "$tessera" test --model "$work/mr.safetensors" \
    --input "$work/mr_test.txt" -k 1 --json
  check "test --json has per-label F1 and micro / macro F1" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["N"] == 400 and set(m["labels"]) == {"pos", "neg"}, m
assert abs(m["micro_f1"] - m["at_k"]["1"]["precision"]) < 1e-9  # single-label: P@1 = R@1
assert 0.6 < m["macro_f1"] <= 1 and all(0 <= v["f1"] <= 1 for v in m["labels"].values())' "$out"
  expect 0 "test --report" -- "$tessera" test --model "$work/mr.safetensors" \
    --input "$work/mr_test.txt" --report "$work/mr_report"
  check "test --report still prints the figures" grep -q "^P@1	$p1$" "$out"
  check "the report has metrics.json and an HTML page with the confusion matrix" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/metrics.json"))
assert m["N"] == 400 and len(m["confusion"]["counts"]) == 2 and m["calibration"], m
assert sum(map(sum, m["confusion"]["counts"])) == 400
page = open(sys.argv[1] + "/report.html").read()
assert "Confusion" in page and "<svg" in page and "Calibration" in page' "$work/mr_report"
  expect 0 "test scores predict's own file as the model" -- "$tessera" test \
    --predictions "$work/mr_pred.txt" --input "$work/mr_test.txt" -k 1,2
  check "the same figures" grep -qx "P@1	$p1" "$out"
  if command -v fasttext >/dev/null; then
    fasttext supervised -input "$work/mr_train.txt" -output "$work/ft" -epoch 5 -wordNgrams 2 \
      -bucket 20000 -thread 1 -verbose 0
    for setting in "2 0" "1 0.7"; do
      # shellcheck disable=SC2086
      fasttext predict-prob "$work/ft.bin" "$work/mr_test.txt" $setting >"$work/ft_pred.txt"
      # shellcheck disable=SC2086
      fasttext test "$work/ft.bin" "$work/mr_test.txt" $setting >"$work/ft_test.txt"
      expect 0 "test --predictions of fastText (k, threshold: $setting)" -- "$tessera" test \
        --predictions "$work/ft_pred.txt" --input "$work/mr_test.txt" -k "${setting% *}" \
        --threshold "${setting#* }"
      check "N, P@k and R@k equal fastText's own test ($setting)" diff "$work/ft_test.txt" "$out"
    done
  fi
  expect 0 "train --autotune-validation, 3 seconds" -- "$tessera" train --task classify \
    --input "$work/mr_train.txt" --autotune-validation "$work/mr_test.txt" \
    --autotune-duration 3 --threads 2 --quiet --out "$work/mr_tuned.safetensors"
  check "autotune prints its trials" grep -q '^autotune: trial 1 (.*): P@1 0\.[0-9]* with --lr 0.005' "$err"
  check "autotune prints the best settings" grep -qE '^autotune: best of [0-9]+s: P@1 0\.[0-9]+ on .* with --lr' "$err"
  check "the tuned model is written" test -s "$work/mr_tuned.safetensors"
  cut -d' ' -f2- "$work/mr_test.txt" >"$work/mr_texts.txt"
  expect 0 "embed --explicit: label probabilities as sparse vectors" -- "$tessera" embed \
    --model "$work/mr.safetensors" --input "$work/mr_texts.txt" --explicit --top 2 --out -
  check "a JSON line per text with both labels, best first" /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 400 and rows[0]["line"] == 1, rows[0]
for r in rows:
    assert sorted(r["labels"]) == ["neg", "pos"] and len(r["indices"]) == 2, r
    assert r["values"][0] >= r["values"][1] and abs(sum(r["values"]) - 1) < 1e-4, r' "$out"
  expect 2 "embed --explicit to .npy" -- "$tessera" embed --model "$work/mr.safetensors" \
    --input "$work/mr_texts.txt" --explicit --out "$work/x.npy"
  printf 'a fine film\n\n__label__pos ignored label, still a text\n' >"$work/blank_lines.txt"
  expect 0 "predict writes a line per input line, blank ones too" -- "$tessera" predict \
    --model "$work/mr.safetensors" --input "$work/blank_lines.txt"
  check "three lines, the second empty" test "$(sed -n 2p "$out")" = "" -a "$(wc -l <"$out")" -eq 3
  printf '__label__pos 0.9 __label__pos 0.1\n' >"$work/twice.txt"
  head -n 1 "$work/mr_test.txt" >"$work/one_test.txt"
  expect 1 "a label predicted twice on a line" -- "$tessera" test --predictions "$work/twice.txt" \
    --input "$work/one_test.txt"
  check "the error names file and line" grep -q "twice.txt:1: label 'pos' is predicted twice" "$err"
  printf '{"label": "New York", "text": "a city"}\n{"label": "b", "text": "x"}\n' >"$work/space.jsonl"
  expect 1 "a label with a space" -- "$tessera" train --task classify --input "$work/space.jsonl" \
    --out "$work/x.safetensors"
  check "the error names file, line and label" grep -q "space.jsonl:1: label 'New York' holds whitespace" "$err"
  expect 2 "classify options without --task classify" -- "$tessera" train \
    --input "$work/mr_train.txt" --out "$work/x.safetensors"
  check "the error names --task classify" grep -q 'option of --task classify' "$err"
  expect 2 "retrieval options with --task classify" -- "$tessera" train --task classify \
    --input "$work/mr_train.txt" --pairs "$work/pairs.tsv" --out "$work/x.safetensors"
  printf '__label__a ok\nno label\n' >"$work/bad_labels.txt"
  expect 1 "a training line without a label" -- "$tessera" train --task classify \
    --input "$work/bad_labels.txt" --out "$work/x.safetensors"
  check "the error names file and line" grep -q 'bad_labels.txt:2: expected a line starting with' "$err"
  check "nothing is written" test ! -e "$work/x.safetensors"
  expect 1 "predict with a retrieval model" -- "$tessera" predict --model "$work/pairs.safetensors" \
    --input "$work/mr_test.txt"
  check "the error says it is not a classifier" grep -q 'not a classifier' "$err"
  printf '__label__pos 0.9\n__label__neg x\n' >"$work/bad_pred.txt"
  expect 1 "malformed predictions" -- "$tessera" test --predictions "$work/bad_pred.txt" \
    --input "$work/mr_test.txt"
  check "the error names file and line" grep -q "bad_pred.txt:2: expected a probability" "$err"
  expect 2 "test without --model or --predictions" -- "$tessera" test --input "$work/mr_test.txt"
fi

# ---- Mulan ARFF and labels from their descriptions (issue 15): a slice of bibtex's ARFF
arff=$data/xc/bibtex/mulan_arff
if [[ -f $arff/bibtex-train.arff ]]; then
  head -n "$(( $(grep -n -m1 '^@data' "$arff/bibtex-train.arff" | cut -d: -f1) + 1500 ))" \
    "$arff/bibtex-train.arff" >"$work/bib_train.arff"
  head -n "$(( $(grep -n -m1 '^@data' "$arff/bibtex-test.arff" | cut -d: -f1) + 300 ))" \
    "$arff/bibtex-test.arff" >"$work/bib_test.arff"
  grep -o 'label name="[^"]*"' "$arff/bibtex.xml" | sed 's/label name="//; s/"$//' |
    awk '{ t = $0; sub(/^TAG_/, "", t); gsub(/_/, " ", t); print $0 "\t" t }' >"$work/bib_labels.tsv"
  expect 0 "train --task classify on ARFF with --label-text" -- "$tessera" train --task classify \
    --input "$work/bib_train.arff" --arff-labels "$arff/bibtex.xml" --label-text "$work/bib_labels.tsv" \
    --valid "$work/bib_test.arff" --similarity cosine --threads 2 --quiet --out "$work/bib.safetensors"
  check "train reports 159 labels" grep -q '159 labels' "$err"
  check "--valid scores the described labels" grep -q 'epoch 15: .*valid P@1' "$err"
  expect 0 "test on ARFF" -- "$tessera" test --model "$work/bib.safetensors" \
    --input "$work/bib_test.arff" --arff-labels "$arff/bibtex.xml"
  p1=$(awk -F'\t' '$1 == "P@1" { print $2 }' "$out")
  check "bibtex ARFF slice P@1 from label texts far above chance ($p1)" awk -v a="$p1" 'BEGIN { exit !(a >= 0.3) }'
  printf 'TAG_graph\tgraph\nTAG_new\tprotein sequence\n' >"$work/bib_new.tsv"
  expect 0 "predict with other labels (--label-text)" -- "$tessera" predict \
    --model "$work/bib.safetensors" --input "$work/bib_test.arff" --arff-labels "$arff/bibtex.xml" \
    --label-text "$work/bib_new.tsv" -k 2
  check "predictions name only the labels given" \
    test "$(grep -cE '^__label__TAG_(graph|new) [0-9.e-]+ __label__TAG_(graph|new) [0-9.e-]+$' "$out")" -eq 300
  check "the model keeps the default word match, 3" grep -aq 'word_match.\{0,4\}:3' "$work/bib.safetensors"
  cp "$out" "$work/bib_new_pred.txt"
  expect 0 "predict with the word match off (--word-match 0)" -- "$tessera" predict \
    --model "$work/bib.safetensors" --input "$work/bib_test.arff" --arff-labels "$arff/bibtex.xml" \
    --label-text "$work/bib_new.tsv" -k 2 --word-match 0
  check "the probabilities change" bash -c '! cmp -s "$0" "$1"' "$out" "$work/bib_new_pred.txt"
  expect 2 "--word-match without --label-text" -- "$tessera" train --task classify \
    --input "$work/bib_train.arff" --arff-labels "$arff/bibtex.xml" --word-match 1 \
    --out "$work/x.safetensors"
  check "the error asks for --label-text" grep -q 'needs --label-text' "$err"
  printf 'graph theory and algorithms\nprotein sequence alignment\n' >"$work/bib_texts.txt"
  expect 0 "embed --explicit with other labels (--label-text)" -- "$tessera" embed \
    --model "$work/bib.safetensors" --input "$work/bib_texts.txt" --explicit --top 2 \
    --label-text "$work/bib_new.tsv" --out -
  check "the dimensions are the labels given" \
    test "$(grep -cE '"labels":\["TAG_(graph|new)","TAG_(graph|new)"\]' "$out")" -eq 2
  check "protein sequences are closest to their own tag" \
    grep -qE '"line":2,.*"labels":\["TAG_new"' "$out"
  expect 2 "embed --label-text without --explicit" -- "$tessera" embed \
    --model "$work/bib.safetensors" --input "$work/bib_texts.txt" --label-text "$work/bib_new.tsv" \
    --out "$work/x.npy"
  check "the error names --explicit" grep -q 'is an option of --explicit' "$err"
  expect 1 "ARFF without its label XML" -- "$tessera" test --model "$work/bib.safetensors" \
    --input "$work/bib_test.arff"
  check "the error asks for --arff-labels" grep -q 'needs the Mulan XML that names its labels' "$err"
  printf 'TAG_graph\tgraph\n' >"$work/bib_few.tsv"
  expect 1 "training labels without a description" -- "$tessera" train --task classify \
    --input "$work/bib_train.arff" --arff-labels "$arff/bibtex.xml" --label-text "$work/bib_few.tsv" \
    --out "$work/x.safetensors"
  check "the error counts the labels without one" grep -q 'bib_few.tsv: 158 labels of' "$err"
fi

# ---- extreme classification (issue 15): XC-format points of bibtex, P@k, nDCG@k and PSP@k
xc=$data/xc/bibtex
if [[ -f $xc/train.txt ]]; then
  { echo "1500 1836 159"; sed -n '2,1501p' "$xc/train.txt"; } >"$work/xc_train.txt"
  { echo "300 1836 159"; sed -n '2,301p' "$xc/test.txt"; } >"$work/xc_test.txt"
  expect 0 "train --task classify --format xc" -- "$tessera" train --task classify --format xc \
    --input "$work/xc_train.txt" --valid "$work/xc_test.txt" --threads 2 --quiet \
    --out "$work/xc.safetensors"
  check "train reports 159 labels" grep -q '159 labels' "$err"
  expect 1 "predict --word-match with labels of ids" -- "$tessera" predict \
    --model "$work/xc.safetensors" --format xc --input "$work/xc_test.txt" --word-match 1
  check "the error says there are no descriptions" grep -q 'no descriptions to match words with' "$err"
  expect 0 "test --format xc" -- "$tessera" test --model "$work/xc.safetensors" --format xc \
    --input "$work/xc_test.txt"
  check "test prints P, nDCG and PSP at 1, 3, 5" \
    test "$(grep -cE '^(N	300|(P|nDCG|PSP)@[135]	0\.[0-9]{4})$' "$out")" -eq 10
  p1=$(awk -F'\t' '$1 == "P@1" { print $2 }' "$out")
  # Chance is ~2.4/159; bibtex's best published P@1 is ~0.65 on the whole training set.
  check "bibtex slice P@1 far above chance ($p1)" awk -v a="$p1" 'BEGIN { exit !(a >= 0.35) }'
  expect 0 "predict --format xc" -- "$tessera" predict --model "$work/xc.safetensors" --format xc \
    --input "$work/xc_test.txt" -k 3
  check "predict names label ids" test "$(grep -cE '^__label__[0-9]+ [0-9.e-]+ __label__[0-9]+ [0-9.e-]+ __label__[0-9]+ [0-9.e-]+$' "$out")" -eq 300
  expect 0 "train --loss infonce (NGAME batches)" -- "$tessera" train --task classify --format xc \
    --input "$work/xc_train.txt" --loss infonce --threads 2 --quiet --out "$work/xc_nce.safetensors"
  expect 0 "test the infonce model" -- "$tessera" test --model "$work/xc_nce.safetensors" \
    --format xc --input "$work/xc_test.txt"
  p1=$(awk -F'\t' '$1 == "P@1" { print $2 }' "$out")
  check "infonce on the bibtex slice: P@1 far above chance ($p1)" awk -v a="$p1" 'BEGIN { exit !(a >= 0.35) }'
  expect 2 "NGAME options without --loss infonce" -- "$tessera" train --task classify --format xc \
    --input "$work/xc_train.txt" --ngame-cluster-size 8 --out "$work/x.safetensors"
  check "the error names the loss" grep -q 'NGAME batches are for --loss infonce' "$err"
  expect 2 "text options with --format xc" -- "$tessera" train --task classify --format xc \
    --input "$work/xc_train.txt" --buckets 1024 --out "$work/x.safetensors"
  check "the error says they do not apply" grep -q 'does not apply to --format xc' "$err"
  printf '2 1836 159\n1 3:1\n' >"$work/xc_short.txt"
  expect 1 "an XC file shorter than its header" -- "$tessera" train --task classify --format xc \
    --input "$work/xc_short.txt" --out "$work/x.safetensors"
  check "the error names file, line and counts" grep -q 'xc_short.txt:2: expected the 2 points of the header, found 1' "$err"
  if [[ -f $work/mr.safetensors ]]; then
    expect 1 "test an XC file with a text model" -- "$tessera" test \
      --model "$work/mr.safetensors" --format xc --input "$work/xc_test.txt"
    check "the error says the label sets differ" grep -q 'not the data set it was trained on' "$err"
  fi
fi

# ---- quantize (issue 15): a classifier cut to its largest rows (retrained on them) and stored as int8
if [[ -f $work/mr.safetensors ]]; then
  expect 0 "quantize --cutoff --int8 --valid" -- "$tessera" quantize --model "$work/mr.safetensors" \
    --out "$work/mr.small" --cutoff 10000 --int8 --input "$work/mr_train.txt" --valid "$work/mr_test.txt"
  check "quantize prints both sizes" grep -qE 'mr.small	[0-9.]+ MB \([0-9.]+x smaller\)' "$out"
  before=$(sed -nE 's/^P@1 on .*: ([0-9.]+) before, ([0-9.]+) after$/\1/p' "$out")
  after=$(sed -nE 's/^P@1 on .*: ([0-9.]+) before, ([0-9.]+) after$/\2/p' "$out")
  check "the small model keeps its accuracy ($before -> $after)" \
    awk -v a="$before" -v b="$after" 'BEGIN { exit !(b != "" && b >= a - 0.03) }'
  check "the small file is under a quarter of the model's" \
    test "$(stat -c %s "$work/mr.small")" -lt "$(( $(stat -c %s "$work/mr.safetensors") / 4 ))"
  expect 0 "predict with the small model" -- "$tessera" predict --model "$work/mr.small" \
    --input "$work/mr_test.txt" -k 1
  check "it predicts every text" test "$(grep -cE '^__label__(pos|neg) [0-9.e-]+$' "$out")" -eq 400
  expect 0 "quantize --retrain" -- "$tessera" quantize --model "$work/mr.safetensors" \
    --out "$work/mr.retrained" --cutoff 5000 --int8 --input "$work/mr_train.txt" --retrain \
    --valid "$work/mr_test.txt" --threads 2
  check "it says it retrained" grep -q 'quantize: retrained 2 epochs on .*mr_train.txt' "$err"
  before=$(sed -nE 's/^P@1 on .*: ([0-9.]+) before, ([0-9.]+) after$/\1/p' "$out")
  after=$(sed -nE 's/^P@1 on .*: ([0-9.]+) before, ([0-9.]+) after$/\2/p' "$out")
  check "the retrained small model keeps its accuracy ($before -> $after)" \
    awk -v a="$before" -v b="$after" 'BEGIN { exit !(b != "" && b >= a - 0.03) }'
  expect 1 "quantize --retrain without the training texts" -- "$tessera" quantize \
    --model "$work/mr.safetensors" --out "$work/x.small" --cutoff 5000 --retrain
  check "the error names what it needs" grep -q 'retrain needs --cutoff N and the training texts' "$err"
  expect 1 "quantize --epochs without --retrain" -- "$tessera" quantize \
    --model "$work/mr.safetensors" --out "$work/x.small" --int8 --epochs 2
  check "the error names --retrain" grep -q 'options of --retrain' "$err"
  check "no file is written" test ! -e "$work/x.small"
  expect 1 "quantize a quantized model" -- "$tessera" quantize --model "$work/mr.small" \
    --out "$work/x.small" --int8
  check "the error says it holds int8 codes already" grep -q 'int8 codes already' "$err"
  expect 1 "quantize without --cutoff or --int8" -- "$tessera" quantize \
    --model "$work/mr.safetensors" --out "$work/x.small"
  check "the error names the options" grep -q 'needs --cutoff N, --int8 or both' "$err"
fi

# ---- collections (issue 16): usage and input errors name what is wrong; add, search with a
# filter, delete and info --check on a small collection (tessera serve has tests/serve/).
expect 0 "help of collection" -- "$tessera" collection --help
expect 2 "collection without a verb" -- "$tessera" collection
expect 2 "collection create without --model" -- "$tessera" collection create "$work/col"
expect 2 "collection create with a bad index spec" -- "$tessera" collection create "$work/col" \
  --model m --index flot
expect 1 "collection search of a missing collection" -- "$tessera" collection search \
  "$work/nowhere" -q x
check "the error says it is not a collection" grep -q 'is not a tessera collection' "$err"
expect 2 "serve without --data" -- "$tessera" serve
expect 2 "serve on a public address without a token" -- "$tessera" serve --data "$work/sv" \
  --host 0.0.0.0
check "the error names --token-file" grep -q 'without --token-file' "$err"
if [[ -n ${eval_model:-} ]]; then
  expect 0 "collection create" -- "$tessera" collection create "$work/col" --model "$eval_model" \
    --index int8
  expect 1 "collection create over a non-empty directory" -- "$tessera" collection create \
    "$work/col" --model "$eval_model"
  printf '%s\n' '{"id": "a", "title": "Cats", "text": "cats purr", "metadata": {"lang": "en"}}' \
    '{"id": "b", "text": "dogs bark", "metadata": {"lang": "de", "year": 2001}}' \
    '{"id": "c", "text": "the stock market fell", "metadata": {"lang": "en", "year": 2010}}' \
    >"$work/col_docs.jsonl"
  expect 0 "collection add" -- "$tessera" collection add "$work/col" --input "$work/col_docs.jsonl"
  check "add counts the documents" grep -q '3 added, 0 replaced' "$err"
  expect 0 "collection search with a filter" -- "$tessera" collection search "$work/col" \
    -q "cats" -k 5 --filter '{"lang": "en", "year": {"$exists": false}}' --json
  check "only the matching document comes back" /usr/bin/python3 -c '
import json, sys
line = json.loads(open(sys.argv[1]).read())
assert [r["id"] for r in line["results"]] == ["a"], line
assert line["results"][0]["metadata"] == {"lang": "en", "title": "Cats"}, line' "$out"
  expect 2 "collection search with a filter that is not JSON" -- "$tessera" collection search \
    "$work/col" -q x --filter '{lang'
  expect 1 "collection search with an unknown operator" -- "$tessera" collection search \
    "$work/col" -q x --filter '{"lang": {"$like": "e"}}'
  check "the error names the place" grep -q 'filter.lang.$like: unknown operator' "$err"
  printf '%s\n' '{"id": "d", "text": "fine"}' '{"id": "e", "txt": "typo"}' >"$work/col_bad.jsonl"
  expect 1 "collection add of a document with an unknown member" -- "$tessera" collection add \
    "$work/col" --input "$work/col_bad.jsonl" --batch 1
  check "the error names file and line" grep -q 'col_bad.jsonl:2: unknown member "txt"' "$err"
  expect 0 "collection delete" -- "$tessera" collection delete "$work/col" --id b --id nope
  check "delete counts what it deleted" grep -q '1 of 2 ids deleted' "$err"
  expect 0 "collection info --check" -- "$tessera" collection info "$work/col" --check
  check "info: 3 documents (d was added before the bad line), integrity ok" /usr/bin/python3 -c '
import json, sys
info = json.load(open(sys.argv[1]))
assert info["documents"] == 3 and info["integrity"] == "ok" and info["index"].startswith("int8"), info' \
    "$out"
  expect 0 "collection get" -- "$tessera" collection get "$work/col" --id a --id b
  check "get prints the document, then null" test "$(sed -n 2p "$out")" = null
fi

# ---- quickstart: the WordNet reverse dictionary, small (the full one runs in scripts/quickstart.sh)
if [[ -f /usr/share/wordnet/data.noun ]]; then
  expect 0 "quickstart, small" -- "$tessera" quickstart --out "$work/qs" --max-words 3000 \
    --held-out 200 --epochs 2 --buckets 4096 --threads 2 --quiet
  check "quickstart prints acc@1, acc@10 and MRR per method" \
    test "$(grep -cE '^(bm25|flat@(64|128|256)|binary@256\+rescore|hybrid\(bm25\+flat@256\)) +0\.[0-9]{4} +0\.[0-9]{4} +0\.[0-9]{4}' "$out")" -eq 6
  check "quickstart prints examples" grep -q 'answer:' "$out"
  check "quickstart metrics.json and report.html" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/metrics.json"))
assert list(m["methods"]) == ["bm25", "flat@64", "flat@128", "flat@256", "binary@256+rescore",
                              "hybrid(bm25+flat@256)"], m
assert m["queries"] == 200 and m["documents"] == 3000, m
for v in m["methods"].values():
    assert set(v) >= {"acc@1", "acc@10", "MRR"} and v["acc@10"] >= v["acc@1"], v
assert m["methods"]["bm25"]["acc@10"] > 0.1, m
assert "<svg" in open(sys.argv[1] + "/report.html").read()' "$work/qs"
  expect 1 "quickstart without WordNet" -- "$tessera" quickstart --out "$work/qs2" \
    --wordnet "$work/no-wordnet"
  check "the error names the package" grep -q 'wordnet-base' "$err"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
