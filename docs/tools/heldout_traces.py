#!/usr/bin/env python3
"""Builds the simulation's held-out traces from the shipped samples (samples/traces), as docs/measurements.md describes.

  heldout_traces.py OUTDIR

Writes, in OUTDIR:
  az07.csv, az8f.csv   the Azure Functions trace split on the first hex character of the function's hash (the key's
                       character after "fn-"): 0-7 (it holds the dominant function) and 8-f;
  wodd.csv, weven.csv  the Wikipedia articles by their 0-based index in order of first appearance: the odd ones, and
                       the even ones from 2020-01-01 on.
Run from the repository root.
"""
import os
import sys


def main(out):
    os.makedirs(out, exist_ok=True)
    with open('samples/traces/azure_functions_minute.csv') as f, \
            open(os.path.join(out, 'az07.csv'), 'w') as low, open(os.path.join(out, 'az8f.csv'), 'w') as high:
        header = f.readline()
        low.write(header)
        high.write(header)
        for line in f:
            key = line.split(',')[1]
            (low if key[3] in '01234567' else high).write(line)

    order = {}
    with open('samples/traces/wikipedia_daily.csv') as f, \
            open(os.path.join(out, 'wodd.csv'), 'w') as odd, open(os.path.join(out, 'weven.csv'), 'w') as even:
        header = f.readline()
        odd.write(header)
        even.write(header)
        for line in f:
            parts = line.rstrip('\n').split(',')
            timestamp, article = parts[0], ','.join(parts[1:-1])  # article titles may hold commas
            index = order.setdefault(article, len(order))
            if index % 2 == 1:
                odd.write(line)
            elif timestamp >= '2020-01-01':
                even.write(line)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
