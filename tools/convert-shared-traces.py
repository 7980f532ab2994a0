#!/usr/bin/env python3
"""Converts the shared real traces (../shared/data) into the long CSV formats psharding reads.

Output (samples/traces/): `timestamp,series,value` files for forecast-eval and `timestamp,key,count` files for
simulate. Both are three columns, ISO-8601 UTC timestamps. NAB series are summed into hourly buckets (their
timestamps drift by seconds; flooring to the hour absorbs that). Run from the repository root:
    python3 tools/convert-shared-traces.py ../shared/data samples/traces
"""
import csv
import datetime as dt
import os
import sys
from collections import defaultdict


def hourly(path):
    sums = defaultdict(float)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            t = dt.datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S").replace(minute=0, second=0)
            sums[t] += float(row["value"])
    # The first and last hours are partial (the series start and end mid-hour): drop them.
    first, last = min(sums) + dt.timedelta(hours=1), max(sums) - dt.timedelta(hours=1)
    t = first
    while t <= last:  # explicit zeros for empty hours keep the series gap-free
        yield t, sums.get(t, 0.0)
        t += dt.timedelta(hours=1)


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def num(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


def main(src, out):
    os.makedirs(out, exist_ok=True)
    groups = {
        "nab_tweets_hourly.csv": [("realTweets", n) for n in sorted(os.listdir(os.path.join(src, "nab", "realTweets")))],
        "nab_aws_hourly.csv": [("realAWSCloudwatch", n) for n in sorted(os.listdir(os.path.join(src, "nab", "realAWSCloudwatch")))],
        "nyc_taxi_hourly.csv": [("realKnownCause", "nyc_taxi.csv")],
    }
    for name, files in groups.items():
        rows = []
        for folder, file in files:
            series = file[:-4]
            rows += [(iso(t), series, num(v)) for t, v in hourly(os.path.join(src, "nab", folder, file))]
        write(os.path.join(out, name), ["timestamp", "series", "value"], rows)

    rows = []
    with open(os.path.join(src, "wikipedia_daily", "wikipedia_50_pages_daily_2018_2022.csv"), newline="") as f:
        for row in csv.DictReader(f):
            rows.append((row["date"] + "T00:00:00Z", row["page"], num(float(row["views"]))))
    write(os.path.join(out, "wikipedia_daily.csv"), ["timestamp", "series", "value"], rows)

    # Azure Functions: minutes 480..959 of one day; the trace gives no date, so day 1 of July 2019 stands in.
    day = dt.datetime(2019, 7, 1)
    rows = []
    with open(os.path.join(src, "azure_functions_2019_sample", "invocations_500fn_minutes480-959.csv"), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        minutes = [int(m) for m in header[4:]]
        for rec in reader:
            key = "fn-" + rec[2][:12]
            for minute, count in zip(minutes, rec[4:]):
                if count and int(count) > 0:
                    rows.append((minute, key, int(count)))
    rows.sort()
    write(os.path.join(out, "azure_functions_minute.csv"), ["timestamp", "key", "count"],
          [(iso(day + dt.timedelta(minutes=m)), k, c) for m, k, c in rows])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
