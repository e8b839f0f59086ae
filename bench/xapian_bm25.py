#!/usr/bin/python3
"""Xapian BM25 peer for `tessera eval beir --methods bm25`: query throughput and nDCG@10 on a BEIR
dataset, with a setup as close to tessera's (Lucene's BM25, k1 0.9, b 0.4, Lucene's 33 English
stop words, Porter stemming, title + " " + text, top 100, the query's own id removed) as Xapian
1.4 allows.

Index: xapian.TermGenerator over title + " " + text, stemmer Stem("porter") (Lucene's
PorterStemFilter; --stemmer english gives Snowball's Porter2), STEM_ALL (only stemmed terms, no
Z-prefixed duplicates, so a document's length is its number of indexed tokens, as in Lucene),
SimpleStopper with Lucene's stop words and STOP_ALL (stop words neither indexed nor counted in the
length), no positions. Database: --backend inmemory (default: WritableDatabase("",
DB_BACKEND_INMEMORY), as the Python bindings have no inmemory_open(); on SciFact it searched
faster than glass) or glass (a WritableDatabase in a temp dir under /dev/shm, committed and
reopened read-only).

Weighting (--weight):
  bm25plus (default)  BM25PlusWeight(k1, k2=0, k3, b, min_normlen=0, delta=0):
                      sum idf * (k1 + 1) * tf / (tf + k1 * (1 - b + b * dl / avgdl)) with
                      idf = ln((N + 1) / df). Lucene: idf = ln(1 + (N - df + 0.5) / (df + 0.5))
                      = ln((N + 1) / (df + 0.5)); the (k1 + 1) factor scales every score alike.
                      This is the closest Xapian gets to Lucene's BM25.
  bm25                BM25Weight(k1, k2=0, k3, b, min_normlen=0): Robertson's
                      idf = ln((N - df + 0.5) / (df + 0.5)), and Xapian replaces the ratio r by
                      r / 2 + 1 when r <= 2 (terms in over a third of the documents).
  k3 is large by default (1e9): the query-term factor (k3 + 1) * qtf / (k3 + qtf) is then ~qtf,
  which is what Lucene (and tessera) do with a term repeated in the query; k3 = 0 counts it once.
  min_normlen 0: Lucene does not clamp short documents' normalized lengths (Xapian's default 0.5).

Queries (--parser):
  queryparser (default)  xapian.QueryParser, same stemmer/stopper, STEM_ALL, default op OR,
                         flags 0 (no boolean operators, +/-, quotes: BEIR queries are natural
                         language). Hyphenated words still become a PHRASE, which on a
                         database without positions is matched as AND of the parts.
  terms                  the query text run through the same TermGenerator as the documents,
                         OR of its terms (each with its within-query frequency): a pure bag
                         of words, like Lucene's query for BM25.
  --stem-strategy some|all picks QueryParser's strategy (with `some`, capitalised words are not
  stemmed, and the index has only stemmed terms, so those words match less).

Timing: queries/s = all the split's queries, one at a time in one thread, from query text to
the top (k + 1) MSet (parse + enquire.get_mset; reading hits out to a run is outside the timed
loop), best of --repeats passes; p50/p99 latency of single queries within that pass. Index build
seconds: adding all documents + commit.
nDCG@10 (and Recall@100) via ../shared/bench/ir_metrics_ref.py on the run written.

usage: xapian_bm25.py BEIR_DIR [--split test] [--k 100] [--repeats 3] [--json]
                      [--shard I/N --barrier DIR] [--run out.trec]
--shard I/N times only queries I, I+N, I+2N, ... (for N processes searching in parallel; with
--barrier DIR each waits, after building its index, until all N are ready, so that their searches
overlap; bench/bm25_vs_xapian.sh starts them together and divides all queries by the slowest).
needs: Debian python3-xapian (use /usr/bin/python3)
"""
import argparse, json, os, shutil, sys, tempfile, time

try:
    import xapian
except ImportError:
    sys.exit("xapian missing: apt-get install python3-xapian (and run with /usr/bin/python3)")

