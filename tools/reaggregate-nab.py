#!/usr/bin/env python3
"""Re-aggregates the shared NAB series to steps the sample traces do not use, as a check beyond the development data.

Writes `timestamp,series,value` files for forecast-eval: tweets and NYC taxi at 30 minutes, tweets and AWS CloudWatch
at 5 minutes. Each value is the sum of the rows whose timestamp floors to the step; empty steps are explicit zeros and
the partial first and last steps are dropped, as tools/convert-shared-traces.py does for hours. Run from the repository
root:
    python3 tools/reaggregate-nab.py ../shared/data /tmp/nab-steps
then, for example:
    dotnet run -c Release --project src/PredictiveSharding.Cli -- forecast-eval --input /tmp/nab-steps/taxi_30min.csv --season 48 --horizon 24
(seasons and horizons used in the README: 30 minutes 48 / 24, 5 minutes 288 / 12).
"""
import csv
import datetime as dt
import glob
import os
import sys
from collections import defaultdict


def steps(path, minutes):
    sums = defaultdict(float)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            t = dt.datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S")
            t = t.replace(minute=(t.minute // minutes) * minutes, second=0)
            sums[t] += float(row["value"])
    step = dt.timedelta(minutes=minutes)
    t, last = min(sums) + step, max(sums) - step
    while t <= last:
        yield t, sums.get(t, 0.0)
        t += step


def write(path, files, minutes):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["timestamp", "series", "value"])
        for source in sorted(files):
            name = os.path.splitext(os.path.basename(source))[0]
            for t, v in steps(source, minutes):
                w.writerow([t.strftime("%Y-%m-%dT%H:%M:%SZ"), name, v])


def main(shared, out):
    nab = os.path.join(shared, "nab")
    os.makedirs(out, exist_ok=True)
    tweets = glob.glob(os.path.join(nab, "realTweets", "*.csv"))
    write(os.path.join(out, "tweets_30min.csv"), tweets, 30)
    write(os.path.join(out, "tweets_5min.csv"), tweets, 5)
    write(os.path.join(out, "taxi_30min.csv"), [os.path.join(nab, "realKnownCause", "nyc_taxi.csv")], 30)
    write(os.path.join(out, "aws_5min.csv"), glob.glob(os.path.join(nab, "realAWSCloudwatch", "*.csv")), 5)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: reaggregate-nab.py SHARED_DATA_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
