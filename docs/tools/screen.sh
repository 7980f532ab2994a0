#!/usr/bin/env bash
# The simulation screen of docs/measurements.md: 25 screen rows, the 29 synthetic draws of sessions 29-36 and the
# fifth batch (62 rows), each `psharding simulate ROW-ARGS EXTRA-ARGS --strategies S --json`, then a verdict per row
# (predictive no worse than the best reactive, closing at least half its gap to the oracle, within 2 x its bytes).
#
#   docs/tools/screen.sh OUTDIR [EXTRA-ARGS...]
#
# Run from the repository root after `dotnet build PredictiveSharding.sln -c Release`. Environment:
#   CLI         the psharding executable (default: the Release build's)
#   TRACES      where the held-out and synthetic traces are written once (default /tmp/psharding-traces; ~3 GB)
#   STRATEGIES  default reactive,predictive,oracle
#   ROWS        an extended regular expression matching whole row names, e.g. "emb.*|rh1[38]" (default: every row)
#   PARALLEL    runs at once (default 2)
# A row whose OUTDIR/ROW.json exists is not run again. Traces take about 20 minutes to write, the 62 rows about an hour
# on two cores.
set -euo pipefail
out=${1:?usage: docs/tools/screen.sh OUTDIR [EXTRA-ARGS...]}
shift
extra="$*"
cli=${CLI:-$PWD/src/PredictiveSharding.Cli/bin/Release/net10.0/psharding}
traces=${TRACES:-/tmp/psharding-traces}
strategies=${STRATEGIES:-reactive,predictive,oracle}
filter=${ROWS:-.*}
gen=docs/tools/synthetic_traces.py
mkdir -p "$out" "$traces"
[ -f "$traces/wodd.csv" ] || python3 docs/tools/heldout_traces.py "$traces"

# name|generator arguments (synthetic rows only)|simulate arguments
rows() {
  local m=samples/traces t=$traces
  cat <<ROWS
emb||
emb_s3||--seed 3
emb_s5||--seed 5
emb_s7||--seed 7
emb_s11||--seed 11
emb_s13||--seed 13
kf8||--key-fanout 8
nodes16||--nodes 16
step300||--step-seconds 300
az1||--trace $m/azure_functions_minute.csv
az07_1||--trace $t/az07.csv
az07_16||--trace $t/az07.csv --key-fanout 16
az8f_1||--trace $t/az8f.csv
az8f_16||--trace $t/az8f.csv --key-fanout 16
wiki1||--trace $m/wikipedia_daily.csv
wiki8||--trace $m/wikipedia_daily.csv --key-fanout 8
wiki16||--trace $m/wikipedia_daily.csv --key-fanout 16
wodd1||--trace $t/wodd.csv
wodd16||--trace $t/wodd.csv --key-fanout 16
weven1||--trace $t/weven.csv
weven16||--trace $t/weven.csv --key-fanout 16
k3000|zipf-periodic 3000 1500 1 5|--trace $t/k3000.csv
r_min|random-bursts 1500 1440 1 0.9 11|--trace $t/r_min.csv
r_hour|random-bursts 1000 1000 60 0.9 12|--trace $t/r_hour.csv
z_hour|zipf-periodic 2000 3000 60 6|--trace $t/z_hour.csv
ROWS
  for s in 13 14 15 16 17 18 19 20 21 22 23 41 42 43; do echo "rh$s|random-bursts 1000 1000 60 0.9 $s|--trace $t/rh$s.csv"; done
  for s in 13 14 15 16 17 18 19 20 21 22 23 41 42 43; do echo "rm$s|random-bursts 1500 1440 1 0.9 $s|--trace $t/rm$s.csv"; done
  for s in 7 9 11 12 13 14 15; do echo "zm$s|zipf-periodic 3000 1500 1 $s|--trace $t/zm$s.csv"; done
  for s in 8 10; do echo "zh$s|zipf-periodic 2000 3000 60 $s|--trace $t/zh$s.csv"; done
}

rows | grep -E "^($filter)\|" | while IFS='|' read -r name spec args; do
  if [ -n "$spec" ] && [ ! -f "$traces/$name.csv" ]; then
    set -- $spec
    kind=$1; shift
    python3 "$gen" "$kind" "$traces/$name.csv.tmp" "$@" && mv "$traces/$name.csv.tmp" "$traces/$name.csv"
  fi
  [ -s "$out/$name.json" ] || echo "$name|$args"
done | xargs -P "${PARALLEL:-2}" -I{} bash -c 'row="{}"; name=${row%%|*}; args=${row#*|}; "$0" simulate $args $1 --strategies "$2" --json > "$3/$name.json.tmp" 2> "$3/$name.err" && mv "$3/$name.json.tmp" "$3/$name.json"' "$cli" "$extra" "$strategies" "$out"

python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
passed = total = 0
for name in sorted(f[:-5] for f in os.listdir(out) if f.endswith('.json')):
    s = {x['name']: x for x in json.load(open(os.path.join(out, name + '.json')))['strategies']}
    if not {'reactive', 'predictive', 'oracle'} <= s.keys():
        print(f'{name:9} predictive {s["predictive"]["overloadNodeMinutes"]:g}' if 'predictive' in s else name)
        continue
    r, p, o = (s[k]['overloadNodeMinutes'] for k in ('reactive', 'predictive', 'oracle'))
    ratio = s['predictive']['bytesMoved'] / max(1, s['reactive']['bytesMoved'])
    ok = p <= r and (r - p) >= 0.5 * (r - o) - 1e-9 and ratio <= 2
    passed += ok
    total += 1
    print(f'{name:9} reactive {r:8g} predictive {p:8g} oracle {o:8g} bytes {ratio:5.2f} x {"pass" if ok else "FAIL"}')
print(f'{passed} of {total} rows pass')
PY
