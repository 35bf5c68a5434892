#!/usr/bin/env bash
# Bring the production stack up on this Debian machine from the files in deploy/:
# nginx (TLS, self-signed) → N gunicorn app servers → PostgreSQL; M Celery workers and B beats on
# Redis. Installs missing Debian packages by name (nginx-light, openssl), renders the units and
# configs under a prefix, migrates, collects static files, and starts everything on 127.0.0.1 —
# through systemd when it runs (DEPLOY_SYSTEMD=auto|1|0), otherwise as plain processes run with
# the units' own ExecStart lines. Usage:
#   LIANXIN_DATABASE_URL=postgres://… scripts/deploy-local.sh up     # then: … status | down
# Variables (defaults): DEPLOY_PREFIX (./var/deploy-local), LIANXIN_BROKER_URL and LIANXIN_CACHE_URL
# (redis://127.0.0.1:6379/0 and /1), DEPLOY_HTTPS_PORT (8443), DEPLOY_HTTP_PORT (8080),
# DEPLOY_WEB_PORTS ("18000"; one app server per port), DEPLOY_WEB_WORKERS (2),
# DEPLOY_WORKERS (1), DEPLOY_WORKER_CONCURRENCY (2), DEPLOY_BEATS (1; >1 only to test a mistake),
# LIANXIN_PYTHON (python3 with lianxin installed), DEPLOY_EXTRA_ENV (lines appended to the env file),
# DEPLOY_SKIP_CHECK (1: no `lianxin deploy check` at the end), DEPLOY_PGBOUNCER (1: the processes
# connect through a PgBouncer in transaction mode from deploy/pgbouncer/, port DEPLOY_PGBOUNCER_PORT).
set -euo pipefail

ACTION="${1:-up}"
APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$(mkdir -p "${DEPLOY_PREFIX:-$APP_DIR/var/deploy-local}" && cd "${DEPLOY_PREFIX:-$APP_DIR/var/deploy-local}" && pwd)"
ETC="$PREFIX/etc" DATA="$PREFIX/data" RUN="$PREFIX/run" LOG="$PREFIX/log"
PYTHON="${LIANXIN_PYTHON:-$(command -v python3)}"
HTTPS_PORT="${DEPLOY_HTTPS_PORT:-8443}" HTTP_PORT="${DEPLOY_HTTP_PORT:-8080}"
WEB_PORTS="${DEPLOY_WEB_PORTS:-18000}" WORKERS="${DEPLOY_WORKERS:-1}" BEATS="${DEPLOY_BEATS:-1}"

say() { printf '[deploy-local] %s\n' "$*" >&2; }

stop_all() {
  local pidfile pid
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

status_all() {
  local pidfile rc=0
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "up   $(basename "$pidfile" .pid)"; else echo "DOWN $(basename "$pidfile" .pid)"; rc=1; fi
  done
  return $rc
}

case "$ACTION" in
  down) stop_all; say "stopped"; exit 0 ;;
  status) status_all; exit $? ;;
  up) ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac

: "${LIANXIN_DATABASE_URL:?set LIANXIN_DATABASE_URL=postgres://user@host:5432/name (production runs on PostgreSQL)}"
BROKER_URL="${LIANXIN_BROKER_URL:-redis://127.0.0.1:6379/0}"
CACHE_URL="${LIANXIN_CACHE_URL:-redis://127.0.0.1:6379/1}"

# 1. Debian packages, by name, only when missing
need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
PGBOUNCER="${DEPLOY_PGBOUNCER:-0}"
if [ "$PGBOUNCER" = 1 ] && ! [ -x /usr/sbin/pgbouncer ]; then
  say "installing Debian package: pgbouncer"
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
fi

