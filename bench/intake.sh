#!/usr/bin/env bash
# The intake benchmark (`make bench-intake`): appeals/s and latency of POST /api/v1/appeals on a
# production-style server (gunicorn, PostgreSQL), beside a raw single-row INSERT of the same row
# shape at the same concurrency; then lookups and a unit's queues at 1,000,000 seeded appeals.
#
# Everything targets 127.0.0.1 only, in a scratch database (default lianxin_bench_intake) that is created
# here and dropped at the end. Every load loop is bounded in time (wrk -d, raw insert --seconds)
# and in count (read benchmark --n).
#
# env: LIANXIN_BENCH_PG   server URL without database (default postgres://postgres@127.0.0.1:5432)
#      BENCH_DB           scratch database name (default lianxin_bench_intake; bench/dashboard.py uses lianxin_bench)
#      WORKERS            gunicorn sync workers (default 2)      CONNS  wrk connections (default "8 16")
#      DUR / WARM         measured / warm-up seconds (default 30 / 10)
#      SMALL_APPEALS      appeals seeded before the intake runs (default 2000)
#      BIG_APPEALS        appeals seeded for the read runs (default 1000000; 0 skips that part)
#      READ_N             sequential requests per read kind (default 100)
#      CONN_MAX_AGE       LIANXIN_DB_CONN_MAX_AGE for the server (default 60, the project default)
#      VENV               virtualenv (default ./.venv)
#      SKIP_SMALL=1       skip part 1 (intake + raw INSERT at the small table)
#      PEER_ROUNDS        rounds of django-helpdesk beside ours, interleaved (default 2; 0 skips; needs
#                         ../shared/bench/peer-helpdesk/setup.sh run once: /tmp/peer)
#      PEER_CONNS         connections of the peer rounds (default 16)   PEER_DIR  (default /tmp/peer)
#      SKIP_RAW=1         skip the raw INSERT runs of part 1
#      ALT_ROOT           another source tree of ours (e.g. a worktree of main) measured in the same rounds,
#                         on the same database, right after ours (its server gets PYTHONPATH=ALT_ROOT)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VENV=${VENV:-$ROOT/.venv}  # e.g. VENV=/work/main/.venv from a worktree without its own
PY="$VENV/bin/python"
LX="$VENV/bin/lianxin"
GUNICORN="$VENV/bin/gunicorn"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"  # this tree's code, even if the venv's editable install points elsewhere
PGURL=${LIANXIN_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-lianxin_bench_intake}
WORKERS=${WORKERS:-2}
CONNS=${CONNS-"8 16"}  # CONNS="" skips the runs at each connection count
DUR=${DUR:-30}
WARM=${WARM:-10}
SMALL=${SMALL_APPEALS:-2000}
BIG=${BIG_APPEALS:-1000000}
READ_N=${READ_N:-100}
PORT=${BENCH_PORT:-8765}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$ROOT/var/bench/intake-$STAMP}
mkdir -p "$OUT"

case "$PGURL" in
  *127.0.0.1*|*localhost*) ;;
  *) echo "LIANXIN_BENCH_PG must point at 127.0.0.1" >&2; exit 2 ;;
esac
case "$DB" in
  *bench*) ;;
  *) echo "BENCH_DB must contain 'bench' (it is dropped at the end)" >&2; exit 2 ;;
esac

# The load generator: wrk (from apt). Only this benchmark needs it, so it is checked here.
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y wrk >/dev/null
  else
    echo "wrk is not installed: sudo apt-get install -y wrk" >&2; exit 2
  fi
fi
command -v psql >/dev/null || { echo "psql is not installed (postgresql-client)" >&2; exit 2; }