PEER_DIR = os.environ.get(
    "TESSERA_PEER_DIR",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
sys.path.insert(0, PEER_DIR)
try:
    import ir_metrics_ref
except ImportError:
    sys.exit(f"ir_metrics_ref.py not found in {PEER_DIR} (set TESSERA_PEER_DIR)")

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (the same 33 words as bm25_ref.py).
LUCENE_STOP = ("a an and are as at be but by for if in into is it no not of on or such that the "
               "their then there these they this to was will with").split()


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("beir_dir")
    ap.add_argument("--split", default="test")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--k1", type=float, default=0.9)
    ap.add_argument("--b", type=float, default=0.4)
    ap.add_argument("--k3", type=float, default=1e9)
    ap.add_argument("--weight", choices=["bm25plus", "bm25"], default="bm25plus")
    ap.add_argument("--parser", choices=["queryparser", "terms"], default="queryparser")
    ap.add_argument("--stem-strategy", choices=["all", "some"], default="all")
    ap.add_argument("--stemmer", default="porter")
    ap.add_argument("--backend", choices=["inmemory", "glass"], default="inmemory")
    ap.add_argument("--shard", default="0/1")
    ap.add_argument("--run", default=None, help="TREC run to write (default: a temp file)")
    ap.add_argument("--barrier", default=None,
                    help="with --shard: a directory where the N processes meet before searching")
    a = ap.parse_args()
    shard, nshards = (int(x) for x in a.shard.split("/"))

    docs = load_jsonl(os.path.join(a.beir_dir, "corpus.jsonl"))
    queries = {q["_id"]: q["text"] for q in load_jsonl(os.path.join(a.beir_dir, "queries.jsonl"))}
    qrels = ir_metrics_ref.read_qrels(os.path.join(a.beir_dir, "qrels", f"{a.split}.tsv"))
    qids = [q for q in qrels if q in queries]
    texts = [queries[q] for q in qids]

    stemmer = xapian.Stem(a.stemmer)
    stopper = xapian.SimpleStopper()
    for w in LUCENE_STOP:
        stopper.add(w)
    tg = xapian.TermGenerator()
    tg.set_stemmer(stemmer)
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
    tg.set_stopper(stopper)
    tg.set_stopper_strategy(xapian.TermGenerator.STOP_ALL)

    tmpdir = None
    t0 = time.perf_counter()
    if a.backend == "inmemory":
        db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    else:
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        tmpdir = tempfile.mkdtemp(prefix="xapian_bm25_", dir=base)
        db = xapian.WritableDatabase(os.path.join(tmpdir, "db"), xapian.DB_CREATE_OR_OVERWRITE
                                     | xapian.DB_BACKEND_GLASS)
    ids = []
    for d in docs:
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text_without_positions((d.get("title") or "") + " " + (d.get("text") or ""))
        db.add_document(doc)  # docids 1, 2, ... in order
        ids.append(d["_id"])
    db.commit()
    build_s = time.perf_counter() - t0
    if a.backend == "glass":
        db.close()
        db = xapian.Database(os.path.join(tmpdir, "db"))

    enquire = xapian.Enquire(db)
    if a.weight == "bm25plus":
        enquire.set_weighting_scheme(xapian.BM25PlusWeight(a.k1, 0, a.k3, a.b, 0.0, 0.0))
    else:
        enquire.set_weighting_scheme(xapian.BM25Weight(a.k1, 0, a.k3, a.b, 0.0))
    enquire.set_docid_order(xapian.Enquire.ASCENDING)

    qp = xapian.QueryParser()
    qp.set_database(db)
    qp.set_stemmer(stemmer)
    qp.set_stemming_strategy(xapian.QueryParser.STEM_ALL if a.stem_strategy == "all"
                             else xapian.QueryParser.STEM_SOME)
    qp.set_stopper(stopper)
    qp.set_default_op(xapian.Query.OP_OR)
    qtg = xapian.TermGenerator()
    qtg.set_stemmer(stemmer)
    qtg.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
    qtg.set_stopper(stopper)
    qtg.set_stopper_strategy(xapian.TermGenerator.STOP_ALL)

    def parse_qp(text):
        return qp.parse_query(text, 0)

    def parse_terms(text):
        qdoc = xapian.Document()
        qtg.set_document(qdoc)
        qtg.index_text_without_positions(text)
        return xapian.Query(xapian.Query.OP_OR,
                            [xapian.Query(t.term, t.wdf) for t in qdoc.termlist()])

    parse = parse_qp if a.parser == "queryparser" else parse_terms
    depth = a.k + 1  # one more, as a query's own id is dropped from its results
    mine = list(range(shard, len(texts), nshards))
    if a.barrier:  # N processes: all indexes built before any search starts
        open(os.path.join(a.barrier, f"ready.{shard}"), "w").close()
        while len([f for f in os.listdir(a.barrier) if f.startswith("ready.")]) < nshards:
            time.sleep(0.001)
    best = float("inf")
    msets = None
    latencies = []
    clock = time.perf_counter
    for _ in range(max(1, a.repeats)):
        out = []
        times = []
        start = clock()
        for i in mine:
            t = clock()
            enquire.set_query(parse(texts[i]))
            out.append(enquire.get_mset(0, depth))
            times.append(clock() - t)
        elapsed = clock() - start
        if elapsed < best:
            best, msets, latencies = elapsed, out, times
    latencies.sort()

    def percentile(p):  # nearest rank
        return 1000 * latencies[min(len(latencies) - 1, max(0, int(p * len(latencies) + 0.5) - 1))]

    run_path = a.run or os.path.join(tempfile.gettempdir(), f"xapian_bm25.{os.getpid()}.trec")
    with open(run_path, "w") as f:
        for i, mset in zip(mine, msets):
            qid = qids[i]
            rank = 0
            for m in mset:
                did = ids[m.docid - 1]
                if did == qid or rank == a.k:
                    continue
                rank += 1
                f.write(f"{qid} Q0 {did} {rank} {m.weight:.6f} xapian\n")
    metrics = {}
    if nshards == 1:
        m, _ = ir_metrics_ref.evaluate(qrels, ir_metrics_ref.read_run(run_path), [10, 100])
        metrics = {"nDCG@10": m["nDCG@10"], "Recall@100": m["Recall@100"]}
    if a.run is None:
        os.remove(run_path)
    if tmpdir:
        db.close()
        shutil.rmtree(tmpdir, ignore_errors=True)

    result = {
        "engine": f"xapian {xapian.version_string()}",
        "dataset": os.path.basename(os.path.normpath(a.beir_dir)),
        "split": a.split, "documents": len(docs), "queries": len(mine),
        "shard": a.shard, "backend": a.backend, "weight": a.weight, "parser": a.parser,
        "stem_strategy": a.stem_strategy, "stemmer": a.stemmer,
        "k1": a.k1, "b": a.b, "k3": a.k3, "k": a.k, "repeats": a.repeats,
        "build_seconds": build_s, "search_seconds": best,
        "qps": len(mine) / best if best > 0 else 0.0,
        "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), **metrics,
    }
    if a.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:14s} {value:.4f}" if isinstance(value, float) else f"{key:14s} {value}")


if __name__ == "__main__":
    main()
