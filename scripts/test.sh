#!/usr/bin/env bash
# The suite on the embedded default (SQLite) and on PostgreSQL at the same time (one pass per core
# of a two-core machine), with the Redis worker tests against the local Redis: every test that
# can depend on the database in both passes, the others in one. Each line of output names its
# pass. Extra arguments go to both passes' pytest (e.g. -k scope).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-system.sh

echo "=== lint and format (ruff) ==="
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts

PG_URL="${MINZHENG_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Runs one pass with its output prefixed by its name (and kept whole in $scratch/NAME.log); its
# status is pytest's.
run_pass() {
    local name=$1
    shift
    set -o pipefail
    "$@" 2>&1 | tee "$scratch/$name.log" | sed -u "s/^/[$name] /"
}

echo "=== test suite: on SQLite and on PostgreSQL, side by side ==="
# Every test that can depend on the database runs in both passes; those that cannot run once:
# the browser tests in the SQLite pass (but those marked postgresql_pass), those marked
# db_independent in the PostgreSQL pass, so that the two passes take about as long. Each pass
# ends with its 15 slowest tests.
run_pass SQLite env MINZHENG_VAR_DIR="$scratch/sqlite" \
    .venv/bin/pytest -q -p no:cacheprovider --durations=15 --basetemp="$scratch/sqlite-tmp" \
    --without db_independent --without postgresql_pass "$@" &
sqlite_pass=$!
run_pass PostgreSQL env DATABASE_URL="$PG_URL" MINZHENG_VAR_DIR="$scratch/pg" \
    .venv/bin/pytest -q -p no:cacheprovider --durations=15 --basetemp="$scratch/pg-tmp" \
    --without browser --keep postgresql_pass "$@" &
pg_pass=$!
sqlite_status=0
pg_status=0
wait "$sqlite_pass" || sqlite_status=$?
wait "$pg_pass" || pg_status=$?
echo "=== SQLite pass (exit $sqlite_status), then PostgreSQL pass (exit $pg_status) ==="
tail -n 1 "$scratch/SQLite.log"
tail -n 1 "$scratch/PostgreSQL.log"
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]