export DJANGO_SETTINGS_MODULE=lianxin.settings.production
export LIANXIN_SECRET_KEY=benchmark-only-not-a-secret
export LIANXIN_DATA_KEYS=YmVuY2htYXJrLW9ubHktbm90LWEtc2VjcmV0LWtleSE=
export LIANXIN_LOOKUP_KEY=benchmark-only-not-a-secret
export LIANXIN_SECURE_COOKIES=0
export LIANXIN_DEBUG=0
export LIANXIN_LOG_LEVEL=WARNING
export LIANXIN_DATABASE_URL="$PGURL/$DB"
export LIANXIN_DATA_DIR="$OUT/data"
export LIANXIN_DB_CONN_MAX_AGE=${CONN_MAX_AGE:-60}
export LIANXIN_BENCH_KEY=lx_demo_NOT_A_SECRET_seeded_demo_key_0001
export LIANXIN_AUDIT_KEY=benchmark-only-not-a-secret
export LIANXIN_SSL_REDIRECT=0
# Production refuses to start without a broker and a shared cache: both on a scratch Redis
# database (BENCH_REDIS, default db 3), flushed at the end. No Celery worker runs during the
# measurement: the notification tasks wait in the queue, as they would for the workers of a
# deployment (their cost is not counted here).
BENCH_REDIS=${BENCH_REDIS:-redis://127.0.0.1:6379/3}
export LIANXIN_BROKER_URL="$BENCH_REDIS"
export LIANXIN_CACHE_URL="$BENCH_REDIS"
DSN="$PGURL/$DB"
PSQL=(psql "$PGURL/$DB" -Atq)

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/summary.txt"; }

GPID=""
stop_server() {
  if [ -n "$GPID" ]; then kill -TERM "$GPID" 2>/dev/null || true; wait "$GPID" 2>/dev/null || true; GPID=""; fi
}
drop_db() { psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null; }
flush_redis() { "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$BENCH_REDIS" || true; }
cleanup() { stop_server; flush_redis; [ "${KEEP_DB:-0}" = 1 ] || drop_db; }
# migrate and seed are demo commands: production settings refuse to seed
demo() { DJANGO_SETTINGS_MODULE=lianxin.settings.base "$LX" "$@"; }
trap cleanup EXIT

fresh_db() {
  drop_db
  psql "$PGURL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
  demo migrate --noinput -v0
}

start_server() {
  "$GUNICORN" lianxin.wsgi:application -k sync -w "$WORKERS" -b "127.0.0.1:$PORT" --timeout 300 \
    --access-logfile /dev/null >"$OUT/gunicorn-$1.log" 2>&1 &
  GPID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/categories" && return 0
    sleep 0.2
  done
  echo "the server did not start; see $OUT/gunicorn-$1.log" >&2; exit 1
}

# The first requests a worker serves fill its per-process caches (the triage model; the index of
# the last 30 days of appeals used to spot duplicates). Send them before measuring and report how
# long they took: at a large table that cold start is a cost of its own.
prime() {
  local body="$OUT/prime-body.json" i round pid
  printf '{"text": "%s", "kind": "complaint", "channel": "hotline", "category": "CJ-01-01", "area": "G001", "contact_phone": "13800000001", "contact_consent": true}' \
    "东湖路与青年路交叉口路灯不亮，已经一个多星期了，晚上走路很不安全，希望尽快修复。" > "$body"
  for round in 1 2 3; do
    local pids=()
    for i in $(seq 1 "$WORKERS"); do
      curl -s -o /dev/null --max-time 900 -w "prime round $round: HTTP %{http_code} in %{time_total} s\n" \
        -H "Authorization: Bearer $LIANXIN_BENCH_KEY" -H "Content-Type: application/json" \
        --data-binary @"$body" "http://127.0.0.1:$PORT/api/v1/appeals" >> "$OUT/prime-$1.txt" &
      pids+=($!)
    done
    wait "${pids[@]}"  # not a bare `wait`: that would wait for the server too
  done
  sed 's/^/  /' "$OUT/prime-$1.txt" | tee -a "$OUT/summary.txt"
}

{
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
       "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "postgresql: $(psql "$PGURL/postgres" -Atqc 'show server_version')"
  echo "python: $("$PY" --version 2>&1), gunicorn $("$GUNICORN" --version 2>&1 | awk '{print $NF}' | tr -d ')'), wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "server: gunicorn sync workers=$WORKERS, CONN_MAX_AGE=$LIANXIN_DB_CONN_MAX_AGE, settings=production, broker and cache on $BENCH_REDIS (no Celery worker running)"
} | tee "$OUT/machine.txt"

# --- 1. intake at a small table ----------------------------------------------------------------------
[ "${SKIP_SMALL:-0}" = 1 ] || log "fresh database $DB, seeding $SMALL appeals (and the demo triage model)"
if [ "${SKIP_SMALL:-0}" != 1 ]; then
fresh_db
demo seed --appeals "$SMALL" --quiet-progress > "$OUT/seed-small.txt"
start_server small
prime small
# --- 0. beside the peer: django-helpdesk's tickets/s and ours, interleaved, PEER_ROUNDS times ----------
PEER_ROUNDS=${PEER_ROUNDS:-2}
PEER_CONNS=${PEER_CONNS:-16}
PEER_DIR=${PEER_DIR:-/tmp/peer}
PEER_BENCH=${PEER_BENCH:-$ROOT/../shared/bench/peer-helpdesk}
# one measured wrk run of ours at $1 connections, $2 = label; prints the JSON line
ours_run() {
  local C=$1 label=$2 N0 N1 OK P50 P99 OTHER
  wrk -t2 -c"$C" -d"${WARM}s" --timeout 30s -s bench/intake_post.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-warm-$label.txt" 2>&1
  sleep 1
  N0=$("${PSQL[@]}" -c "select count(*) from appeals_appeal")
  wrk -t2 -c"$C" -d"${DUR}s" --timeout 30s --latency -s bench/intake_post.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-$label.txt" 2>&1
  sleep 2
  N1=$("${PSQL[@]}" -c "select count(*) from appeals_appeal")
  OK=$(awk '$1=="STATUS" && $2==201 {print $3}' "$OUT/wrk-$label.txt"); OK=${OK:-0}
  P50=$(awk '$1=="PCTL" && $2=="50" {print $3}' "$OUT/wrk-$label.txt")
  P99=$(awk '$1=="PCTL" && $2=="99" {print $3}' "$OUT/wrk-$label.txt")
  OTHER=$(awk '$1=="STATUS" && $2!=201 {s=s" "$2":"$3} END {print s}' "$OUT/wrk-$label.txt")
  echo "{\"kind\": \"http\", \"label\": \"$label\", \"conns\": $C, \"appeals_per_s\": $(awk -v n="$OK" -v d="$DUR" 'BEGIN{printf "%.1f", n/d}'), \"p50_ms\": ${P50:-null}, \"p99_ms\": ${P99:-null}, \"created_201\": $OK, \"rows_added\": $((N1 - N0)), \"other_statuses\": \"${OTHER# }\", \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
}
if [ "$PEER_ROUNDS" -gt 0 ]; then
  [ -f "$PEER_DIR/token.txt" ] || { echo "the peer is not set up: bash $PEER_BENCH/setup.sh (or PEER_ROUNDS=0)" >&2; exit 2; }
  for R in $(seq 1 "$PEER_ROUNDS"); do
    log "round $R: django-helpdesk, 2 sync workers (PEER_CONN_MAX_AGE=$LIANXIN_DB_CONN_MAX_AGE), c=$PEER_CONNS, ${WARM}s + ${DUR}s"
    # a clean environment: the peer's Django must not see our settings module, PYTHONPATH or keys
    PEER_OUT=$(env -i PATH="$PATH" HOME="$HOME" PEER="$PEER_DIR" PEER_CONN_MAX_AGE="$LIANXIN_DB_CONN_MAX_AGE" \
      bash "$PEER_BENCH/run_load.sh" "$WORKERS" "$PEER_CONNS" "$DUR" "$WARM" 2>&1 | tee "$OUT/peer-round$R.txt") || true
    PEER_TPS=$(echo "$PEER_OUT" | awk '$1=="TPS_201" {print $2}')
    PEER_P50=$(echo "$PEER_OUT" | awk '$1=="PCTL" && $2=="50" {print $3}')
    PEER_P99=$(echo "$PEER_OUT" | awk '$1=="PCTL" && $2=="99" {print $3}')
    # the peer's wrk keeps its default 2 s timeout: on a loaded machine slower answers count as
    # timeouts (and leave its percentiles empty), so the tickets it created are reported too
    PEER_ROWS=$(echo "$PEER_OUT" | awk '$1=="ROWS" {sub(/^\+/, "", $3); print $3}')
    PEER_TIMEOUTS=$(echo "$PEER_OUT" | awk '$1=="ERRORS" {for (i = 2; i <= NF; i++) if ($i ~ /^timeout=/) {sub(/timeout=/, "", $i); print $i}}' | tail -1)
    echo "{\"kind\": \"peer_http\", \"round\": $R, \"conns\": $PEER_CONNS, \"tickets_per_s\": ${PEER_TPS:-0}, \"p50_ms\": ${PEER_P50:-null}, \"p99_ms\": ${PEER_P99:-null}, \"rows_added\": ${PEER_ROWS:-null}, \"wrk_timeouts\": ${PEER_TIMEOUTS:-null}, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT/results.jsonl"
    log "round $R: lianxin, c=$PEER_CONNS, ${WARM}s + ${DUR}s"
    LINE=$(ours_run "$PEER_CONNS" "round$R-c$PEER_CONNS")
    echo "$LINE" | tee -a "$OUT/results.jsonl"
    OURS=$(echo "$LINE" | sed 's/.*"appeals_per_s": \([0-9.]*\).*/\1/')
    log "round $R: lianxin $OURS appeals/s vs django-helpdesk ${PEER_TPS:-0} tickets/s = $(awk -v a="$OURS" -v b="${PEER_TPS:-0}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }')"
    if [ -n "${ALT_ROOT:-}" ]; then  # another tree of ours (e.g. main), same database, same round
      stop_server
      PYTHONPATH="$ALT_ROOT" start_server "alt-round$R"
      prime "alt-round$R" > /dev/null
      log "round $R: lianxin at $ALT_ROOT, c=$PEER_CONNS, ${WARM}s + ${DUR}s"
      LINE=$(ours_run "$PEER_CONNS" "alt-round$R-c$PEER_CONNS" | sed 's/"kind": "http"/"kind": "http_alt"/')
      echo "$LINE" | tee -a "$OUT/results.jsonl"
      ALT=$(echo "$LINE" | sed 's/.*"appeals_per_s": \([0-9.]*\).*/\1/')
      log "round $R: $ALT_ROOT $ALT appeals/s vs django-helpdesk ${PEER_TPS:-0} tickets/s = $(awk -v a="$ALT" -v b="${PEER_TPS:-0}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }')"
      stop_server
      start_server "small-round$R"
      prime "small-round$R" > /dev/null
    fi
  done
