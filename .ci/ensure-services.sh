#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on their local ports, starting local installations
# that are stopped, and that the project's database exists. Used by `make run` and `make test`.
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
DB_NAME="${DB_NAME:-prakerja}"
REDIS_PORT="${REDIS_PORT:-6379}"

wait_for() {  # wait_for "what" command...
  local what="$1"; shift
  for _ in $(seq 1 30); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "error: $what did not come up" >&2
  return 1
}

if ! pg_isready -h "$PGHOST" -p "$PGPORT" >/dev/null 2>&1; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    echo "Starting local PostgreSQL $version ..."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for PostgreSQL pg_isready -h "$PGHOST" -p "$PGPORT"
  else
    echo "error: PostgreSQL is not running on $PGHOST:$PGPORT and no local installation was found." >&2
    echo "       Install it (apt-get install postgresql) or set DATABASE_URL to a reachable server." >&2
    exit 1
  fi
fi

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting local Redis ..."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/prakerja.log
    wait_for Redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
  else
    echo "error: Redis is not running on 127.0.0.1:$REDIS_PORT and redis-server is not installed." >&2
    echo "       Install it (apt-get install redis-server) or set REDIS_URL." >&2
    exit 1
  fi
fi

if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  echo "Creating database $DB_NAME ..."
  createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DB_NAME"
fi
echo "PostgreSQL and Redis are up."
