#!/bin/bash
# Initialise an empty data directory once (root over TCP with the generated password), then run mysqld
# in the foreground. The password comes from a 0600 file, never from the command line.
# The same script starts mariadb on the host runtime: paths, user, address and port come from MARIADB_*.
set -euo pipefail
datadir=${MARIADB_DATADIR:-/var/lib/mysql}
rundir=${MARIADB_RUN_DIR:-/run/mysqld}
user=${MARIADB_USER:-mysql}
init_sql=${MARIADB_INIT_SQL:-/etc/berth/init.sql}
mkdir -p "$rundir" "$datadir"
chown "$user" "$rundir"
if [ ! -d "$datadir/mysql" ]; then
  echo "initialising an empty data directory"
  chown -R "$user" "$datadir"
  mariadb-install-db --user="$user" --datadir="$datadir" --skip-test-db --auth-root-authentication-method=socket > /dev/null
  mysqld --user="$user" --datadir="$datadir" --pid-file="$rundir/init.pid" --skip-networking --socket="$rundir/init.sock" &
  pid=$!
  for _ in $(seq 1 60); do mysqladmin --socket="$rundir/init.sock" ping > /dev/null 2>&1 && break; sleep 0.5; done
  mysql --socket="$rundir/init.sock" < "$init_sql"
  mysqladmin --socket="$rundir/init.sock" shutdown
  wait "$pid" || true
fi
exec mysqld --user="$user" --datadir="$datadir" --pid-file="$rundir/mysqld.pid" --socket="$rundir/mysqld.sock" \
  --bind-address="${MARIADB_BIND:-0.0.0.0}" --port="${MARIADB_PORT:-3306}" \
  --skip-name-resolve --max-connections=500 --innodb-buffer-pool-size=128M
