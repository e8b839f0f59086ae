#!/usr/bin/python3
"""Zero-shot labels on Mulan's multi-label text sets (bibtex, delicious): a seeded 20% of the
labels is held out of training entirely (no training point carries them; points left without a
label are dropped), tessera trains with --label-text (every label described by its tag name,
TAG_ cut and _ - . as spaces), and the test points that carry a held-out label are scored on
those labels only (with --holdout 0, every test point on all its labels), with P@1 and P@5:
  all      ranked among every label (the trained ones compete too)
  unseen   ranked among the held-out labels only (classic zero-shot)
beside a lexical baseline that scores each label by the share of its name's words the point
holds (ties: the more frequent training label first, then label order), and chance.

Usage: bench/xc_zero_shot.py DIR [--seed 0] [--holdout 0.2] [--dev] [-- TRAIN OPTIONS...]
e.g.   bench/xc_zero_shot.py ../shared/data/xc/bibtex/mulan_arff
--dev holds out a dev part of the training points (seeded, 20%) and scores it instead of the
test file: tune there, never on test. Needs a Release build of tessera in BUILD_DIR (build/).
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time


def read_labels(xml_path):
    with open(xml_path, encoding="utf-8") as f:
        return re.findall(r'<label name="([^"]*)"', f.read())


def read_arff(path, label_names):
    """Rows as (words, labels): the names of the set feature and label attributes."""
    attributes, rows, data = [], [], False
    labels = set(label_names)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("%"):
                continue
            if not data:
                low = line.lower()
                if low.startswith("@attribute"):
                    name = line.split(None, 2)[1].strip("'\"")
                    attributes.append(name)
                elif low.startswith("@data"):
                    data = True
                continue
            assert line[0] == "{", "sparse rows only"
            words, tags = [], []
            for pair in line[1:-1].split(","):
                if not pair.strip():
                    continue
                index, value = pair.split()
                if value.strip("'") != "1":
                    continue
                name = attributes[int(index)]
                (tags if name in labels else words).append(name)
            rows.append((words, tags))
    return rows


def words_of(text):
    return [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]


def description(label):
    return " ".join(words_of(re.sub(r"^TAG_", "", label))) or label


def precision(ranked_lists, golds, k):
    return sum(len(set(r[:k]) & g) / k for r, g in zip(ranked_lists, golds)) / len(golds)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--holdout", type=float, default=0.2)
    p.add_argument("--dev", action="store_true")
    args = p.parse_args(argv)
    name = os.path.basename(os.path.dirname(os.path.abspath(args.dir)))
    labels = read_labels(os.path.join(args.dir, f"{name}.xml"))
    train = read_arff(os.path.join(args.dir, f"{name}-train.arff"), labels)
    rng = random.Random(args.seed)
    if args.dev:
        rng.shuffle(train)
        cut = len(train) // 5
        test, train = train[:cut], train[cut:]
    else:
        test = read_arff(os.path.join(args.dir, f"{name}-test.arff"), labels)
    held = set(rng.sample(labels, round(args.holdout * len(labels))))
    build = os.environ.get("BUILD_DIR", "build")
    tessera = os.path.join(build, "tessera")

    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        train_path = os.path.join(tmp, "train.txt")
        kept = 0
        with open(train_path, "w") as f:
            for words, tags in train:
                tags = [t for t in tags if t not in held]
                if not tags or not words:
                    continue
                kept += 1
                for t in tags:
                    counts[t] = counts.get(t, 0) + 1
                f.write(" ".join("__label__" + t for t in tags) + " " + " ".join(words) + "\n")
        label_path = os.path.join(tmp, "labels.tsv")
        with open(label_path, "w") as f:
            for label in labels:
                f.write(f"{label}\t{description(label)}\n")
        # --holdout 0: every labeled test point on all its labels (labels from descriptions,
        # none held out).
        scored = ([(words, set(tags) & held) for words, tags in test if set(tags) & held] if held
                  else [(words, set(tags)) for words, tags in test if tags])
        test_path = os.path.join(tmp, "test.txt")
        with open(test_path, "w") as f:
            for words, _ in scored:
                f.write(" ".join(words) + "\n")
        model = os.path.join(tmp, "model.safetensors")
        start = time.time()
        subprocess.run([tessera, "train", "--task", "classify", "--input", train_path,
                        "--label-text", label_path, "--out", model, "--quiet"] + extra,
                       check=True, stderr=subprocess.DEVNULL)
        seconds = time.time() - start
        out = subprocess.run([tessera, "predict", "--model", model, "--input", test_path,
                              "--json", "-k", str(len(labels))], check=True,
                             capture_output=True, text=True).stdout
        ranked = [[p["label"] for p in json.loads(line)["labels"]] for line in out.splitlines()]

    golds = [g for _, g in scored]
    order = {label: i for i, label in enumerate(labels)}

    def lexical(words):
        present = set(w for word in words for w in words_of(word))
        def score(label):
            name_words = words_of(re.sub(r"^TAG_", "", label))
            share = sum(w in present for w in name_words) / max(1, len(name_words))
            return (-share, -counts.get(label, 0), order[label])
        return sorted(labels, key=score)

    lexical_ranked = [lexical(words) for words, _ in scored]
    print(f"{name}: {len(labels)} labels, {len(held)} held out (seed {args.seed}); "
          f"{kept} training points, {len(scored)} {'dev' if args.dev else 'test'} points with "
          f"a held-out label; tessera trained in {seconds:.1f} s with {extra}")
    print("method\tP@1 all\tP@5 all\tP@1 unseen\tP@5 unseen")
    for method, lists in (("tessera", ranked), ("lexical", lexical_ranked)):
        unseen = [[l for l in r if l in held] for r in lists]
        print(f"{method}\t{precision(lists, golds, 1):.3f}\t{precision(lists, golds, 5):.3f}"
              f"\t{precision(unseen, golds, 1):.3f}\t{precision(unseen, golds, 5):.3f}")
    mean_gold = sum(len(g) for g in golds) / len(golds)
    unseen_chance = mean_gold / len(held) if held else 0.0
    print(f"chance\t{mean_gold / len(labels):.3f}\t{mean_gold / len(labels):.3f}"
          f"\t{unseen_chance:.3f}\t{unseen_chance:.3f}")


if __name__ == "__main__":
    main()
