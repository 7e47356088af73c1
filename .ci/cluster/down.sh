#!/usr/bin/env bash
# `make cluster-down`: stop what `make cluster` started, by the pids it recorded. Data stays
# in var/cluster/ (delete that folder for a fresh cluster).
set -uo pipefail
cd "$(dirname "$0")/../.."
set -a; source .ci/cluster/cluster.env; set +a
STATE="$PWD/var/cluster"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
stop() {  # stop pidfile: TERM, then wait up to 20 s
  local pidfile="$1"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pidfile"
}
stop "$STATE/run/beat.pid"
for queue in default batch payouts webhooks identity; do stop "$STATE/run/worker-$queue.pid"; done
stop "$STATE/run/haproxy.pid"
for port in $CLUSTER_WEB_PORTS; do stop "$STATE/run/web-$port.pid"; done
stop "$STATE/pg/run/pgbouncer.pid"
stop "$STATE/run/redis-broker.pid"
stop "$STATE/run/redis-cache.pid"
for dir in pg-replica pg-primary; do
  [ -f "$STATE/pg/$dir/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STATE/pg/$dir" -m fast -w stop >/dev/null
done
echo "Cluster stopped (data kept in var/cluster/; \`make cluster-clean\` deletes it)."
