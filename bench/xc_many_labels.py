#!/usr/bin/python3
"""Classification over many labels: tessera's losses side by side on a seeded synthetic data set
in the XC format, sized so that scoring every label each step (softmax, ova) is what costs.

Each label has a few signature features; a point carries one to three labels (drawn by a Zipf
law, as tags are) and some of each label's signature features, plus noise features. Printed per
loss: training seconds, P@1 and P@5 on held-out points.

Usage: bench/xc_many_labels.py [--labels 50000] [--points 100000] [--epochs 3]
                               [--losses softmax,ns,infonce] [--threads 2] [-- TRAIN OPTIONS...]
Needs a Release build of tessera in BUILD_DIR (default build/). Standard library only.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_points(path, rng, count, labels, signatures, features, zipf_cdf):
    with open(path, "w") as f:
        f.write(f"{count} {features} {labels}\n")
        for _ in range(count):
            tags = set()
            for _ in range(rng.choice((1, 1, 2, 3))):
                tags.add(min(labels - 1, bisect(zipf_cdf, rng.random())))
            ids = set()
            for tag in tags:
                ids.update(rng.sample(signatures[tag], 3))
            ids.update(rng.randrange(features) for _ in range(4))
            pairs = " ".join(f"{i}:1" for i in sorted(ids))
            f.write(",".join(str(t) for t in sorted(tags)) + " " + pairs + "\n")


def bisect(cdf, x):
    lo, hi = 0, len(cdf)
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=50000)
    parser.add_argument("--points", type=int, default=100000)
    parser.add_argument("--features", type=int, default=100000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--losses", default="softmax,ns,infonce")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("train_options", nargs="*")
    args = parser.parse_args()
    tessera = os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")), "tessera")
    if not os.access(tessera, os.X_OK):
        sys.exit(f"{tessera} not found: build first (or set BUILD_DIR)")
    rng = random.Random(args.seed)
    signatures = [rng.sample(range(args.features), 5) for _ in range(args.labels)]
    weights = [1.0 / (r + 1) ** 0.6 for r in range(args.labels)]
    total, zipf_cdf = sum(weights), []
    running = 0.0
    for w in weights:
        running += w / total
        zipf_cdf.append(running)
    with tempfile.TemporaryDirectory() as work:
        train, test = os.path.join(work, "train.txt"), os.path.join(work, "test.txt")
        write_points(train, rng, args.points, args.labels, signatures, args.features, zipf_cdf)
        write_points(test, rng, args.points // 10, args.labels, signatures, args.features,
                     zipf_cdf)
        print(f"{args.labels} labels, {args.points} training points, {args.epochs} epochs, "
              f"{args.threads} threads")
        print("| loss | training s | P@1 | P@5 |\n|---|---|---|---|")
        for loss in args.losses.split(","):
            model = os.path.join(work, f"{loss}.safetensors")
            trained = subprocess.run(
                [tessera, "train", "--task", "classify", "--format", "xc", "--input", train,
                 "--loss", loss, "--epochs", str(args.epochs), "--threads", str(args.threads),
                 "--quiet", "--out", model] + args.train_options,
                check=True, capture_output=True, text=True).stderr
            seconds = float(re.search(r"training ([0-9.]+)s", trained).group(1))
            scored = subprocess.run(
                [tessera, "test", "--model", model, "--format", "xc", "--input", test,
                 "--threads", str(args.threads)], check=True, capture_output=True, text=True).stdout
            metrics = dict(line.split("\t") for line in scored.splitlines() if "\t" in line)
            print(f"| {loss} | {seconds:.1f} | {float(metrics['P@1']):.4f} | "
                  f"{float(metrics['P@5']):.4f} |", flush=True)


if __name__ == "__main__":
    main()
