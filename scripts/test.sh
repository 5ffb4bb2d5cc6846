#!/usr/bin/env bash
# The whole suite, twice: on the embedded default (SQLite) and on PostgreSQL, with the Redis
# worker tests against the local Redis. Extra arguments go to pytest (e.g. -k scope).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-system.sh

echo "=== lint and format (ruff) ==="
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts

PG_URL="${MINZHENG_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "=== test suite on SQLite ==="
MINZHENG_VAR_DIR="$scratch/sqlite" .venv/bin/pytest -q -p no:cacheprovider "$@"

echo "=== test suite on PostgreSQL ($PG_URL) ==="
DATABASE_URL="$PG_URL" MINZHENG_VAR_DIR="$scratch/pg" .venv/bin/pytest -q -p no:cacheprovider "$@"
