#!/bin/sh
# Alerting on the exit codes of `neo4j-backup status`: 0 fine, 4 a backup is recommended, 5 the
# backups need attention (none, too old, invalid newest, unfinished restore), others: the check
# itself failed (6 cannot connect). Prints one line and exits non-zero only when someone should act.
errors=$(neo4j-backup status --json --max-age "${MAX_AGE_DAYS:-2}" 2>&1 >/dev/null)
code=$?
case $code in
  0) exit 0 ;;
  4) echo "neo4j-backup: a backup is recommended (the graph changed past a threshold)"; exit 0 ;;
  5) echo "neo4j-backup: the backups need attention: run neo4j-backup status"; exit 5 ;;
  *) echo "neo4j-backup: the status check failed (exit $code): $errors"; exit "$code" ;;
esac
