#!/usr/bin/env bash
# Starts the local PostgreSQL cluster for the tests and prints the admin connection string.
# Usage: export FTS_TEST_POSTGRES="$(scripts/start-postgres.sh)"
set -euo pipefail
password="${FTS_TEST_POSTGRES_PASSWORD:-fts-test-only}"
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [[ -z "$cluster" ]]; then
  echo "no PostgreSQL cluster found (pg_lsclusters is empty)" >&2
  exit 1
fi
read -r version name <<<"$cluster"
port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
status=$(pg_lsclusters --no-header | awk 'NR==1 {print $4}')
as_postgres() { if [[ $(id -u) -eq 0 ]]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
if [[ "$status" != "online" ]]; then
  if [[ $(id -u) -eq 0 ]]; then pg_ctlcluster "$version" "$name" start >&2; else sudo pg_ctlcluster "$version" "$name" start >&2; fi
fi
for _ in $(seq 1 30); do
  as_postgres "pg_isready -q -p $port" && break
  sleep 0.5
done
# TCP on 127.0.0.1 asks for a password (scram-sha-256): give the test admin one.
as_postgres "psql -q -p $port -c \"ALTER USER postgres PASSWORD '$password'\"" >&2
echo "Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres"
