#!/usr/bin/env bash
# Start PostgreSQL and Redis on 127.0.0.1 when they are installed but stopped.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }

if ! pg_up && command -v pg_ctlcluster >/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! redis_up && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi

status=0
pg_up || { echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; status=1; }
if pg_up && ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1" >/dev/null 2>&1; then
  echo "PostgreSQL answers but user postgres cannot sign in from 127.0.0.1 without a password:" >&2
  echo "allow it in pg_hba.conf (trust for 127.0.0.1/32) or set PG_OWNER_URL/PG_APP_URL." >&2
  status=1
fi
redis_up || { echo "Redis is not answering on 127.0.0.1:6379" >&2; status=1; }
if [ "$status" -ne 0 ] && [ "${CI:-}" = "true" ]; then
  exit 1
fi
exit 0
