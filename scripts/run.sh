#!/usr/bin/env bash
# `make run`: migrate, load the demo program, then serve the web app beside a Celery worker with
# embedded beat. Without DATABASE_URL / REDIS_URL it uses SQLite and kombu's filesystem broker
# under var/, so no server is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python
mkdir -p var/broker/control

$PY manage.py migrate --noinput
$PY manage.py seed_demo

.venv/bin/celery -A config worker --beat --concurrency=1 --loglevel=INFO >var/celery.log 2>&1 &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true' EXIT INT TERM

if [ -n "${DATABASE_URL:-}" ]; then db="PostgreSQL (DATABASE_URL)"; else db="SQLite (var/db.sqlite3)"; fi
if [ -n "${REDIS_URL:-}" ]; then broker="Redis (REDIS_URL)"; else broker="embedded filesystem broker (var/broker)"; fi
cat <<MSG

  Fellowship is running at  http://127.0.0.1:${PORT}/
  Sign in at                http://127.0.0.1:${PORT}/accounts/login/   (logins above)
  Database: ${db};  Celery worker + beat on ${broker}, log in var/celery.log
  Stop with Ctrl-C.

MSG
$PY manage.py runserver "127.0.0.1:${PORT}"
