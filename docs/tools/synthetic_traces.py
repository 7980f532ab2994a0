#!/usr/bin/env python3
"""Synthetic bursty key traces (timestamp,key,count) for stress-testing `psharding simulate` at key fan-out 1.

Not real data: written to probe failure modes the shipped traces do not show (thousands of keys, one key near a
node's capacity, bursts on random keys). docs/measurements.md ("Synthetic bursty traces") reports the runs.

  zipf-periodic OUT KEYS STEPS STEP_MINUTES SEED
      keys in Zipf(1.1) order, a daily swing of +-50%, and every 300 steps one of the 50 hottest keys x6 for the
      cycle's last 100 steps (k3000_s1500: 3000 1500 1 5; z_hour: 2000 3000 60 6).
  random-bursts OUT KEYS STEPS STEP_MINUTES ZIPF SEED
      Zipf(ZIPF) weights shuffled over the key order, a per-key daily swing of 20-70% at a random phase, and bursts of
      x3-x12 lasting 10-90 minutes on random keys (half drawn heavy-tailed towards the first keys), about one every
      six hours of trace (r_min: 1500 1440 1 0.9 11; r_hour: 1000 1000 60 0.9 12).
"""
import datetime
import math
import random
import sys


def zipf_periodic(path, keys, steps, step_minutes, density=0.3):
    t0 = datetime.datetime(2024, 1, 1)
    w = [1 / (i + 1) ** 1.1 for i in range(keys)]
    tot = sum(w)
    with open(path, 'w') as f:
        f.write('timestamp,key,count\n')
        burst_key = random.randrange(keys)
        for t in range(steps):
            ts = (t0 + datetime.timedelta(minutes=t * step_minutes)).strftime('%Y-%m-%dT%H:%M:%SZ')
            day = 1 + 0.5 * math.sin(2 * math.pi * t * step_minutes / 1440)
            if t % 300 == 0:
                burst_key = random.randrange(50)
            for k in range(keys):
                lam = 200000 * w[k] / tot * day
                if k == burst_key and t % 300 > 200:
                    lam *= 6
                if lam < 1 and random.random() > density:
                    continue
                c = max(0, int(random.gauss(lam, math.sqrt(lam) + 1)))
                if c:
                    f.write('%s,key%05d,%d\n' % (ts, k, c))


def random_bursts(path, keys, steps, step_minutes, zipf):
    t0 = datetime.datetime(2024, 3, 1)
    w = [1 / (i + 1) ** zipf for i in range(keys)]
    random.shuffle(w)
    tot = sum(w)
    phase = [random.uniform(0, 2 * math.pi) for _ in range(keys)]
    amp = [random.uniform(0.2, 0.7) for _ in range(keys)]
    bursts = []
    t = 0
    while t < steps:
        t += int(random.expovariate(1 / (120 / step_minutes * 3))) + 1
        k = min(int(random.paretovariate(1.0)) - 1, keys - 1) if random.random() < 0.5 else random.randrange(keys)
        bursts.append((random.randrange(keys) if random.random() < 0.3 else k, t, max(1, int(random.uniform(10, 90) / step_minutes) + 1), random.uniform(3, 12)))
    with open(path, 'w') as f:
        f.write('timestamp,key,count\n')
        for t in range(steps):
            ts = (t0 + datetime.timedelta(minutes=t * step_minutes)).strftime('%Y-%m-%dT%H:%M:%SZ')
            factor = {}
            for (k, s, length, fa) in bursts:
                if s <= t < s + length:
                    factor[k] = factor.get(k, 1) * fa
            for k in range(keys):
                day = 1 + amp[k] * math.sin(2 * math.pi * t * step_minutes / 1440 + phase[k])
                lam = 100000 * step_minutes ** 0.5 * w[k] / tot * day * factor.get(k, 1)
                if lam > 20:
                    c = int(random.gauss(lam, math.sqrt(lam)))
                elif lam < 3:
                    c = sum(1 for _ in range(3) if random.random() < lam / 3)
                else:
                    c = int(random.expovariate(1 / lam))
                if c > 0:
                    f.write('%s,k%05d,%d\n' % (ts, k, c))


if __name__ == '__main__':
    kind = sys.argv[1]
    if kind == 'zipf-periodic':
        out, keys, steps, step_minutes, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        random.seed(seed)
        zipf_periodic(out, keys, steps, step_minutes)
    elif kind == 'random-bursts':
        out, keys, steps, step_minutes, zipf, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
        random.seed(seed)
        random_bursts(out, keys, steps, step_minutes, zipf)
    else:
        sys.exit('usage: see the docstring')
