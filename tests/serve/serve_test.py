#!/usr/bin/python3
"""tessera serve end to end, over real sockets, with clients tessera did not write (urllib):

  - /v1/embeddings gives the vectors `tessera embed` writes (floats and base64);
  - tokens: writes refused without one or with a wrong one, accepted with the right one;
  - a collection of SciFact documents: upserts, filtered and hybrid searches, the page at / in
    headless Chromium (a query in its URL, the results in its DOM);
  - mixed load: searches on several threads while a writer upserts, no errors, k results always;
  - SIGTERM answers the request in flight, then exits 0;
  - crashes: kill -9 at random moments during a stream of acknowledged upserts and deletes; after
    each restart every acknowledged write is there and searchable, the batch in flight is all there
    or not at all, and `tessera collection info --check` passes.

usage: serve_test.py TESSERA SHARED_DATA_DIR [--trials N] [--documents N] [--mixed N]
                     [--searchers N]
"""
import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TOKEN = "serve-test-token-0123456789"
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)


class Server:
    def __init__(self, tessera, data, model, extra=()):
        self.process = subprocess.Popen(
            [tessera, "serve", "--data", data, "--model", f"sci={model}", "--port", "0", *extra],
            stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if not match:
            raise RuntimeError(f"the server did not start: {line}{self.process.stderr.read()}")
        self.url = f"http://{match.group(1)}:{match.group(2)}"

    def call(self, method, path, body=None, token=None, timeout=30):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            payload = error.read().decode()
            status = error.code
        kind = "json" if payload.startswith(("{", "[")) else "text"
        return status, (json.loads(payload) if kind == "json" else payload)

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.process.stderr.close()
        return code


def scifact_documents(data_dir, limit):
    docs = []
    with open(os.path.join(data_dir, "beir", "scifact", "corpus.jsonl")) as corpus:
        for i, line in enumerate(corpus):
            if i == limit:
                break
            doc = json.loads(line)
            docs.append({"id": doc["_id"], "title": doc["title"], "text": doc["text"],
                         "metadata": {"n": i, "tag": "t%d" % (i % 3)}})
    return docs


def test_embeddings(server, tessera, model, work):
    texts = ["protein folding", "cell biology of the liver", ""]
    with open(os.path.join(work, "texts.txt"), "w") as out:
        out.write("\n".join(texts[:2]) + "\n")
    subprocess.run([tessera, "embed", "--model", model, "--input", os.path.join(work, "texts.txt"),
                    "--out", os.path.join(work, "v.jsonl"), "--dim", "16"],
                   check=True, capture_output=True)
    expected = [json.loads(line) for line in open(os.path.join(work, "v.jsonl"))]
    status, out = server.call("POST", "/v1/embeddings",
                              {"input": texts[:2], "model": "sci", "dimensions": 16})
    same = status == 200 and all(
        struct.pack("16f", *out["data"][i]["embedding"]) == struct.pack("16f", *expected[i])
        for i in range(2))
    check("/v1/embeddings floats equal tessera embed's", same, f"{status} {out}"[:300])
    status, out = server.call("POST", "/v1/embeddings", {"input": texts[0], "model": "sci",
                                                         "dimensions": 16,
                                                         "encoding_format": "base64"})
    decoded = base64.b64decode(out["data"][0]["embedding"]) if status == 200 else b""
    check("base64 is the same float32 bytes", decoded == struct.pack("<16f", *expected[0]))
    check("usage counts tokens", status == 200 and out["usage"]["prompt_tokens"] == 2, str(out))
    status, out = server.call("POST", "/v1/embeddings", {"input": "x"})
    check("no model is a 400 in OpenAI's error shape",
          status == 400 and out["error"]["type"] == "invalid_request_error", str(out))


def test_collection(server, docs):
    status, _ = server.call("POST", "/collections", {"name": "sf", "model": "sci"})
    check("create without a token is 401", status == 401)
    status, _ = server.call("POST", "/collections", {"name": "sf", "model": "sci"}, token="wrong-token")
    check("create with a wrong token is 401", status == 401)
    status, out = server.call("POST", "/collections", {"name": "sf", "model": "sci", "index": "hnsw"},
                              token=TOKEN)
    check("create with the token is 201", status == 201, str(out))
    for begin in range(0, len(docs), 250):
        status, out = server.call("POST", "/collections/sf/documents",
                                  {"documents": docs[begin:begin + 250]}, token=TOKEN)
        if status != 200:
            break
    check("upserts in batches", status == 200 and out["documents"] == len(docs), str(out))
    status, out = server.call("POST", "/collections/sf/search",
                              {"query": "protein folding", "k": 10, "filter": {"tag": "t1"}})
    hits = out.get("results", []) if status == 200 else []
    check("a filtered search gives k results, all matching",
          len(hits) == 10 and all(h["metadata"]["tag"] == "t1" for h in hits), str(out)[:300])
    title = docs[17]["title"]
    status, out = server.call("POST", "/collections/sf/search",
                              {"query": title, "k": 3, "method": "hybrid"})
    check("hybrid search finds a document by its title",
          status == 200 and docs[17]["id"] in [h["id"] for h in out["results"]], str(out)[:300])
    status, page = server.call("GET", "/")
    check("the page is served", status == 200 and "<title>tessera</title>" in page)
    test_page(server)
    status, metrics = server.call("GET", "/metrics")
    check("metrics count the collection",
          f'tessera_collection_documents{{collection="sf"}} {len(docs)}' in metrics)


def test_page(server):
    """The page in headless Chromium: a query in the URL, results in the DOM."""
    chromium = shutil.which("chromium")
    if not chromium:
        print("skipped: the page in headless Chromium (no chromium)")
        return
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=10000", "--dump-dom",
                          server.url + "/?collection=sf&q=protein%20folding"],
                         capture_output=True, text=True, timeout=120).stdout
    results = dom.count('<li class="result">')
    check("the page shows 10 results in headless Chromium", results == 10,
          f"{results} results; {dom[-300:]}")