fi
for C in $CONNS; do
  log "intake: warm-up ${WARM}s, c=$C"
  wrk -t2 -c"$C" -d"${WARM}s" --timeout 30s -s bench/intake_post.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-warm-c$C.txt" 2>&1
  sleep 1
  N0=$("${PSQL[@]}" -c "select count(*) from appeals_appeal")
  log "intake: measured ${DUR}s, c=$C (table has $N0 appeals)"
  wrk -t2 -c"$C" -d"${DUR}s" --timeout 30s --latency -s bench/intake_post.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-c$C.txt" 2>&1
  sleep 2
  N1=$("${PSQL[@]}" -c "select count(*) from appeals_appeal")
  OK=$(awk '$1=="STATUS" && $2==201 {print $3}' "$OUT/wrk-c$C.txt"); OK=${OK:-0}
  P50=$(awk '$1=="PCTL" && $2=="50" {print $3}' "$OUT/wrk-c$C.txt")
  P99=$(awk '$1=="PCTL" && $2=="99" {print $3}' "$OUT/wrk-c$C.txt")
  OTHER=$(awk '$1=="STATUS" && $2!=201 {s=s" "$2":"$3} END {print s}' "$OUT/wrk-c$C.txt")
  echo "{\"kind\": \"http\", \"conns\": $C, \"appeals_per_s\": $(awk -v n="$OK" -v d="$DUR" 'BEGIN{printf "%.1f", n/d}'), \"p50_ms\": $P50, \"p99_ms\": $P99, \"created_201\": $OK, \"rows_added\": $((N1 - N0)), \"other_statuses\": \"${OTHER# }\"}" \
    | tee -a "$OUT/results.jsonl"
