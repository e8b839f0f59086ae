#!/usr/bin/python3
"""The Python peer of `tessera serve`'s search: FastAPI on uvicorn (Debian's python3-fastapi and
python3-uvicorn), exact inner-product top-k over the same document vectors, with FAISS's
IndexFlatIP (python3-faiss) or numpy. POST /search {"vector": [...], "k": 10} answers
{"results": [{"id", "score"}]}, the shape of tessera's vector search with include_text false.

usage: python_search_server.py BASE.npy IDS.txt PORT [faiss|numpy] [WORKERS]
"""
import sys

import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

base_path, ids_path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
kind = sys.argv[4] if len(sys.argv) > 4 else "faiss"
base = np.load(base_path).astype(np.float32)
ids = [line.rstrip("\n") for line in open(ids_path)]
if kind == "faiss":
    import faiss
    faiss.omp_set_num_threads(1)  # one request per worker thread, as tessera serve runs them
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)

app = FastAPI()


class Query(BaseModel):
    vector: list[float]
    k: int = 10
    include_text: bool = False


@app.post("/search")
def search(query: Query):
    q = np.asarray(query.vector, dtype=np.float32)[None, :]
    if kind == "faiss":
        scores, rows = index.search(q, query.k)
        scores, rows = scores[0], rows[0]
    else:
        all_scores = base @ q[0]
        rows = np.argpartition(-all_scores, query.k)[:query.k]
        rows = rows[np.argsort(-all_scores[rows])]
        scores = all_scores[rows]
    return {"results": [{"id": ids[r], "score": float(s)} for r, s in zip(rows, scores)]}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
                workers=int(sys.argv[5]) if len(sys.argv) > 5 else 1)
