#!/usr/bin/env bash
# Brings every library's PublicAPI.Unshipped.txt up to date with its code: adds new public symbols (RS0016) and drops
# removed ones (RS0017). Run after merging branches that changed public API, then review the diff of PublicAPI.*.txt.
# One project at a time, in dependency order: dotnet format fixes a project only when the projects it references
# build cleanly, so a single solution-wide pass can leave later projects untouched.
#   bash build/update-public-api.sh            (about 30-60 s per project)
# If a project had symbols both added and removed, a second run may be needed (the build names any left: RS0016/RS0017).
set -euo pipefail
cd "$(dirname "$0")/.."
for project in \
  src/PredictiveSharding.Core src/PredictiveSharding.Traces src/PredictiveSharding.Forecasting \
  src/PredictiveSharding.Forecasting.FastTree src/PredictiveSharding.Planning src/PredictiveSharding.Planning.OrTools \
  src/PredictiveSharding.Execution src/PredictiveSharding.Storage.RocksDb src/PredictiveSharding.Hosting \
  src/PredictiveSharding.Redis src/PredictiveSharding.Simulation tests/PredictiveSharding.TestKit; do
  echo "== $project"
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity warn --verbosity quiet
done
git status --short -- '*PublicAPI.*.txt'
