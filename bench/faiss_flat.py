#!/usr/bin/python3
"""The peer of bench/flat_vs_faiss.sh: exact inner-product top-k with FAISS.

  faiss_flat.py BASE.npy QUERIES.npy --kind flat|binary [-k 10] [--threads 2] [--repeats 3]

flat: IndexFlatIP over the float32 rows (BLAS for batches, like tessera's flat index).
binary: IndexBinaryFlat over the sign bits (numpy.packbits(x > 0), the bits tessera's binary
index keeps), Hamming top k.
Prints one JSON object: {"library", "kind", "build_s", "queries_per_s"}, the best of `repeats`
timed batches after one untimed pass. Needs Debian's python3-faiss (run with /usr/bin/python3).
"""
import argparse
import json
import time

import faiss
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("queries")
parser.add_argument("--kind", choices=["flat", "binary"], default="flat")
parser.add_argument("-k", type=int, default=10)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeats", type=int, default=3)
args = parser.parse_args()
faiss.omp_set_num_threads(args.threads)
base = np.ascontiguousarray(np.load(args.base), dtype=np.float32)
queries = np.ascontiguousarray(np.load(args.queries), dtype=np.float32)
start = time.perf_counter()
if args.kind == "flat":
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
else:
    index = faiss.IndexBinaryFlat(base.shape[1])
    index.add(np.packbits(base > 0, axis=1))
    queries = np.packbits(queries > 0, axis=1)
build = time.perf_counter() - start
index.search(queries[:16], args.k)
best = float("inf")
for _ in range(args.repeats):
    start = time.perf_counter()
    index.search(queries, args.k)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"library": "faiss", "kind": args.kind, "build_s": round(build, 4),
                  "queries_per_s": round(len(queries) / best, 1)}))
