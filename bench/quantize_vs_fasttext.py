#!/usr/bin/python3
"""Small models side by side: `tessera quantize` against `fasttext quantize`, on the seeded splits
of bench/classification_splits.py (MR's 90/10 split, AG News' first folds).

For each split both tools train (tessera with its defaults, fastText with the best settings of
bench/classify_vs_fasttext.py), then keep CUTOFF rows and store the rest small: tessera
`quantize --cutoff C --int8 --input train.txt [--retrain]` (the rows of most use: their effect on
the label scores times the training texts that hold them; trained again on the texts cut to them
with --retrain; int8 codes), fastText `quantize -cutoff C -qnorm -retrain` (product quantization,
retrained with the same settings). Printed: file size and accuracy (P@1 on test.txt) before and
after, per tool and cutoff.

Usage: bench/quantize_vs_fasttext.py [mr|ag_news|all] [--cutoffs 10000,50000] [--folds 1]
Needs: apt-get install fasttext; a Release build in BUILD_DIR (default build/).
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEST_FASTTEXT = {"mr": "-epoch 25 -lr 0.1 -wordNgrams 2 -bucket 200000",
                 "ag_news": "-epoch 25 -lr 0.5 -wordNgrams 2"}


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def accuracy(test, predicted_lines):
    with open(test, encoding="utf-8") as f:
        gold = [line.split(" ", 1)[0] for line in f]
    return sum(1 for g, p in zip(gold, predicted_lines) if p.split(" ")[0] == g) / len(gold)


def tessera_rows(tessera, split, work, cutoffs, threads):
    train, test = split + "/train.txt", split + "/test.txt"
    model = os.path.join(work, "t.safetensors")
    run([tessera, "train", "--task", "classify", "--input", train, "--out", model, "--quiet",
         "--threads", str(threads)])
    def scored(path):
        out = run([tessera, "predict", "--model", path, "--input", test, "--threads", str(threads)])
        return os.path.getsize(path), accuracy(test, out.splitlines())
    rows = [("tessera", "full", *scored(model))]
    for cutoff in cutoffs:
        for retrain in ([], ["--retrain"]):
            small = os.path.join(work, "t.small")
            run([tessera, "quantize", "--model", model, "--out", small, "--cutoff", str(cutoff),
                 "--int8", "--input", train, "--threads", str(threads)] + retrain)
            rows.append(("tessera", " ".join([f"--cutoff {cutoff} --int8"] + retrain),
                         *scored(small)))
    return rows


def fasttext_rows(settings, split, work, cutoffs, threads):
    train, test = split + "/train.txt", split + "/test.txt"
    model = os.path.join(work, "ft")
    common = ["-thread", str(threads), "-verbose", "0"] + settings.split()
    run(["fasttext", "supervised", "-input", train, "-output", model] + common)
    def scored(path):
        out = run(["fasttext", "predict", path, test])
        return os.path.getsize(path), accuracy(test, out.splitlines())
    rows = [("fastText", "full", *scored(model + ".bin"))]
    for cutoff in cutoffs:
        run(["fasttext", "quantize", "-input", train, "-output", model, "-cutoff", str(cutoff),
             "-qnorm", "-retrain"] + common)
        rows.append(("fastText", f"-cutoff {cutoff} -qnorm -retrain", *scored(model + ".ftz")))
        os.remove(model + ".ftz")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default="all", choices=["mr", "ag_news", "all"])
    parser.add_argument("--cutoffs", default="10000,50000")
    parser.add_argument("--folds", type=int, default=1, help="AG News folds to run")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    cutoffs = [int(c) for c in args.cutoffs.split(",")]
    tessera = os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")), "tessera")
    if not os.access(tessera, os.X_OK):
        sys.exit(f"{tessera} not found: build first (or set BUILD_DIR)")
    with tempfile.TemporaryDirectory() as work:
        for name in (["mr", "ag_news"] if args.dataset == "all" else [args.dataset]):
            out = os.path.join(work, name)
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "classification_splits.py"),
                            name, out], check=True, capture_output=True)
            splits = ([("90/10 split", out)] if name == "mr" else
                      [(f"fold {f}", os.path.join(out, f"fold{f}")) for f in range(args.folds)])
            for label, split in splits:
                print(f"\n{name}, {label}\n| tool | model | size | accuracy |\n|---|---|---|---|")
                rows = tessera_rows(tessera, split, work, cutoffs, args.threads)
                rows += fasttext_rows(BEST_FASTTEXT[name], split, work, cutoffs, args.threads)
                for tool, what, size, acc in rows:
                    print(f"| {tool} | {what} | {size / 1e6:.2f} MB | {acc:.4f} |", flush=True)


if __name__ == "__main__":
    main()
