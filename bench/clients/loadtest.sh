#!/usr/bin/env bash
# Loopback load test of the Stepwise.Clients middleware: the same orders-shaped service without the middleware and
# with it, both started once (on CPU 0) and loaded in turn by wrk (on CPU 1), alternating short runs so that drifting
# load from other work on the machine hits both alike. Each pair of adjacent runs gives a ratio; the median of those
# ratios is the result. Besides wrk's throughput it reads each service's CPU time (user + system, /proc/PID/stat)
# over its runs: CPU per request moves less than throughput when other work shares the cores. Each service first
# gets 30 s of load: a fresh process is several times slower until its JIT tiers and PGO settle.
# Usage: bench/clients/loadtest.sh [PAIRS=12] [SECONDS=5] [CONNECTIONS=32] [WITH=on]
# WITH is the variant compared with "off": on (the middleware counting every call and shipping the counts every
# second to an in-process sink standing in for the Stepwise server), local (the middleware with a local policy and
# no server), sink (no middleware, the sink alone), services (AddStepwiseClients without UseStepwiseClients).
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-12}
seconds=${2:-5}
connections=${3:-32}
with=${4:-on}
if ! command -v wrk >/dev/null; then
  echo "loadtest: installing wrk (Debian package)" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi
dotnet build bench/Stepwise.Clients.LoadBench -c Release -nologo -v:q >/dev/null
dll=bench/Stepwise.Clients.LoadBench/bin/Release/net10.0/Stepwise.Clients.LoadBench.dll

declare -A pid port
port[off]=5391
port[$with]=5392
for mode in off "$with"; do
  taskset -c 0 dotnet "$dll" --port "${port[$mode]}" --middleware "$mode" >/dev/null &
  pid[$mode]=$!
done
trap 'kill "${pid[off]}" "${pid[$with]}" 2>/dev/null || true' EXIT
for mode in off "$with"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:${port[$mode]}/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c"$connections" -d30s -s bench/clients/loadtest.lua "http://127.0.0.1:${port[$mode]}" >/dev/null # warm-up: JIT tiers and PGO settle
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in clock ticks
hz=$(getconf CLK_TCK)
run() { # mode -> "requests/s cpu-µs-per-request"
  local mode=$1 out before after
  before=$(cpu_ticks "${pid[$mode]}")
  out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" -s bench/clients/loadtest.lua "http://127.0.0.1:${port[$mode]}")
  after=$(cpu_ticks "${pid[$mode]}")
  awk -v t=$((after - before)) -v hz="$hz" '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {printf "%s %.2f\n", r, t / hz * 1e6 / n}' <<<"$out"
}

ratios=() cpu_ratios=() off_rps=() with_rps=()
for ((p = 1; p <= pairs; p++)); do
  if ((p % 2)); then order=(off "$with"); else order=("$with" off); fi
  declare -A rps cpu
  for mode in "${order[@]}"; do
    read -r "rps[$mode]" "cpu[$mode]" < <(run "$mode")
  done
  off_rps+=("${rps[off]}") with_rps+=("${rps[$with]}")
  ratios+=("$(awk -v a="${rps[$with]}" -v b="${rps[off]}" 'BEGIN {printf "%.4f", a / b}')")
  cpu_ratios+=("$(awk -v a="${cpu[off]}" -v b="${cpu[$with]}" 'BEGIN {printf "%.4f", a / b}')")
  printf 'pair %2d  off %9s req/s %6s µs CPU/req   %-5s %9s req/s %6s µs CPU/req   ratio %s (CPU %s)  load %s\n' \
    "$p" "${rps[off]}" "${cpu[off]}" "$with" "${rps[$with]}" "${cpu[$with]}" "${ratios[-1]}" "${cpu_ratios[-1]}" "$(cut -d' ' -f1 /proc/loadavg)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "median throughput: off $(median "${off_rps[@]}") req/s, $with $(median "${with_rps[@]}") req/s"
echo "median of the pair ratios ($with/off): throughput $(median "${ratios[@]}"), throughput at equal CPU $(median "${cpu_ratios[@]}")"
