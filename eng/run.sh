#!/usr/bin/env bash
# The main job on the embedded default: `stepwise demo --non-interactive` starts a real
# stepwise server on a temporary SQLite file, six agents running the orders sample on loopback
# ports over a real SQLite database, and walks the story (a safe release with its rollback
# rehearsal, a stale node quarantined, N+2 refused, a breaking contract refused, expand ->
# code -> contract, a bad canary rolled back by itself), ending with a summary table.
# Extra arguments go to `stepwise demo`. For the 100,000-node simulation instead:
#   dotnet src/Stepwise.Cli/bin/Release/net10.0/stepwise.dll simulate --nodes 100000 --services 3 --seed 1 --faults all
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo needs only the .NET SDK: its databases are SQLite files.
if ! command -v dotnet >/dev/null 2>&1; then
  echo "run: the .NET 10 SDK is required (dotnet was not found on PATH); install it, then run this again." >&2
  exit 2
fi
dotnet build Stepwise.slnx -c Release -nologo -v:q
exec dotnet src/Stepwise.Cli/bin/Release/net10.0/stepwise.dll demo --non-interactive "$@"
