#!/usr/bin/python3
"""The peers of bench/search_vs_hnswlib.sh: data, and HNSW search by hnswlib and FAISS.

  hnsw_peers.py data --out DIR [--n N --dim D --queries Q --clusters C --latent L
                               --vectors FILE.npy]
      writes DIR/B.npy (base, float32 unit rows), DIR/Q.npy (queries, float32 unit rows) and
      DIR/T.npy (int64, the exact top 100 base ids of every query by inner product, best first).
      Random data is uniform on the sphere, or with --clusters C a mixture of C Gaussian clusters
      (every row a random centre plus noise: topic structure like embedded documents); with
      --latent L it is drawn in L dims and mapped by a random linear map into D dims, plus a
      little noise (the low intrinsic dimension of real embeddings: uniform data in 256 dims has
      none, and no HNSW reaches recall@10 0.95 on it at a useful ef). Rows are normalised. With
      --vectors, the rows of FILE.npy (normalised) are split: the last Q rows are the queries.
  hnsw_peers.py hnswlib|faiss --dir DIR --m M --ef-construction E --threads T \
      [--ef-search 10,15,... --target-recall R -k 10 --repeats 3]
      builds the library's HNSW index on B (inner product, M links, ef_construction E), then for
      every ef_search (default: `tessera bench search`'s ladder k, 1.5 k, ... 4096), up to the
      first whose recall reaches R when given, times the whole query batch `repeats` times
      (after one untimed pass) and prints one JSON object: {"library", "build_s", "results":
      [{"ef_search", "recall", "queries_per_s"}]}, recall@k against T and the best timed pass.

Needs Debian's python3-numpy, python3-hnswlib, python3-faiss (run with /usr/bin/python3).
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def normalise(x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def exact_top(base, queries, k):
    """The k best base ids of every query by inner product (ties by the lower id)."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 256):
        scores = queries[start:start + 256] @ base.T
        part = np.argpartition(-scores, k, axis=1)[:, :k + 1]
        for row, ids in enumerate(part):
            s = scores[row, ids]
            order = np.lexsort((ids, -s))  # score descending, then id ascending
            out[start + row] = ids[order][:k]
    return out


def make_data(args):
    rng = np.random.default_rng(args.seed)
    if args.vectors:
        rows = normalise(np.load(args.vectors))
        if len(rows) <= args.queries:
            sys.exit(f"{args.vectors}: {len(rows)} rows, need more than {args.queries}")
        base, queries = rows[:-args.queries], rows[-args.queries:]
    else:
        total = args.n + args.queries
        width = args.latent if args.latent > 0 else args.dim
        if args.clusters > 0:
            centres = normalise(rng.standard_normal((args.clusters, width)))
            which = rng.integers(0, args.clusters, total)
            noise = rng.standard_normal((total, width)) * (args.spread / np.sqrt(width))
            rows = centres[which] + noise
        else:
            rows = rng.standard_normal((total, width))
        if args.latent > 0:  # a random linear map into dim, plus a little full-rank noise
            rows = normalise(rows) @ rng.standard_normal((width, args.dim)) / np.sqrt(width)
            rows += rng.standard_normal((total, args.dim)) * (args.noise / np.sqrt(args.dim))
        rows = normalise(rows)
        base, queries = rows[:args.n], rows[args.n:]
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "B.npy"), np.ascontiguousarray(base))
    np.save(os.path.join(args.out, "Q.npy"), np.ascontiguousarray(queries))
    np.save(os.path.join(args.out, "T.npy"), exact_top(base, queries, 100))


def effort_ladder(k, limit=4096):
    """The ef_search values `tessera bench search --target-recall` tries (search_benchmark.cpp)."""
    efforts, effort = [], float(k)
    while effort < limit:
        if not efforts or int(effort) > efforts[-1]:
            efforts.append(int(effort))
        effort *= 1.5
    return efforts + [limit]


def recall(found, truth, k):
    hits = sum(len(np.intersect1d(f[:k], t[:k])) for f, t in zip(found, truth))
    return hits / (len(truth) * k)


def run_peer(args):
    base = np.load(os.path.join(args.dir, "B.npy"))
    queries = np.load(os.path.join(args.dir, "Q.npy"))
    truth = np.load(os.path.join(args.dir, "T.npy"))
    n, dim = base.shape
    if args.library == "hnswlib":
        import hnswlib
        index = hnswlib.Index(space="ip", dim=dim)
        start = time.perf_counter()
        index.init_index(max_elements=n, ef_construction=args.ef_construction, M=args.m,
                         random_seed=100)
        index.set_num_threads(args.threads)
        index.add_items(base, np.arange(n))
        build_s = time.perf_counter() - start

        def search(ef):
            index.set_ef(ef)
            return index.knn_query(queries, k=args.k, num_threads=args.threads)[0]
    else:
        import faiss
        faiss.omp_set_num_threads(args.threads)
        start = time.perf_counter()
        index = faiss.IndexHNSWFlat(dim, args.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = args.ef_construction
        index.add(base)
        build_s = time.perf_counter() - start

        def search(ef):
            index.hnsw.efSearch = ef
            return index.search(queries, args.k)[1]

    results = []
    for ef in args.ef_search or effort_ladder(args.k):
        found = search(ef)
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            found = search(ef)
            best = min(best, time.perf_counter() - start)
        results.append({"ef_search": ef, "recall": recall(found, truth, args.k),
                        "queries_per_s": len(queries) / best})
        if args.target_recall is not None and results[-1]["recall"] >= args.target_recall:
            break
    print(json.dumps({"library": args.library, "build_s": build_s, "results": results}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data")
    data.add_argument("--out", required=True)
    data.add_argument("--n", type=int, default=100000)
    data.add_argument("--dim", type=int, default=256)
    data.add_argument("--queries", type=int, default=1000)
    data.add_argument("--clusters", type=int, default=0)
    data.add_argument("--spread", type=float, default=0.6,
                      help="noise norm around a cluster centre (centres are unit vectors)")
    data.add_argument("--latent", type=int, default=0,
                      help="draw in this many dims and map linearly into --dim (the low "
                           "intrinsic dimension of real embeddings); 0: draw in --dim")
    data.add_argument("--noise", type=float, default=0.1,
                      help="with --latent: norm of the full-rank noise added after the map")
    data.add_argument("--vectors", help="real vectors (.npy, rows) instead of random ones")
    data.add_argument("--seed", type=int, default=1)
    for library in ("hnswlib", "faiss"):
        peer = sub.add_parser(library)
        peer.set_defaults(library=library)
        peer.add_argument("--dir", required=True)
        peer.add_argument("--m", type=int, default=16)
        peer.add_argument("--ef-construction", type=int, default=200)
        peer.add_argument("--ef-search", type=lambda s: [int(x) for x in s.split(",")],
                          help="comma-separated (default: tessera's ladder k, 1.5 k, ... 4096)")
        peer.add_argument("--target-recall", type=float,
                          help="stop after the first ef_search whose recall@k reaches this")
        peer.add_argument("--threads", type=int, default=2)
        peer.add_argument("-k", type=int, default=10)
        peer.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.command == "data":
        make_data(args)
    else:
        run_peer(args)


if __name__ == "__main__":
    main()
