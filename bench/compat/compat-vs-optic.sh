#!/usr/bin/env bash
# Wall time and peak memory of the published `stepwise compat` beside Optic's `optic diff` on the same pairs of
# GitHub REST API descriptions, in one run, with ratios. Usage: bench/compat/compat-vs-optic.sh [runs]
# Needs eng/peers.sh's corpora and tools (installed on first use) and GNU time (/usr/bin/time).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
peers=${STEPWISE_PEERS:-$HOME/.cache/stepwise-peers}
bash "$root/eng/peers.sh" "$peers" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish "$root/src/Stepwise.Cli" -c Release -o "$work/stepwise" -nologo -v:q >/dev/null
stepwise=$work/stepwise/stepwise
# Optic 1.0.9 as eng/peers.sh installs it stops at start-up ("Error compiling schema"): npm resolves two ajv
# copies (8.17.1 for ajv-errors, 8.20.0 nested under @stoplight/spectral-core) and ajv-errors' generated code
# mixes them. The same Optic with ajv deduplicated to one version (an npm override) starts and reads its input.
optic_dir=$peers/optic-ajv-dedup
if [[ ! -x $optic_dir/node_modules/.bin/optic ]]; then
  mkdir -p "$optic_dir"
  printf '{"name": "optic-ajv-dedup", "version": "1.0.0", "private": true, "overrides": {"ajv": "8.17.1"}}\n' >"$optic_dir/package.json"
  (cd "$optic_dir" && npm install --no-audit --no-fund --loglevel=error @useoptic/optic@1.0.9 >/dev/null)
fi
optic=$optic_dir/node_modules/.bin/optic
export OPTIC_TELEMETRY_LEVEL=off
gh=$peers/octokit

# shellcheck source=../lib/measure.sh
source "$root/bench/lib/measure.sh"

printf '| pair | tool | exit | median wall (s) | best wall (s) | peak RSS (MiB) | wall ratio (peer / stepwise) |\n'
printf '|---|---|---|---|---|---|---|\n'
for pair in "21.0.0/package/generated/api.github.com.json 22.0.0/package/generated/api.github.com.json" \
            "22.0.0/package/generated/api.github.com.json 23.0.0/package/generated/api.github.com.json" \
            "21.0.0/package/generated/ghes-3.14.json 21.0.0/package/generated/ghes-3.15.json"; do
  read -r old new <<<"$pair"
  label="$(basename "$(dirname "$(dirname "$(dirname "$old")")")")/$(basename "$old") -> $(basename "$(dirname "$(dirname "$(dirname "$new")")")")/$(basename "$new")"
  read -r s_med s_best s_rss s_code < <(measure "$stepwise" compat "$gh/$old" "$gh/$new" --format json)
  printf '| %s | stepwise compat | %s | %s | %s | %d | 1.00 |\n' "$label" "$s_code" "$s_med" "$s_best" $((s_rss / 1024))
  read -r o_med o_best o_rss o_code < <(measure "$optic" diff "$gh/$old" "$gh/$new" --check)
  if [[ $o_code -le 1 ]] && grep -qiE 'breaking|passed|failed' "$work/stdout"; then
    ratio=$(awk -v o="$o_med" -v s="$s_med" 'BEGIN { printf "%.2f", o / s }')
  else
    ratio="optic failed after $(awk -v o="$o_med" -v s="$s_med" 'BEGIN { printf "%.1f", o / s }')x stepwise's time: $(grep -h -m1 -oE 'Error compiling schema|invalid openapi: .{0,80}' "$work/stderr" "$work/stdout" | head -n1 | tr '|' '/')"
  fi
  printf '| %s | optic diff --check | %s | %s | %s | %d | %s |\n' "$label" "$o_code" "$o_med" "$o_best" $((o_rss / 1024)) "$ratio"
done
