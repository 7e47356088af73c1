#!/usr/bin/env bash
# `make cluster`: the production topology of docs/deployment.md on this one machine, from
# Debian's packages. PostgreSQL primary + streaming replica (pg_basebackup), PgBouncer in
# transaction mode in front of both, Redis, two gunicorn instances behind HAProxy, one Celery
# worker per queue and one beat, each a process of its own. State and logs: var/cluster/.
# Idempotent: what already runs is left running. `make cluster-down` stops it all.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
set -a; source .ci/cluster/cluster.env; set +a
STATE="$ROOT/var/cluster"
BIN="$ROOT/.venv/bin"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
mkdir -p "$STATE/log" "$STATE/run" "$STATE/media"
# What runs as the postgres user (PostgreSQL, PgBouncer) lives where that user can reach,
# whatever the checkout's folder allows (CI clones may sit under root's home).
PGSTATE="${CLUSTER_PGSTATE:-/var/tmp/prakerja-cluster-$(echo "$ROOT" | md5sum | cut -c1-8)}"
mkdir -p "$PGSTATE/log" "$PGSTATE/run" && chown -R postgres: "$PGSTATE"
ln -sfn "$PGSTATE" "$STATE/pg"

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 missing (apt-get install -y $2)" >&2; exit 1; }; }
need pgbouncer pgbouncer
need haproxy haproxy
need redis-server redis-server
as_pg() { runuser -u postgres -- "$@"; }
wait_for() {  # wait_for "what" command...
  local what="$1"; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "error: $what did not come up (logs in $STATE/log)" >&2; exit 1
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# --- PostgreSQL primary -------------------------------------------------------------------
PRIMARY="$PGSTATE/pg-primary"
if [ ! -s "$PRIMARY/PG_VERSION" ]; then
  mkdir -p "$PRIMARY" && chown postgres: "$PRIMARY" && chmod 700 "$PRIMARY"
  as_pg "$PGBIN/initdb" -D "$PRIMARY" -U postgres -A trust --no-instructions >/dev/null
  cat >> "$PRIMARY/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $CLUSTER_PG_PRIMARY_PORT
unix_socket_directories = '$PGSTATE/run'
max_connections = 200
shared_buffers = 256MB
wal_level = replica
max_wal_senders = 5
wal_keep_size = 512MB
fsync = on
CONF
  echo "host replication postgres 127.0.0.1/32 trust" >> "$PRIMARY/pg_hba.conf"
fi
if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$CLUSTER_PG_PRIMARY_PORT"; then
  as_pg "$PGBIN/pg_ctl" -D "$PRIMARY" -l "$PGSTATE/log/pg-primary.log" -w start >/dev/null
fi
"$PGBIN/psql" -h 127.0.0.1 -p "$CLUSTER_PG_PRIMARY_PORT" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = 'prakerja'" | grep -q 1 ||
  "$PGBIN/createdb" -h 127.0.0.1 -p "$CLUSTER_PG_PRIMARY_PORT" -U postgres prakerja

# --- Streaming replica (hot standby) ------------------------------------------------------
REPLICA="$PGSTATE/pg-replica"
if [ ! -s "$REPLICA/PG_VERSION" ]; then
  mkdir -p "$REPLICA" && chown postgres: "$REPLICA" && chmod 700 "$REPLICA"
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$CLUSTER_PG_PRIMARY_PORT" -U postgres -D "$REPLICA" -R -X stream -c fast
  cat >> "$REPLICA/postgresql.conf" <<CONF
port = $CLUSTER_PG_REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 300s
CONF
fi
if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$CLUSTER_PG_REPLICA_PORT"; then
  as_pg "$PGBIN/pg_ctl" -D "$REPLICA" -l "$PGSTATE/log/pg-replica.log" -w start >/dev/null
fi

# --- PgBouncer, transaction pooling ------------------------------------------------------
cat > "$PGSTATE/pgbouncer.ini" <<INI
[databases]
prakerja = host=127.0.0.1 port=$CLUSTER_PG_PRIMARY_PORT dbname=prakerja
prakerja_replica = host=127.0.0.1 port=$CLUSTER_PG_REPLICA_PORT dbname=prakerja

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $CLUSTER_PGBOUNCER_PORT
unix_socket_dir = $PGSTATE/run
auth_type = trust
auth_file = $PGSTATE/pgbouncer-users.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
reserve_pool_size = 10
server_reset_query =
server_connect_timeout = 3
server_login_retry = 2
query_wait_timeout = 15
ignore_startup_parameters = extra_float_digits,options
admin_users = postgres
logfile = $PGSTATE/log/pgbouncer.log
pidfile = $PGSTATE/run/pgbouncer.pid
INI
echo '"postgres" ""' > "$PGSTATE/pgbouncer-users.txt"
chown postgres: "$PGSTATE/pgbouncer.ini" "$PGSTATE/pgbouncer-users.txt"
alive "$PGSTATE/run/pgbouncer.pid" || as_pg pgbouncer -d "$PGSTATE/pgbouncer.ini"
wait_for PgBouncer "$PGBIN/pg_isready" -h 127.0.0.1 -p "$CLUSTER_PGBOUNCER_PORT"

# --- Redis: the broker, and the cache on a server of its own --------------------------------
for redis in "broker:$CLUSTER_REDIS_PORT" "cache:$CLUSTER_CACHE_REDIS_PORT"; do
  name="${redis%%:*}"; port="${redis##*:}"
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$STATE" --pidfile "$STATE/run/redis-$name.pid" --logfile "$STATE/log/redis-$name.log"
    wait_for "Redis ($name)" redis-cli -p "$port" ping
  fi
done

# --- Schema, reference data, static files (on the primary, not through the pooler) -------
export DJANGO_SETTINGS_MODULE
ADMIN_DB="postgres://postgres@127.0.0.1:$CLUSTER_PG_PRIMARY_PORT/prakerja"
DATABASE_URL="$ADMIN_DB" "$BIN/python" manage.py migrate --noinput -v 0
DATABASE_URL="$ADMIN_DB" "$BIN/python" manage.py load_regions -v 0
STATIC_STAMP="$STATE/static.stamp"
if [ ! -f "$STATIC_STAMP" ] || [ -n "$(find prakerja applicants courses partners -newer "$STATIC_STAMP" -path '*static*' -print -quit)" ]; then
  "$BIN/python" manage.py collectstatic --noinput -v 0
  touch "$STATIC_STAMP"
fi

# --- gunicorn x2 ---------------------------------------------------------------------------
for port in $CLUSTER_WEB_PORTS; do
  if alive "$STATE/run/web-$port.pid"; then
    kill -HUP "$(cat "$STATE/run/web-$port.pid")"  # new workers: today's code and static manifest
  else
    PORT=$port HOST=127.0.0.1 "$BIN/gunicorn" -c prakerja/gunicorn_conf.py --daemon \
      --pid "$STATE/run/web-$port.pid" --error-logfile "$STATE/log/web-$port.log" prakerja.wsgi:application
  fi
done

# --- HAProxy -------------------------------------------------------------------------------
{
  cat <<CFG
global
    daemon
    pidfile $STATE/run/haproxy.pid
    maxconn 4000

defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    option http-keep-alive

frontend portal
    bind 127.0.0.1:$CLUSTER_HAPROXY_PORT
    # The client's own X-Forwarded-For is not passed on: the one gunicorn sees is ours.
    http-request del-header X-Forwarded-For
    option forwardfor
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /healthz
    http-response set-header X-Served-By %s
    source $CLUSTER_PROXY_SOURCE
CFG
  n=0
  for port in $CLUSTER_WEB_PORTS; do
    n=$((n + 1)); echo "    server web$n 127.0.0.1:$port check inter 1s"
  done
} > "$STATE/haproxy.cfg"
haproxy -c -q -f "$STATE/haproxy.cfg"
if alive "$STATE/run/haproxy.pid"; then
  haproxy -f "$STATE/haproxy.cfg" -sf "$(cat "$STATE/run/haproxy.pid")"
else
  haproxy -f "$STATE/haproxy.cfg"
fi

# --- Celery: one worker per queue, one beat --------------------------------------------------
for queue in default batch payouts webhooks identity; do
  if ! alive "$STATE/run/worker-$queue.pid"; then
    "$BIN/celery" -A prakerja worker -Q "$queue" -n "$queue@%h" --concurrency=1 --detach \
      --pidfile "$STATE/run/worker-$queue.pid" --logfile "$STATE/log/worker-$queue.log" --loglevel=INFO
  fi
done
if ! alive "$STATE/run/beat.pid"; then
  "$BIN/celery" -A prakerja beat --detach --pidfile "$STATE/run/beat.pid" \
    --logfile "$STATE/log/beat.log" --loglevel=INFO --schedule "$STATE/beat-schedule"
fi

wait_for "the portal through HAProxy" curl -sf "http://127.0.0.1:$CLUSTER_HAPROXY_PORT/healthz"
cat <<OUT

Cluster up (logs and state in var/cluster/, PostgreSQL's and PgBouncer's in var/cluster/pg/):
  Portal (HAProxy):     http://127.0.0.1:$CLUSTER_HAPROXY_PORT/   -> gunicorn $(echo $CLUSTER_WEB_PORTS | sed 's/ /, /g')
  PgBouncer:            postgres://postgres@127.0.0.1:$CLUSTER_PGBOUNCER_PORT/prakerja (primary), /prakerja_replica (replica)
  PostgreSQL primary:   127.0.0.1:$CLUSTER_PG_PRIMARY_PORT    replica (hot standby): 127.0.0.1:$CLUSTER_PG_REPLICA_PORT
  Redis:                redis://127.0.0.1:$CLUSTER_REDIS_PORT (broker), redis://127.0.0.1:$CLUSTER_CACHE_REDIS_PORT (cache)
  Celery:               workers default, batch, payouts, webhooks, identity (one process each), beat
  Stop:                 make cluster-down
OUT
