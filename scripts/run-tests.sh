#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when one is reachable.
# With LIANXIN_REQUIRE_POSTGRES=1 (as in CI) an unreachable PostgreSQL is a failure, not a skip.
set -uo pipefail
BIN=.venv/bin
PG_URL="${LIANXIN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
ran=()
status=0

run_suite() {
  local label="$1"; shift
  echo "=== Test suite on ${label} ==="
  "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then echo "pytest collected no tests on ${label}: failing"; rc=1; fi
  if [ $rc -ne 0 ]; then status=$rc; fi
  ran+=("${label}(rc=${rc})")
}

run_suite SQLite env LIANXIN_DATABASE_URL= "$BIN/pytest" -p no:cacheprovider ${PYTEST_ARGS:-}

if "$BIN/python" - "$PG_URL" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}")
    sys.exit(1)
PY
then
  run_suite PostgreSQL env LIANXIN_DATABASE_URL="$PG_URL" "$BIN/pytest" -p no:cacheprovider -m "not browser" ${PYTEST_ARGS:-}
elif [ "${LIANXIN_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL is required here (LIANXIN_REQUIRE_POSTGRES=1) but not reachable."
  status=1
fi

echo "Databases tested: ${ran[*]}"
exit $status
