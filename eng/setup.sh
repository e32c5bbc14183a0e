#!/usr/bin/env bash
# Installs and starts what Stepwise's tests and demo need on a fresh Debian machine.
# Sourced (not executed) by eng/test.sh and eng/run.sh so that the variables the
# parts export (for example STEPWISE_TEST_PG) reach the test run.
# Each part lives in eng/setup.d/NN-name.sh and is sourced in name order.

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet was not found on PATH)." >&2
  echo "setup: install it from your distribution or https://dot.net, then run this again." >&2
  return 2 2>/dev/null || exit 2
fi

stepwise_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export STEPWISE_ROOT=$stepwise_root

# apt-get as root, or through sudo when there is one.
stepwise_apt() {
  if [[ $(id -u) -eq 0 ]]; then apt-get "$@"; elif command -v sudo >/dev/null; then sudo apt-get "$@"; else
    echo "setup: need root (or sudo) to run apt-get $*" >&2; return 1; fi
}

# Installs the Debian packages given that are not installed yet (one apt-get update per run).
stepwise_apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    if [[ -z ${STEPWISE_APT_UPDATED:-} ]]; then
      DEBIAN_FRONTEND=noninteractive stepwise_apt update -qq >/dev/null
      export STEPWISE_APT_UPDATED=1
    fi
    echo "setup: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive stepwise_apt install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

for part in "$stepwise_root"/eng/setup.d/*.sh; do
  [[ -e $part ]] || continue
  # shellcheck source=/dev/null
  source "$part" || { echo "setup: $(basename "$part") failed" >&2; return 1 2>/dev/null || exit 1; }
done
