#!/usr/bin/env python3
"""Seeded splits of the classification data sets into fastText-format files.

  classification_splits.py mr OUT [--seed 1]        MR: OUT/train.txt, OUT/test.txt (90/10),
                                                    OUT/fold{0..9}/{train,test}.txt (10-fold), and
                                                    OUT/dev/{train,test}.txt (90/10 of train.txt:
                                                    the split defaults are tuned on)
  classification_splits.py ag_news OUT [--seed 1]   AG News' 7,600 test rows: OUT/fold{0..4}/...
                                                    (5-fold), OUT/dev/{train,test}.txt (a 90/10
                                                    split of fold0's train)
  classification_splits.py xc TRAIN OUT [--seed 1]  an XC-format training file (N D L header):
                                                    OUT/dev/{train,test}.txt, 80/20 of its points

Texts are whitespace-normalized onto one line; labels are written as __label__<name>. Each file
is in a seeded random order: fastText trains in file order, and a file of all negatives then all
positives would cripple it.
Standard library only, so it runs under any python3.
"""
import argparse
import csv
import os
import random

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                      "classification")


def one_line(text):
    return " ".join(text.split())


def read_mr(root):
    rows = []
    for name, label in (("rt-polarity.neg", "neg"), ("rt-polarity.pos", "pos")):
        with open(os.path.join(root, "mr_sentence_polarity", name), encoding="utf-8") as f:
            rows.extend((label, one_line(line)) for line in f if line.strip())
    return rows


def read_ag_news(root):
    folder = os.path.join(root, "ag_news")
    with open(os.path.join(folder, "classes.txt"), encoding="utf-8") as f:
        names = [line.strip().replace("/", "_") for line in f if line.strip()]
    rows = []
    with open(os.path.join(folder, "test.csv"), encoding="utf-8", newline="") as f:
        for cls, title, description in csv.reader(f):
            text = (title + " " + description).replace("\\n", " ")
            rows.append((names[int(cls) - 1], one_line(text)))
    return rows


def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for label, text in rows:
            f.write(f"__label__{label} {text}\n")


def holdout(rows, fraction, rng):
    order = list(range(len(rows)))
    rng.shuffle(order)
    cut = int(round(len(rows) * (1 - fraction)))
    return [rows[i] for i in order[:cut]], [rows[i] for i in order[cut:]]


def folds(rows, k, rng):
    order = list(range(len(rows)))
    rng.shuffle(order)
    for f in range(k):
        test = set(order[f::k])
        yield ([rows[i] for i in order if i not in test], [rows[i] for i in order if i in test])


def split_xc(path, out, rng):
    with open(path, encoding="utf-8") as f:
        header = f.readline().split()
        points = [line for line in f if line.strip()]
    train, test = holdout(points, 0.2, rng)
    for name, part in (("train.txt", train), ("test.txt", test)):
        os.makedirs(os.path.join(out, "dev"), exist_ok=True)
        with open(os.path.join(out, "dev", name), "w", encoding="utf-8") as f:
            f.write(f"{len(part)} {header[1]} {header[2]}\n")
            f.writelines(part)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["mr", "ag_news", "xc"])
    parser.add_argument("paths", nargs="+", metavar="[TRAIN] OUT")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=SHARED, help="the shared classification folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if len(args.paths) != (2 if args.dataset == "xc" else 1):
        parser.error("xc takes TRAIN OUT, the others OUT")
    args.out = args.paths[-1]
    if args.dataset == "xc":
        split_xc(args.paths[0], args.out, rng)
        return
    if args.dataset == "mr":
        rows = read_mr(args.data)
        train, test = holdout(rows, 0.1, rng)
        write(os.path.join(args.out, "train.txt"), train)
        write(os.path.join(args.out, "test.txt"), test)
        dev_train, dev_test = holdout(train, 0.1, rng)
        nfolds = 10
    else:
        rows = read_ag_news(args.data)
        nfolds = 5
    for f, (train_f, test_f) in enumerate(folds(rows, nfolds, random.Random(args.seed + 1))):
        write(os.path.join(args.out, f"fold{f}", "train.txt"), train_f)
        write(os.path.join(args.out, f"fold{f}", "test.txt"), test_f)
        if args.dataset == "ag_news" and f == 0:
            dev_train, dev_test = holdout(train_f, 0.1, rng)
    write(os.path.join(args.out, "dev", "train.txt"), dev_train)
    write(os.path.join(args.out, "dev", "test.txt"), dev_test)


if __name__ == "__main__":
    main()