done
stop_server
[ "${SKIP_RAW:-0}" = 1 ] || for C in $CONNS; do
  log "raw INSERT: ${DUR}s, $C processes"
  "$PY" bench/intake_raw.py --dsn "$DSN" --workers "$C" --seconds "$DUR" --warmup 5 \
    | sed 's/^{/{"kind": "raw_insert", /' | tee -a "$OUT/results.jsonl"
done
fi

# --- 2. reads (and one intake run) at BIG_APPEALS ---------------------------------------------------
if [ "$BIG" -gt 0 ]; then
  log "fresh database $DB, seeding $BIG appeals"
  fresh_db
  T0=$(date +%s)
  demo seed --appeals "$BIG" --no-train > "$OUT/seed-big.txt" 2> "$OUT/seed-big-progress.txt"
  T1=$(date +%s)
  log "seeded $BIG appeals in $((T1 - T0)) s"
  echo "{\"kind\": \"seed\", \"appeals\": $BIG, \"seconds\": $((T1 - T0)), \"events\": $("${PSQL[@]}" -c 'select count(*) from appeals_appealevent')}" | tee -a "$OUT/results.jsonl"
  "${PSQL[@]}" -c "VACUUM ANALYZE"
  start_server big
  log "reads at $BIG appeals: $READ_N sequential requests per kind"
  "$PY" bench/intake_read.py --dsn "$DSN" --base "http://127.0.0.1:$PORT" --n "$READ_N" \
    | sed 's/^{/{"kind": "read", /' | tee -a "$OUT/results.jsonl"
  C=16
  log "intake at $BIG appeals: cold start, then warm-up ${WARM}s and ${DUR}s measured, c=$C"
  prime big
  wrk -t2 -c"$C" -d"${WARM}s" --timeout 30s -s bench/intake_post.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-big-warm-c$C.txt" 2>&1
  wrk -t2 -c"$C" -d"${DUR}s" --timeout 30s --latency -s bench/intake_post.lua "http://127.0.0.1:$PORT" > "$OUT/wrk-big-c$C.txt" 2>&1
  OK=$(awk '$1=="STATUS" && $2==201 {print $3}' "$OUT/wrk-big-c$C.txt"); OK=${OK:-0}
  P50=$(awk '$1=="PCTL" && $2=="50" {print $3}' "$OUT/wrk-big-c$C.txt")
  P99=$(awk '$1=="PCTL" && $2=="99" {print $3}' "$OUT/wrk-big-c$C.txt")
  echo "{\"kind\": \"http_at_big\", \"conns\": $C, \"appeals_per_s\": $(awk -v n="$OK" -v d="$DUR" 'BEGIN{printf "%.1f", n/d}'), \"p50_ms\": $P50, \"p99_ms\": $P99}" \
    | tee -a "$OUT/results.jsonl"
  stop_server
fi
log "done: $OUT/results.jsonl"