# 2. the layout under the prefix; secrets are made once and kept
mkdir -p "$ETC/systemd" "$ETC/nginx" "$ETC/tls" "$DATA" "$RUN" "$LOG" "$PREFIX/nginx"
[ -s "$ETC/secret.key" ] || "$PYTHON" -c 'import secrets;print(secrets.token_urlsafe(60))' > "$ETC/secret.key"
[ -s "$ETC/audit.key" ] || "$PYTHON" -c 'import secrets;print(secrets.token_urlsafe(40))' > "$ETC/audit.key"
[ -s "$ETC/data.key" ] || "$PYTHON" -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())' > "$ETC/data.key"
[ -s "$ETC/lookup.key" ] || "$PYTHON" -c 'import secrets;print(secrets.token_urlsafe(40))' > "$ETC/lookup.key"
chmod 600 "$ETC/secret.key" "$ETC/audit.key" "$ETC/data.key" "$ETC/lookup.key"
if [ ! -s "$ETC/tls/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$ETC/tls/key.pem" -out "$ETC/tls/cert.pem" >/dev/null 2>&1
fi

upstreams=""
for port in $WEB_PORTS; do upstreams+="server 127.0.0.1:$port max_fails=2 fail_timeout=5s; "; done

render() {  # render SRC DEST: fill in every @NAME@ placeholder of deploy/
  sed -e "s#@APP_DIR@#$APP_DIR#g" -e "s#@PYTHON@#$PYTHON#g" -e "s#@ENV_FILE@#$ETC/lianxin.env#g" \
      -e "s#@DATA_DIR@#$DATA#g" -e "s#@RUN_DIR@#$RUN#g" -e "s#@LOG_DIR@#$LOG#g" \
      -e "s#@SERVER_NAME@#127.0.0.1#g" -e "s#@HTTP_LISTEN@#127.0.0.1:$HTTP_PORT#g" \
      -e "s#@HTTPS_LISTEN@#127.0.0.1:$HTTPS_PORT#g" -e "s#@TLS_CERT@#$ETC/tls/cert.pem#g" \
      -e "s#@TLS_KEY@#$ETC/tls/key.pem#g" -e "s#@STATIC_ROOT@#$DATA/staticfiles#g" \
      -e "s#@UPSTREAM_SERVERS@#$upstreams#g" -e "s#@NGINX_DIR@#$ETC/nginx#g" \
      -e "s#@SECRET_KEY@#$(cat "$ETC/secret.key")#g" -e "s#@AUDIT_KEY@#$(cat "$ETC/audit.key")#g" \
      -e "s#@DATA_KEYS@#$(cat "$ETC/data.key")#g" -e "s#@LOOKUP_KEY@#$(cat "$ETC/lookup.key")#g" \
      -e "s#@DATABASE_URL@#$LIANXIN_DATABASE_URL#g" -e "s#@BROKER_URL@#$BROKER_URL#g" \
      -e "s#@CACHE_URL@#$CACHE_URL#g" -e "s#@DB_PGBOUNCER@#${LIANXIN_DB_PGBOUNCER:-0}#g" \
      -e "s#@DB_CONN_MAX_AGE@#${LIANXIN_DB_CONN_MAX_AGE:-60}#g" \
      -e "s#@WEB_WORKERS@#${DEPLOY_WEB_WORKERS:-2}#g" \
      -e "s#@WORKER_CONCURRENCY@#${DEPLOY_WORKER_CONCURRENCY:-2}#g" "$1" > "$2"
}
# PgBouncer (DEPLOY_PGBOUNCER=1): the processes connect through it, migrate goes straight to PostgreSQL
DIRECT_URL="$LIANXIN_DATABASE_URL"
if [ "$PGBOUNCER" = 1 ]; then
  PGB_PORT="${DEPLOY_PGBOUNCER_PORT:-16432}"
  read -r PG_USER PG_HOST PG_PORT PG_DBNAME < <("$PYTHON" -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(p.username or "postgres", p.hostname or "127.0.0.1", p.port or 5432, p.path.lstrip("/"))' "$LIANXIN_DATABASE_URL")
  # PgBouncer refuses to run as root: as root, it runs as postgres from a directory postgres can reach
  PGB_DIR="$ETC/pgbouncer"
  [ "$(id -u)" != "0" ] || PGB_DIR="/tmp/lianxin-pgbouncer-$(printf '%s' "$PREFIX" | md5sum | cut -c1-8)"
  mkdir -p "$PGB_DIR"
  printf '"%s" ""\n' "$PG_USER" > "$PGB_DIR/userlist.txt"   # loopback only: trust, as the PostgreSQL it fronts
  sed -e "s#@PG_HOST@#$PG_HOST#g" -e "s#@PG_PORT@#$PG_PORT#g" -e "s#@PG_DBNAME@#$PG_DBNAME#g" \
      -e "s#@PGB_PORT@#$PGB_PORT#g" -e "s#@PGB_AUTH_TYPE@#trust#g" -e "s#@PGB_AUTH_FILE@#$PGB_DIR/userlist.txt#g" \
      -e "s#@LOG_DIR@#$PGB_DIR#g" -e "s#@RUN_DIR@#$PGB_DIR#g" "$APP_DIR/deploy/pgbouncer/pgbouncer.ini" > "$PGB_DIR/pgbouncer.ini"
  LIANXIN_DATABASE_URL="postgres://$PG_USER@127.0.0.1:$PGB_PORT/$PG_DBNAME"
  LIANXIN_DB_PGBOUNCER=1
fi
render "$APP_DIR/deploy/lianxin.env.template" "$ETC/lianxin.env"
sed -i 's#^LIANXIN_CSRF_TRUSTED_ORIGINS=.*#LIANXIN_CSRF_TRUSTED_ORIGINS=https://127.0.0.1:'"$HTTPS_PORT"',https://localhost:'"$HTTPS_PORT"'#' "$ETC/lianxin.env"
sed -i 's#^LIANXIN_ALLOWED_HOSTS=.*#LIANXIN_ALLOWED_HOSTS=127.0.0.1,localhost#' "$ETC/lianxin.env"
[ -z "${DEPLOY_EXTRA_ENV:-}" ] || printf '%s\n' "$DEPLOY_EXTRA_ENV" >> "$ETC/lianxin.env"
chmod 600 "$ETC/lianxin.env"
for unit in "$APP_DIR"/deploy/systemd/*.service; do render "$unit" "$ETC/systemd/$(basename "$unit")"; done
render "$APP_DIR/deploy/nginx/lianxin.conf" "$ETC/nginx/lianxin.conf"
render "$APP_DIR/deploy/nginx/lianxin-proxy.conf" "$ETC/nginx/lianxin-proxy.conf"
cat > "$ETC/nginx/nginx.conf" <<NGINX
# top level for a private nginx (no root files touched); the site is deploy/nginx/lianxin.conf
worker_processes 1;
pid $RUN/nginx.pid;
error_log $LOG/nginx.error.log warn;
$( [ "$(id -u)" = "0" ] && echo "user root root;" )
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $PREFIX/nginx/body;
    proxy_temp_path $PREFIX/nginx/proxy;
    fastcgi_temp_path $PREFIX/nginx/fastcgi;
    uwsgi_temp_path $PREFIX/nginx/uwsgi;
    scgi_temp_path $PREFIX/nginx/scgi;
    include $ETC/nginx/lianxin.conf;
}
NGINX

# 3. the environment of every process: the env file, plus this checkout's code
set -a; . "$ETC/lianxin.env"; set +a
export PYTHONPATH="$APP_DIR${PYTHONPATH:+:$PYTHONPATH}"
cd "$DATA"
say "migrate and collectstatic"
LIANXIN_DATABASE_URL="$DIRECT_URL" LIANXIN_DB_PGBOUNCER=0 "$PYTHON" -m django migrate --noinput -v 0
if [ "$PGBOUNCER" = 1 ] && ! { [ -e "$RUN/pgbouncer.pid" ] && kill -0 "$(cat "$RUN/pgbouncer.pid")" 2>/dev/null; }; then
  as=(); [ "$(id -u)" = "0" ] && { chown -R postgres "$PGB_DIR"; chmod 700 "$PGB_DIR"; as=(setpriv --reuid=postgres --regid=postgres --init-groups); }
  rm -f "$PGB_DIR/pgbouncer.pid"
  "${as[@]}" /usr/sbin/pgbouncer -d -q "$PGB_DIR/pgbouncer.ini" || { say "PgBouncer did not start: $PGB_DIR/pgbouncer.log"; exit 1; }
  for _ in $(seq 1 50); do [ -s "$PGB_DIR/pgbouncer.pid" ] && break; sleep 0.1; done
  cp "$PGB_DIR/pgbouncer.pid" "$RUN/pgbouncer.pid"
  ln -sf "$PGB_DIR/pgbouncer.log" "$LOG/pgbouncer.log"
fi
# collectstatic compresses every file (half a minute on a busy 2-core host): skip it when nothing
# changed since the last run — no static source newer than the stamp, no package (un)installed
stamp="$DATA/staticfiles/.deploy-local-collected"
site="$("$PYTHON" -c 'import django, os; print(os.path.dirname(os.path.dirname(django.__file__)))')"
if [ -e "$stamp" ] && [ ! "$site" -nt "$stamp" ] \
   && [ -z "$(find "$APP_DIR/lianxin" -path '*/static/*' -newer "$stamp" -print -quit)" ]; then
  say "static files unchanged since $(date -r "$stamp" +%FT%T)"
else
  "$PYTHON" -m django collectstatic --noinput -v 0
  touch "$stamp"
fi
"$NGINX" -t -q -p "$PREFIX/nginx" -c "$ETC/nginx/nginx.conf"

# 4. start: systemd when it runs, else the units' ExecStart lines as plain processes
use_systemd="${DEPLOY_SYSTEMD:-auto}"
if [ "$use_systemd" = "auto" ]; then
  state="$(systemctl is-system-running 2>/dev/null || true)"
  case "$state" in running|degraded) use_systemd=1 ;; *) use_systemd=0 ;; esac
fi

exec_start() {  # exec_start UNIT INSTANCE: the unit's ExecStart with %i, %%, ${VAR} resolved
  local line
  line="$(sed -n 's/^ExecStart=//p' "$ETC/systemd/$1")"
  line="${line//%i/$2}"; line="${line//%%/%}"
  eval "echo $line"
}

start() {  # start NAME UNIT INSTANCE
  local name="$1" unit="$2" instance="$3" envline
  if [ -e "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then return; fi
  (
    while IFS= read -r envline; do export "${envline//%i/$instance}"; done \
      < <(sed -n 's/^Environment=//p' "$ETC/systemd/$unit")
    [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ] || { rm -rf "$PROMETHEUS_MULTIPROC_DIR"; mkdir -p "$PROMETHEUS_MULTIPROC_DIR"; }
    # shellcheck disable=SC2046
    exec setsid $(exec_start "$unit" "$instance") >>"$LOG/$name.log" 2>&1
  ) &
  echo $! > "$RUN/$name.pid"
}

if [ "$use_systemd" = "1" ]; then
  say "systemd is running: installing the rendered units"
  for unit in "$ETC"/systemd/*.service; do
    sed -e 's/^User=lianxin/User=root/' -e 's/^Group=lianxin/Group=root/' \
        -e "s#^\[Service\]#[Service]\nEnvironment=PYTHONPATH=$APP_DIR#" "$unit" > "/etc/systemd/system/$(basename "$unit")"
  done
  systemctl daemon-reload
  for port in $WEB_PORTS; do systemctl restart "lianxin-web@$port"; done
  for n in $(seq 1 "$WORKERS"); do systemctl restart "lianxin-worker@$n"; done
  systemctl restart lianxin-beat
else
  say "systemd is not running: starting the processes directly (pid files in $RUN)"
  for port in $WEB_PORTS; do start "web-$port" "lianxin-web@.service" "$port"; done
  for n in $(seq 1 "$WORKERS"); do start "worker-$n" "lianxin-worker@.service" "$n"; done
  start "beat-1" "lianxin-beat.service" 1
  for n in $(seq 2 "$BEATS"); do  # a second beat: only to test that mistake; its own schedule file
    sed "s#celerybeat-schedule#celerybeat-schedule-$n#" "$ETC/systemd/lianxin-beat.service" > "$ETC/systemd/lianxin-beat-$n.service"
    start "beat-$n" "lianxin-beat-$n.service" "$n"
  done
fi
if [ -e "$RUN/nginx.pid" ] && kill -0 "$(cat "$RUN/nginx.pid")" 2>/dev/null; then
  "$NGINX" -p "$PREFIX/nginx" -c "$ETC/nginx/nginx.conf" -s reload
else
  "$NGINX" -p "$PREFIX/nginx" -c "$ETC/nginx/nginx.conf"
fi

# 5. ready when /readyz answers 200 through nginx (TLS)
ready=0
for _ in $(seq 1 120); do
  if "$PYTHON" - "$HTTPS_PORT" <<'PY' 2>/dev/null; then ready=1; break; fi
import ssl, sys, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
urllib.request.urlopen(f"https://127.0.0.1:{sys.argv[1]}/readyz", context=ctx, timeout=2)
PY
  sleep 0.5
done
if ! status_all >/dev/null; then status_all >&2 || true; say "a process died: see $LOG"; exit 1; fi
if [ "$ready" != 1 ]; then say "https://127.0.0.1:$HTTPS_PORT/readyz did not answer 200 in 60 s: see $LOG"; exit 1; fi
say "up: https://127.0.0.1:$HTTPS_PORT/ (app servers: $WEB_PORTS; workers: $WORKERS; beats: $BEATS; logs: $LOG)"
[ "${DEPLOY_SKIP_CHECK:-0}" = 1 ] || "$PYTHON" -m django deploy check --no-services || say "deploy check reported failures (above): fix them before real use"
