#!/usr/bin/env bash
# Whole-process wall time of the CLI as CI runs it, in one run: the .NET tool's build (JIT) and the native build
# (dotnet publish -p:StepwiseNative=true) side by side, beside squawk for lint-sql. Prints a Markdown table with ratios.
# Usage: bench/cli/startup.sh [runs]   Needs eng/peers.sh's corpora and squawk, GNU time, and clang (eng/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-11}
peers=${STEPWISE_PEERS:-$HOME/.cache/stepwise-peers}
bash "$root/eng/peers.sh" "$peers" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=../lib/measure.sh
source "$root/bench/lib/measure.sh"

rid=$(dotnet --info | awk '/RID:/ { print $2; exit }')
dotnet publish "$root/src/Stepwise.Cli" -c Release -o "$work/jit" -nologo -v:q >/dev/null
dotnet publish "$root/src/Stepwise.Cli" -c Release -r "$rid" -p:StepwiseNative=true -o "$work/native" -nologo -v:q >/dev/null
jit=("$work/jit/stepwise")
native=("$work/native/stepwise")
squawk=${STEPWISE_SQUAWK:-$(find "$peers/squawk" -name squawk -type f -not -path '*/js/*' | head -n1)}

# 10,000 statements: the lint corpus's single-statement migrations, repeated (as bench/Stepwise.Benchmarks does).
for f in $(find "$root/test/Stepwise.Data.Tests/Corpus/sql" -name '*.sql' | LC_ALL=C sort); do
  grep -q BEGIN "$f" || sed -e 's/[[:space:]]*$//' -e '/^$/d' "$f"
done >"$work/statements"
awk 'NR == FNR { s[n++] = $0; next } END { for (i = 0; i < 10000; i++) print s[i % n] }' "$work/statements" /dev/null >"$work/10k.sql"

gh=$peers/octokit
old=$gh/22.0.0/package/generated/api.github.com.json
new=$gh/23.0.0/package/generated/api.github.com.json

row() { # label baseline_median command...
  local label=$1 base=$2
  shift 2
  read -r med best rss code < <(measure "$@")
  printf '| %s | %s | %s | %s | %d | %s |\n' "$label" "$code" "$med" "$best" $((rss / 1024)) \
    "$(awk -v m="$med" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", m / b; else print "1.00" }')"
  last=$med
}

echo "runs: $runs; $(nproc) cores; $(uname -sr)"
printf '| command | exit | median wall (s) | best wall (s) | peak RSS (MiB) | ratio |\n|---|---|---|---|---|---|\n'
row "stepwise --version, native (baseline)" 0 "${native[@]}" --version; base=$last
row "stepwise --version, .NET tool" "$base" "${jit[@]}" --version
row "squawk 10k statements (baseline)" 0 "$squawk" --reporter gcc "$work/10k.sql"; base=$last
row "stepwise lint-sql 10k --format json, native" "$base" "${native[@]}" lint-sql "$work/10k.sql" --format json
row "stepwise lint-sql 10k --format json, .NET tool" "$base" "${jit[@]}" lint-sql "$work/10k.sql" --format json
row "stepwise compat GitHub 22.0.0 → 23.0.0, native (baseline)" 0 "${native[@]}" compat "$old" "$new" --format json; base=$last
row "stepwise compat GitHub 22.0.0 → 23.0.0, .NET tool" "$base" "${jit[@]}" compat "$old" "$new" --format json
