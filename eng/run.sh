#!/usr/bin/env bash
# The main job on the embedded default: builds the stepwise CLI and simulates a realistic fleet
# (100,000 nodes, 3 dependent services, every fault profile) running the six-step
# expand / prepare / activate / backfill / release / contract plan through the decision core,
# with the independent invariant checker watching every event. Extra arguments go to
# `stepwise simulate` (e.g. --nodes 1000 --seed 7 --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
# The simulation needs only the .NET SDK (no database, no browser).
if ! command -v dotnet >/dev/null 2>&1; then
  echo "run: the .NET 10 SDK is required (dotnet was not found on PATH); install it, then run this again." >&2
  exit 2
fi
dotnet build src/Stepwise.Cli -c Release -nologo -v:q
exec dotnet src/Stepwise.Cli/bin/Release/net10.0/stepwise.dll simulate --nodes 100000 --services 3 --seed 1 --faults all "$@"
