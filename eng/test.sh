#!/usr/bin/env bash
# Runs every Stepwise test on a fresh Debian machine: installs and starts what the tests
# need (eng/setup.sh), builds the solution, runs all test projects, and ends with one
# "N passed, N failed" line summed over the projects.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source eng/setup.sh || exit $?

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build Stepwise.slnx -c Release -nologo -v:q 2>&1 | tee -a "$log" | grep -E "error|Warn|Elapsed" 
build_status=${PIPESTATUS[0]}
if [[ $build_status -ne 0 ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test Stepwise.slnx -c Release --no-build -nologo 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}

# Sum the per-project summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, ...").
read -r passed failed skipped < <(grep -E '^(Passed|Failed)! +- +Failed:' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
if [[ $test_status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[[ $test_status -eq 0 && $failed -eq 0 ]]
