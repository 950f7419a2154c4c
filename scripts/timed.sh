#!/usr/bin/env bash
# Runs one stage of a make target and prints how long it took, so a CI log shows where the time went.
name=$1
shift
start=$EPOCHREALTIME
"$@"
rc=$?
awk -v s="$start" -v e="$EPOCHREALTIME" -v n="$name" -v rc="$rc" \
  'BEGIN { printf "stage %s: %.1f s%s\n", n, e - s, rc == 0 ? "" : " (failed, exit " rc ")" }' >&2
exit $rc
