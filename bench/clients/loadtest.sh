#!/usr/bin/env bash
# Loopback load test of the Stepwise.Clients middleware: the same orders-shaped service with and without it,
# driven by wrk, in alternating rounds (off/on, then on/off, ...) so that drifting load on the machine hits both.
# Usage: bench/clients/loadtest.sh [ROUNDS=6] [SECONDS=15] [CONNECTIONS=32]
# The service runs on CPU 0 and wrk on CPU 1 (taskset), each round after a 5 s warm-up. Besides wrk's throughput,
# it reads the service's CPU time (user + system, /proc/PID/stat) over the measured window: CPU per request is what
# the middleware adds, and it moves much less than throughput when other work shares the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-6}
seconds=${2:-15}
connections=${3:-32}
port=5391
if ! command -v wrk >/dev/null; then
  echo "loadtest: installing wrk (Debian package)" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi
dotnet build bench/Stepwise.Clients.LoadBench -c Release -nologo -v:q >/dev/null
dll=bench/Stepwise.Clients.LoadBench/bin/Release/net10.0/Stepwise.Clients.LoadBench.dll

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in clock ticks

measure() { # mode -> "requests/s cpu-µs-per-request"
  local mode=$1 pid out before after requests
  taskset -c 0 dotnet "$dll" --port $port --middleware "$mode" >/dev/null &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c"$connections" -d5s -s bench/clients/loadtest.lua "http://127.0.0.1:$port" >/dev/null
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" -s bench/clients/loadtest.lua "http://127.0.0.1:$port")
  after=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
}

declare -a off_rps on_rps off_cpu on_cpu
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order=(off on); else order=(on off); fi
  for mode in "${order[@]}"; do
    read -r rps cpu < <(measure "$mode")
    if [[ $mode == off ]]; then off_rps+=("$rps"); off_cpu+=("$cpu"); else on_rps+=("$rps"); on_cpu+=("$cpu"); fi
    printf 'round %d  middleware %-3s  %9s requests/s  %7s µs CPU/request  (load average %s)\n' "$r" "$mode" "$rps" "$cpu" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.4f", a / b}'; }
r_off=$(median "${off_rps[@]}"); r_on=$(median "${on_rps[@]}")
c_off=$(median "${off_cpu[@]}"); c_on=$(median "${on_cpu[@]}")
echo "median throughput without: $r_off requests/s; with: $r_on requests/s; with/without: $(ratio "$r_on" "$r_off")"
echo "median CPU per request without: $c_off µs; with: $c_on µs; throughput at equal CPU, with/without: $(ratio "$c_off" "$c_on")"
