#!/usr/bin/env python3
"""The backup benchmark's data set, deterministic (seeded): a home-directory-like tree.

  dataset.py make   ROOT FILES BYTES   FILES files in folders of 100, BYTES in all (sizes spread
                                       like a lab's homes: many small files, a few large ones)
  dataset.py change ROOT PERCENT ROUND SALT
                                       rewrites PERCENT % of the files (new bytes, same size, a
                                       new time), a different set each ROUND; SALT (e.g. the
                                       time) makes a kept data set change anew in every run
Random bytes, so that neither tool's compression or deduplication flatters it.
"""
import os, random, sys

def sizes(files, total, rng):
    # Pareto-like weights: the median file is small, the largest hold much of the bytes.
    w = [rng.paretovariate(1.2) for _ in range(files)]
    scale = total / sum(w)
    s = [max(1, int(x * scale)) for x in w]
    s[0] += total - sum(s)  # exactly `total` bytes
    return s

def path(root, i):
    return os.path.join(root, f"user{i // 10_000:02d}", f"d{i // 100:04d}", f"f{i:06d}.bin")

def make(root, files, total):
    rng = random.Random(20261203)
    for i, n in enumerate(sizes(files, total, rng)):
        p = path(root, i)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            while n > 0:
                chunk = min(n, 1 << 20)
                f.write(rng.randbytes(chunk))
                n -= chunk
        if i % 10_000 == 0:
            print(f"  {i:,} of {files:,} files", file=sys.stderr, flush=True)

def change(root, percent, rnd, salt):
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
    rng = random.Random(f"{salt}-{rnd}")
    chosen = rng.sample(files, max(1, len(files) * percent // 100))
    for p in chosen:
        n = os.path.getsize(p)
        with open(p, "r+b") as f:
            f.write(rng.randbytes(min(n, 1 << 20)))
        t = salt + rnd
        os.utime(p, (t, t))
    print(len(chosen))

if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "change":
        change(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
