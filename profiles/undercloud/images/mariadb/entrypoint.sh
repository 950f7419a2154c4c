#!/bin/bash
# Initialise an empty data volume once (root over TCP with the generated password), then run mysqld
# in the foreground. The password comes from a 0600 file, never from the command line.
set -euo pipefail
if [ ! -d /var/lib/mysql/mysql ]; then
  echo "initialising an empty data directory"
  chown -R mysql:mysql /var/lib/mysql
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=socket > /dev/null
  mysqld --user=mysql --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 60); do mysqladmin --socket=/run/mysqld/init.sock ping > /dev/null 2>&1 && break; sleep 0.5; done
  mysql --socket=/run/mysqld/init.sock < /etc/berth/init.sql
  mysqladmin --socket=/run/mysqld/init.sock shutdown
  wait "$pid" || true
fi
exec mysqld --user=mysql --bind-address=0.0.0.0 --skip-name-resolve --max-connections=500 --innodb-buffer-pool-size=128M
