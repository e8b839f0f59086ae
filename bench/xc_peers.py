#!/usr/bin/python3
"""Extreme classification side by side on the XC repository's sparse format: tessera (its
defaults: --loss ova over sqrt-n pooled vectors; --loss softmax; --loss infonce in NGAME
batches), one-vs-rest LinearSVC and logistic regression (scikit-learn, over L2-normalized
rows) and fastText -loss ova (features as words f<id>), all scored with one P@1/3/5 (as
pyxclib: hits in the top k over k, averaged over every test point).

Usage: bench/xc_peers.py TRAIN TEST [--methods tessera,tessera-softmax,tessera-infonce,svc,lr,fasttext]
                         [--threads 2]
e.g.   bench/xc_peers.py ../shared/data/xc/bibtex/train.txt ../shared/data/xc/bibtex/test.txt
Prints one line per method: name, P@1, P@3, P@5, seconds to train and predict.
Needs python3-sklearn, python3-scipy, Debian's fasttext, and a Release build of tessera in
BUILD_DIR (default build/).
"""
import argparse
import os
import subprocess
import tempfile
import time
import warnings

import numpy as np
import scipy.sparse as sp


def read_xc(path):
    with open(path) as f:
        n, d, l = map(int, f.readline().split())
        rows, cols, vals, labels = [], [], [], []
        for i, line in enumerate(f):
            head, _, rest = line.rstrip("\n").partition(" ")
            labels.append([int(x) for x in head.split(",") if x])
            for pair in rest.split():
                c, v = pair.split(":")
                rows.append(i)
                cols.append(int(c))
                vals.append(float(v))
    x = sp.csr_matrix((vals, (rows, cols)), shape=(n, d))
    return x, labels, l


def precision_at(scores_or_ranked, gold, ks=(1, 3, 5)):
    out = []
    for k in ks:
        total = 0.0
        for ranked, g in zip(scores_or_ranked, gold):
            total += len(set(ranked[:k]) & set(g)) / k
        out.append(total / len(gold))
    return out


def one_vs_rest(kind, x, y, l, x_test):
    """Each point's features L2-normalized first (as tf-idf rows are): without it LinearSVC lost
    7.7 points of P@1 on bibtex (0.561 against the reference 0.638)."""
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer, normalize
    from sklearn.svm import LinearSVC
    from sklearn.linear_model import LogisticRegression
    binarizer = MultiLabelBinarizer(classes=list(range(l)))
    targets = binarizer.fit_transform(y)
    keep = targets.sum(axis=0) > 0  # labels never seen in training cannot be learned
    base = LinearSVC(C=1.0) if kind == "svc" else LogisticRegression(C=4.0, max_iter=1000)
    model = OneVsRestClassifier(base, n_jobs=1).fit(normalize(x), targets[:, keep])
    scores = model.decision_function(normalize(x_test))
    ids = np.flatnonzero(keep)
    return [list(ids[np.argsort(-row)[:5]]) for row in scores]


def fasttext_ova(train, test, threads, work):
    def to_ft(path, out, training):
        with open(path) as f, open(out, "w") as o:
            f.readline()
            for line in f:
                head, _, rest = line.rstrip("\n").partition(" ")
                labels = " ".join(f"__label__{x}" for x in head.split(",") if x)
                words = " ".join(f"f{p.split(':')[0]}" for p in rest.split()) or "none"
                if training and not labels:
                    continue  # fastText aborts on a training line without a label
                o.write(f"{labels} {words}\n")
    to_ft(train, work + "/train.txt", True)
    to_ft(test, work + "/test.txt", False)
    subprocess.run(["fasttext", "supervised", "-input", work + "/train.txt", "-output",
                    work + "/ft", "-loss", "ova", "-epoch", "50", "-lr", "0.1", "-dim", "100",
                    "-thread", str(threads), "-verbose", "0"], check=True)
    out = subprocess.run(["fasttext", "predict", work + "/ft.bin", work + "/test.txt", "5"],
                         check=True, capture_output=True, text=True).stdout
    return [[int(t[len("__label__"):]) for t in line.split()] for line in out.splitlines()]


def run_tessera(loss, train, test, threads, work):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tessera = os.path.join(os.environ.get("BUILD_DIR", os.path.join(root, "build")), "tessera")
    model = work + "/t.safetensors"
    options = ["--loss", loss] if loss else []  # none: the defaults (ova over sqrt-n vectors)
    subprocess.run([tessera, "train", "--task", "classify", "--format", "xc", "--input", train,
                    "--threads", str(threads), "--quiet", "--out", model] + options,
                   check=True, capture_output=True)
    out = subprocess.run([tessera, "predict", "--model", model, "--format", "xc", "--input", test,
                          "-k", "5", "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    return [[int(t[len("__label__"):]) for t in line.split()[::2]] for line in out.splitlines()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train")
    parser.add_argument("test")
    parser.add_argument("--methods", default="tessera,tessera-softmax,tessera-infonce,svc,lr,fasttext")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # liblinear's convergence notes, one per label
    x, y, l = read_xc(args.train)
    x_test, y_test, _ = read_xc(args.test)
    with tempfile.TemporaryDirectory() as work:
        for method in args.methods.split(","):
            start = time.perf_counter()
            if method == "fasttext":
                ranked = fasttext_ova(args.train, args.test, args.threads, work)
            elif method.startswith("tessera"):
                loss = method.partition("-")[2]
                ranked = run_tessera(loss, args.train, args.test, args.threads, work)
            else:
                ranked = one_vs_rest(method, x, y, l, x_test)
            seconds = time.perf_counter() - start
            p = precision_at(ranked, y_test)
            name = {"tessera": "tessera (defaults)", "tessera-softmax": "tessera --loss softmax",
                    "tessera-infonce": "tessera --loss infonce",
                    "svc": "one-vs-rest LinearSVC", "lr": "one-vs-rest logistic regression",
                    "fasttext": "fastText -loss ova -epoch 50 -lr 0.1"}[method]
            print(f"{name:40} P@1 {p[0]:.4f} P@3 {p[1]:.4f} P@5 {p[2]:.4f}  {seconds:.1f} s")


if __name__ == "__main__":
    main()