def test_mixed_load(server, more, searchers=4, seconds_limit=600):
    errors, short, searches = [], [0], [0]
    done = threading.Event()

    def searcher():
        while not done.is_set():
            try:
                status, out = server.call("POST", "/collections/sf/search",
                                          {"query": "cancer cells", "k": 10, "include_text": False})
                if status != 200:
                    errors.append(status)
                elif len(out["results"]) != 10:
                    short[0] += 1
                searches[0] += 1
            except Exception as error:  # a dropped connection counts as an error
                errors.append(repr(error))

    threads = [threading.Thread(target=searcher) for _ in range(searchers)]
    for thread in threads:
        thread.start()
    started = time.time()
    write_errors = 0
    for begin in range(0, len(more), 100):
        status, _ = server.call("POST", "/collections/sf/documents",
                                {"documents": more[begin:begin + 100]}, token=TOKEN)
        write_errors += status != 200
        if time.time() - started > seconds_limit:
            break
    done.set()
    for thread in threads:
        thread.join()
    check(f"mixed load: {searches[0]} searches on {searchers} threads beside {len(more)} upserts "
          f"in {time.time() - started:.1f} s, no errors",
          not errors and write_errors == 0, f"{errors[:5]} {write_errors}")
    check("mixed load: every search saw k results", short[0] == 0, str(short[0]))


def test_sigterm(tessera, data, model):
    server = Server(tessera, data, model, ["--token-file", os.path.join(data, "..", "tokens")])
    result = {}

    def slow_request():
        result["answer"] = server.call("POST", "/collections/sf/search",
                                       {"queries": ["cancer"] * 200, "k": 100, "method": "hybrid"})

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.05)
    code = server.stop(signal.SIGTERM)
    thread.join()
    check("SIGTERM exits 0", code == 0, str(code))
    status = result.get("answer", (None,))[0]
    check("SIGTERM answers the request in flight (or it came after the socket closed)",
          status in (200, None), str(status))


