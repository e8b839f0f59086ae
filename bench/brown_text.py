#!/usr/bin/python3
"""The Brown corpus (NLTK's brown.zip, word/TAG tokens) as plain text for word-vector peers: one
line per corpus line, lowercased, tags dropped, and tokens without a letter or digit (punctuation)
dropped. Usage: bench/brown_text.py ../shared/data/words/brown/brown.zip OUT.txt"""
import re
import sys
import zipfile


def main():
    archive, out_path = sys.argv[1], sys.argv[2]
    tokens = 0
    with zipfile.ZipFile(archive) as z, open(out_path, "w") as out:
        for name in sorted(z.namelist()):
            if not re.fullmatch(r"brown/c[a-r]\d\d", name):
                continue
            for line in z.read(name).decode("latin-1").splitlines():
                words = [tok.rpartition("/")[0].lower() for tok in line.split()]
                words = [w for w in words if re.search(r"[a-z0-9]", w)]
                if words:
                    out.write(" ".join(words) + "\n")
                    tokens += len(words)
    print(f"{tokens} tokens", file=sys.stderr)


if __name__ == "__main__":
    main()
