#!/usr/bin/env bash
# A client tessera did not write: the official `openai` npm package (installed into a scratch
# folder from the npm registry) calls tessera serve's /v1/embeddings, by default as base64 (what
# the package asks for and decodes) and as floats, for several inputs and a Matryoshka prefix,
# and its vectors must equal `tessera embed`'s, float for float. Needs node and npm, and the
# registry; not part of the suite (which runs offline): run it by hand.
#
# Usage: tests/serve/openai_client_check.sh TESSERA MODEL.safetensors [OPENAI_VERSION (4)]
set -euo pipefail
tessera=$(realpath "$1")
model=$(realpath "$2")
version=${3:-4}
work=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
npm install --silent --no-audit --no-fund "openai@$version" >/dev/null
printf '%s\n' 'protein folding in the cell' 'a second text' 'mitochondria' >texts.txt
"$tessera" embed --model "$model" --input texts.txt --out full.jsonl --quiet 2>/dev/null
"$tessera" embed --model "$model" --input texts.txt --dim 32 --out d32.jsonl --quiet 2>/dev/null
"$tessera" serve --data "$work/data" --model "m=$model" --port 0 2>serve.log &
server=$!
for _ in $(seq 50); do grep -q 'listening on' serve.log && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' serve.log)
cat >check.mjs <<'JS'
import fs from "node:fs";
import OpenAI from "openai";
const [url] = process.argv.slice(2);
const client = new OpenAI({ apiKey: "unused", baseURL: url + "/v1" });
const texts = fs.readFileSync("texts.txt", "utf8").trim().split("\n");
const read = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const same = (a, b) => a.length === b.length && a.every((x, i) => Math.fround(x) === Math.fround(b[i]));
let failed = 0;
const check = (name, ok) => { console.log((ok ? "ok   " : "FAIL ") + name); failed += !ok; };
const models = await client.models.list();
check("models.list names the model", models.data.some((m) => m.id === "m"));
for (const [dims, file] of [[undefined, "full.jsonl"], [32, "d32.jsonl"]]) {
  const expected = read(file);
  for (const format of [undefined, "float"]) {
    const out = await client.embeddings.create({ model: "m", input: texts, dimensions: dims,
                                                 encoding_format: format });
    check(`embeddings.create (dimensions ${dims ?? "all"}, ${format ?? "default: base64"}) ` +
          "equal tessera embed's",
          out.data.length === texts.length && out.data.every((d, i) => same(d.embedding, expected[i])));
  }
}
const one = await client.embeddings.create({ model: "m", input: texts[0] });
check("a single input, with usage", one.data.length === 1 && one.usage.prompt_tokens > 0);
try {
  await client.embeddings.create({ model: "nope", input: "x" });
  check("an unknown model is an error", false);
} catch (error) {
  check("an unknown model is a 404 the client reports", error.status === 404);
}
process.exit(failed ? 1 : 0);
JS
node check.mjs "$url"
