# Sourced by eng/setup.sh. Installs Debian's Prometheus (prometheus, promtool), Alertmanager and Chromium for the
# observability tests (real scrapes, rule tests, alert delivery, the dashboard's browser tests) and exports where
# they are. The tests start their own instances on free loopback ports; nothing is started here.
stepwise_apt_install prometheus prometheus-alertmanager chromium || return 1

export STEPWISE_PROMETHEUS=${STEPWISE_PROMETHEUS:-$(command -v prometheus)}
export STEPWISE_PROMTOOL=${STEPWISE_PROMTOOL:-$(command -v promtool)}
export STEPWISE_ALERTMANAGER=${STEPWISE_ALERTMANAGER:-$(command -v prometheus-alertmanager)}
export STEPWISE_CHROMIUM=${STEPWISE_CHROMIUM:-$(command -v chromium)}
