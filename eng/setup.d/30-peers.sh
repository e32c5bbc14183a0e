# Installs the peer tools and real-world contract corpora (eng/peers.sh) that the contract corpus tests and the
# compat benchmarks read, and exports STEPWISE_PEERS pointing at them. Sourced by eng/setup.sh.
export STEPWISE_PEERS=${STEPWISE_PEERS:-$HOME/.cache/stepwise-peers}
if ! command -v npm >/dev/null 2>&1; then
  stepwise_apt_install nodejs npm
fi
if ! bash "$stepwise_root/eng/peers.sh" "$STEPWISE_PEERS" >/dev/null 2>&1; then
  # Not fatal here: the corpus tests fail in CI with a message naming what is missing.
  echo "setup: eng/peers.sh could not install the peers and corpora into $STEPWISE_PEERS" >&2
fi
