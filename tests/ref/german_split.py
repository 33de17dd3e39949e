#!/usr/bin/python3
"""The row order of German credit's split SEED as ../shared/bench/german_ref.py makes it (python's
random.Random(SEED).shuffle of the 1,000 row numbers; the first 700 train, the rest test), one row
number a line, for tests/test_auto.c's end-to-end test on that split.

    tests/ref/german_split.py 1 > tests/golden/german_split_1.txt
"""
import random, sys

seed = int(sys.argv[1])
idx = list(range(1000))
random.Random(seed).shuffle(idx)
print("\n".join(str(i) for i in idx))