def crash_trials(tessera, work, model, trials, seed=7):
    rng = random.Random(seed)
    data = os.path.join(work, "crash")
    os.makedirs(data)
    subprocess.run([tessera, "collection", "create", os.path.join(data, "c"), "--model", model,
                    "--index", "flat"], check=True, capture_output=True)
    state = {}  # id -> text acknowledged (None: deleted)
    version = [0]
    all_ok = True
    for trial in range(trials):
        server = Server(tessera, data, model)
        in_flight = {}
        stop = threading.Event()

        def writer():
            while not stop.is_set():
                batch = {}
                ids = ["doc%d" % rng.randrange(300) for _ in range(20)]
                deleting = rng.random() < 0.25
                for doc_id in ids:
                    version[0] += 1
                    batch[doc_id] = None if deleting else "uid%dv%d about %s" % (
                        int(doc_id[3:]), version[0], rng.choice(["cells", "proteins", "genes"]))
                in_flight.clear()
                in_flight.update(batch)
                try:
                    if deleting:
                        status, _ = server.call("POST", "/collections/c/documents/delete",
                                                {"ids": list(batch)}, timeout=5)
                    else:
                        status, _ = server.call("POST", "/collections/c/documents", {"documents": [
                            {"id": i, "text": t} for i, t in batch.items()]}, timeout=5)
                except Exception:
                    return  # killed mid-request: the batch stays in flight
                if status == 200:
                    state.update(batch)
                    in_flight.clear()

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(rng.uniform(0.1, 0.6))
        server.process.kill()
        server.process.wait()
        server.process.stderr.close()
        stop.set()
        thread.join()

        server = Server(tessera, data, model)
        ids = sorted(set(state) | set(in_flight))
        _, got = server.call("POST", "/collections/c/documents/get", {"ids": ids} if ids else {"ids": ["none"]})
        found = {doc["id"]: doc["text"] for doc in got["documents"] if doc}
        lost = [i for i in state if i not in in_flight and found.get(i) != state[i]]
        # The batch in flight is all applied or not at all.
        applied = [found.get(i) == t for i, t in in_flight.items()]
        before = [found.get(i) == state.get(i) for i in in_flight]
        atomic = all(applied) or all(before)
        if all(applied):
            state.update(in_flight)
        searchable = True
        for doc_id in rng.sample([i for i in state if state[i]], min(5, sum(1 for v in state.values() if v))):
            word = state[doc_id].split()[0]
            _, out = server.call("POST", "/collections/c/search", {"query": word, "k": 1, "method": "bm25"})
            searchable &= bool(out["results"]) and out["results"][0]["id"] == doc_id
        server.stop()
        info = subprocess.run([tessera, "collection", "info", os.path.join(data, "c"), "--check"],
                              capture_output=True, text=True)
        live = sum(1 for v in state.values() if v)
        counted = info.returncode == 0 and json.loads(info.stdout)["documents"] == live
        ok = not lost and atomic and searchable and counted
        all_ok &= ok
        if not ok:
            print(f"  trial {trial}: lost {lost[:5]}, atomic {atomic}, searchable {searchable}, "
                  f"check {info.returncode} {info.stdout.strip()} {info.stderr.strip()} (expected {live})")
    check(f"kill -9 in {trials} trials: every acknowledged write there and searchable, "
          "the batch in flight all or nothing, integrity ok", all_ok)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tessera")
    parser.add_argument("shared_data")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--mixed", type=int, default=1000, help="documents upserted under load")
    parser.add_argument("--searchers", type=int, default=4, help="search threads under load")
    args = parser.parse_args()
    tessera = os.path.abspath(args.tessera)
    if not os.path.exists(os.path.join(args.shared_data, "beir", "scifact", "corpus.jsonl")):
        print("skipped: no SciFact corpus under", args.shared_data)
        return 0
    work = tempfile.mkdtemp(prefix="tessera-serve-test-")
    try:
        model = os.path.join(work, "model.safetensors")
        subprocess.run([tessera, "train", "--beir", os.path.join(args.shared_data, "beir", "scifact"),
                        "--dim", "32", "--prefixes", "16,32", "--buckets", "4096", "--epochs", "1",
                        "--threads", "2", "--quiet", "--out", model], check=True, capture_output=True)
        data = os.path.join(work, "data")
        with open(os.path.join(work, "tokens"), "w") as tokens:
            tokens.write("# one per line\n" + TOKEN + "\n")
        server = Server(tessera, data, model, ["--token-file", os.path.join(work, "tokens")])
        docs = scifact_documents(args.shared_data, 1 << 30)
        more = [dict(doc, id=f"{doc['id']}-{i // len(docs)}")
                for i, doc in zip(range(args.mixed), (docs[j % len(docs)] for j in range(args.mixed)))]
        test_embeddings(server, tessera, model, work)
        test_collection(server, docs[:args.documents])
        test_mixed_load(server, more, args.searchers)
        check("the server stops on SIGTERM", server.stop() == 0)
        test_sigterm(tessera, data, model)
        crash_trials(tessera, work, model, args.trials)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
