#!/usr/bin/python3
"""Text classification side by side: tessera against Debian's fastText and a TF-IDF + logistic
regression baseline (scikit-learn), on the seeded splits of bench/classification_splits.py.

  MR        the 90/10 split and 10-fold cross-validation
  AG News   5-fold cross-validation of its 7,600 rows

Each method trains on a split's train.txt and is scored on its test.txt (accuracy = P@1). Methods:
tessera with its defaults; fastText with its defaults and with the best settings found for the data
set (README of ../shared/bench); TF-IDF of word uni+bigrams (sublinear tf) + logistic regression,
C chosen on the dev split. Training and prediction run on THREADS threads (fastText -thread,
tessera --threads); times are wall seconds of the whole command (tessera train / fasttext
supervised; tessera predict / fasttext predict-prob over the test file), and their ratios.

Usage: bench/classify_vs_fasttext.py [mr|ag_news|all] [--threads 2] [--folds N]
Needs: apt-get install fasttext python3-sklearn; a Release build in BUILD_DIR (default build/).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEST_FASTTEXT = {"mr": "-epoch 25 -lr 0.1 -wordNgrams 2 -bucket 200000",
                 "ag_news": "-epoch 25 -lr 0.5 -wordNgrams 2"}


def read(path):
    labels, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, text = line.rstrip("\n").split(" ", 1)
            labels.append(label)
            texts.append(text)
    return labels, texts


def timed(cmd, **kw):
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
    return time.perf_counter() - start, out.stdout


def accuracy(gold, predicted_lines):
    right = sum(1 for g, p in zip(gold, predicted_lines) if p.split(" ")[0] == g)
    return right / len(gold)


def run_tessera(tessera, split, work, threads):
    model = os.path.join(work, "t.safetensors")
    train_s, _ = timed([tessera, "train", "--task", "classify", "--input", split + "/train.txt",
                        "--out", model, "--quiet", "--threads", str(threads)])
    predict_s, out = timed([tessera, "predict", "--model", model, "--input", split + "/test.txt",
                            "--threads", str(threads)])
    return accuracy(read(split + "/test.txt")[0], out.splitlines()), train_s, predict_s


def run_fasttext(settings, split, work, threads):
    model = os.path.join(work, "ft")
    train_s, _ = timed(["fasttext", "supervised", "-input", split + "/train.txt", "-output", model,
                        "-thread", str(threads), "-verbose", "0"] + settings.split())
    predict_s, out = timed(["fasttext", "predict-prob", model + ".bin", split + "/test.txt"])
    return accuracy(read(split + "/test.txt")[0], out.splitlines()), train_s, predict_s


def run_tfidf_lr(c, split):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    y_train, x_train = read(split + "/train.txt")
    y_test, x_test = read(split + "/test.txt")
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LogisticRegression(C=c, max_iter=3000).fit(vectorizer.fit_transform(x_train), y_train)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(vectorizer.transform(x_test))
    predict_s = time.perf_counter() - start
    return sum(p == g for p, g in zip(predicted, y_test)) / len(y_test), train_s, predict_s


def choose_c(split):
    return max((run_tfidf_lr(c, split)[0], c) for c in (1, 2, 4, 8, 16))[1]


def evaluate(name, splits, args, work, tessera):
    c = choose_c(os.path.join(work, name, "dev"))
    methods = {
        "tessera (defaults)": lambda s: run_tessera(tessera, s, work, args.threads),
        "fastText defaults": lambda s: run_fasttext("", s, work, args.threads),
        f"fastText {BEST_FASTTEXT[name]}": lambda s: run_fasttext(BEST_FASTTEXT[name], s, work,
                                                                   args.threads),
        f"TF-IDF 1-2 grams + LR (C={c})": lambda s: run_tfidf_lr(c, s),
    }
    for label, paths in splits:
        results = {m: [fn(p) for p in paths] for m, fn in methods.items()}
        print(f"\n{name}, {label} ({len(paths)} run{'s' if len(paths) > 1 else ''}), "
              f"{args.threads} threads")
        print(f"{'method':52} {'accuracy':>16} {'train s':>8} {'predict s':>9}")
        t_train = statistics.mean(r[1] for r in results["tessera (defaults)"])
        t_pred = statistics.mean(r[2] for r in results["tessera (defaults)"])
        for m, rs in results.items():
            accs = [r[0] for r in rs]
            spread = f" ± {statistics.stdev(accs):.3f}" if len(accs) > 1 else ""
            train = statistics.mean(r[1] for r in rs)
            pred = statistics.mean(r[2] for r in rs)
            print(f"{m:52} {statistics.mean(accs):>8.3f}{spread:8} {train:8.2f} {pred:9.3f}")
        for m, rs in results.items():
            if m.startswith("fastText"):
                train = statistics.mean(r[1] for r in rs)
                pred = statistics.mean(r[2] for r in rs)
                print(f"  tessera vs {m}: training {train / t_train:.2f}x faster, "
                      f"predict {pred / t_pred:.2f}x faster (whole commands)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default="all", choices=["mr", "ag_news", "all"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", type=int, default=0, help="run only the first N folds")
    args = parser.parse_args()
    build = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
    tessera = os.path.join(build, "tessera")
    if not os.access(tessera, os.X_OK):
        sys.exit(f"{tessera} not found: build in {build} (or set BUILD_DIR)")
    with tempfile.TemporaryDirectory() as work:
        for name in (["mr", "ag_news"] if args.dataset == "all" else [args.dataset]):
            out = os.path.join(work, name)
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "classification_splits.py"),
                            name, out], check=True)
            nfolds = 10 if name == "mr" else 5
            if args.folds:
                nfolds = min(nfolds, args.folds)
            splits = [("seeded 90/10 split", [out])] if name == "mr" else []
            splits.append((f"{'10' if name == 'mr' else '5'}-fold cross-validation",
                           [os.path.join(out, f"fold{f}") for f in range(nfolds)]))
            evaluate(name, splits, args, work, tessera)


if __name__ == "__main__":
    main()
