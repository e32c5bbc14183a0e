# Sourced by eng/setup.sh. Installs PostgreSQL 15 and libpg_query (the PostgreSQL parser as a
# library, used by `stepwise lint-sql`), starts a throwaway cluster on a free loopback port and
# exports STEPWISE_TEST_PG (an Npgsql connection string) and STEPWISE_TEST_PG_URL (the same as a
# postgres:// URL) for the data tests. Idempotent: a cluster this script started and that is
# still running is reused.

stepwise_apt_install postgresql libpg-query1504.0 || return 1

stepwise_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [[ -z $stepwise_pg_bin ]]; then
  echo "setup: PostgreSQL binaries not found under /usr/lib/postgresql" >&2
  return 1
fi

# Runs a PostgreSQL binary as the postgres user (initdb and the server refuse to run as root).
stepwise_pg_as() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stepwise_pg_state=${STEPWISE_PG_STATE:-${TMPDIR:-/tmp}/stepwise-test-pg}
stepwise_pg_port=""
if [[ -f $stepwise_pg_state/port ]] && stepwise_pg_as "$stepwise_pg_bin/pg_ctl" -D "$stepwise_pg_state/data" status >/dev/null 2>&1; then
  stepwise_pg_port=$(cat "$stepwise_pg_state/port")
else
  rm -rf "$stepwise_pg_state"
  mkdir -p "$stepwise_pg_state"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$stepwise_pg_state"; fi
  stepwise_pg_as "$stepwise_pg_bin/initdb" -D "$stepwise_pg_state/data" -U postgres -A trust -E UTF8 --no-sync >"$stepwise_pg_state/initdb.log" 2>&1 ||
    { echo "setup: initdb failed (see $stepwise_pg_state/initdb.log)" >&2; return 1; }
  # A free port: the first in the range nothing answers on.
  for p in $(seq 54329 54399); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then stepwise_pg_port=$p; break; fi
  done
  [[ -n $stepwise_pg_port ]] || { echo "setup: no free port for PostgreSQL in 54329-54399" >&2; return 1; }
  stepwise_pg_as "$stepwise_pg_bin/pg_ctl" -D "$stepwise_pg_state/data" -l "$stepwise_pg_state/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $stepwise_pg_port -k $stepwise_pg_state -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null ||
    { echo "setup: PostgreSQL did not start (see $stepwise_pg_state/server.log)" >&2; return 1; }
  echo "$stepwise_pg_port" >"$stepwise_pg_state/port"
fi

export STEPWISE_TEST_PG="Host=127.0.0.1;Port=$stepwise_pg_port;Username=postgres;Database=postgres"
export STEPWISE_TEST_PG_URL="postgres://postgres@127.0.0.1:$stepwise_pg_port/postgres"
unset stepwise_pg_bin stepwise_pg_state stepwise_pg_port
