#!/usr/bin/env bash
# Times Stepwise's Protobuf checker beside `buf breaking` (WIRE_JSON) on Google's protos
# (google-proto-files OLD -> NEW, google/ and grafeas/ without google/protobuf/), in one run on one machine.
# Needs the peers from eng/peers.sh. Prints wall time, the largest process's peak RSS (/usr/bin/time -v)
# and the peak RSS summed over the whole process tree (sampled every 0.1 s; protoc runs as children).
# Usage: bench/protobuf-compat.sh [OLD_VERSION] [NEW_VERSION]
set -euo pipefail
old_version=${1:-5.0.3}
new_version=${2:-6.0.1}
repo=$(cd "$(dirname "$0")/.." && pwd)
peers=${STEPWISE_PEERS:-$HOME/.cache/stepwise-peers}
buf=$(ls "$peers"/buf/node_modules/@bufbuild/buf-linux-*/bin/buf 2>/dev/null | head -n1)
[[ -x $buf ]] || { echo "buf not found under $peers; run eng/peers.sh" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is required (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prepare() { # version -> tree with google/* (without protobuf/), grafeas/ and a WIRE_JSON buf.yaml
  local package=$peers/gpf/$1/package tree=$work/$1
  [[ -d $package/google ]] || { echo "google-proto-files $1 not found under $peers; run eng/peers.sh" >&2; exit 2; }
  mkdir -p "$tree/google"
  for entry in "$package"/google/*; do
    [[ $(basename "$entry") == protobuf ]] || ln -s "$entry" "$tree/google/$(basename "$entry")"
  done
  ln -s "$package/grafeas" "$tree/grafeas"
  printf 'version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n' > "$tree/buf.yaml"
}
prepare "$old_version"
prepare "$new_version"

dotnet build "$repo/bench/Stepwise.Compat.ProtoBench" -c Release -nologo -v:q >/dev/null
bench_dll=$repo/bench/Stepwise.Compat.ProtoBench/bin/Release/net10.0/Stepwise.Compat.ProtoBench.dll

tree_rss_kb() { # sum of RSS over a process and all its descendants
  ps -eo pid=,ppid=,rss= | awk -v root="$1" '
    { parent[$1] = $2; rss[$1] = $3 }
    END { for (p in rss) { q = p; while (q != "" && q != 0 && q != root) q = parent[q]; if (q == root) total += rss[p] } print total + 0 }'
}

measure() { # label, command... -> "label wall_s max_rss_mb tree_peak_mb"
  local label=$1; shift
  local timing=$work/$label.time peak=0
  /usr/bin/time -v -o "$timing" "$@" >"$work/$label.out" 2>"$work/$label.err" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    local now; now=$(tree_rss_kb "$pid")
    ((now > peak)) && peak=$now
    sleep 0.1
  done
  wait "$pid" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$timing")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timing")
  printf '%s %.2f %d %d\n' "$label" "$wall" $((rss / 1024)) $((peak / 1024))
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus:  google-proto-files $old_version -> $new_version ($(find -L "$work/$new_version" -name '*.proto' | wc -l) files in the new tree)"
results=$work/results.txt
measure buf "$buf" breaking "$work/$new_version" --against "$work/$old_version" --error-format json >>"$results"
measure stepwise dotnet "$bench_dll" "$work/$old_version" "$work/$new_version" >>"$results"
measure stepwise-full dotnet "$bench_dll" "$work/$old_version" "$work/$new_version" --full >>"$results"

echo "findings: buf $(grep -c . "$work/buf.out" || true) (WIRE_JSON); stepwise: $(head -n1 "$work/stepwise.out")"
awk '
  { label[NR] = $1; wall[NR] = $2; rss[NR] = $3; tree[NR] = $4 }
  END {
    printf "%-14s %9s %14s %15s %11s %13s\n", "tool", "wall (s)", "max RSS (MB)", "tree peak (MB)", "wall / buf", "memory / buf"
    for (i = 1; i <= NR; i++)
      printf "%-14s %9.2f %14d %15d %11.3f %13.3f\n", label[i], wall[i], rss[i], tree[i], wall[i] / wall[1], tree[i] / tree[1]
  }' "$results"
