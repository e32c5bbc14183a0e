#!/usr/bin/env bash
# Records squawk's lock/compatibility verdict for every corpus file into squawk-2.66.tsv.
set -euo pipefail
squawk=${1:?usage: record-squawk.sh PATH-TO-SQUAWK}
cd "$(dirname "$0")/sql"
hygiene='^(prefer-robust-stmts|prefer-bigint-over-int|prefer-bigint-over-smallint|prefer-identity|prefer-text-field|prefer-timestamp-tz|ban-char-field|require-lock-timeout|require-statement-timeout|require-timeout-settings|require-enum-value-ordering|ban-create-domain-with-constraint|transaction-nesting)$'
for f in *.sql; do
  rules=$("$squawk" --reporter gcc "$f" 2>/dev/null | grep -oE 'warning: [a-z-]+' | sed 's/warning: //' | grep -vE "$hygiene" | sort -u | paste -sd, - || true)
  printf '%s\t%s\n' "${f%.sql}" "${rules:--}"
done > ../squawk-2.66.tsv
