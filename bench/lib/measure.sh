# Sourced by the whole-process benchmarks. measure COMMAND... runs the command $runs times (stdout and stderr to
# $work/stdout and $work/stderr) and prints "median_wall best_wall max_rss_kb exit_code", walls in seconds with
# millisecond resolution (bash's EPOCHREALTIME around the process), peak RSS from GNU time.
measure() {
  local walls=() rss=0 code=0 start end kb
  for ((i = 0; i < runs; i++)); do
    start=$EPOCHREALTIME
    /usr/bin/time -f "%M %x" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || true
    end=$EPOCHREALTIME
    read -r kb code < <(tail -n1 "$work/time")
    walls+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
    ((kb > rss)) && rss=$kb
  done
  local sorted
  sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
  echo "$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p") $(echo "$sorted" | head -n1) $rss $code"
}
