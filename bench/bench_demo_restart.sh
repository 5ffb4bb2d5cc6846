#!/usr/bin/env bash
# Restart of `minzheng demo` on an existing demo: from the command to the first page served.
# Sets up a scratch demo first (not timed), then times `minzheng demo --bind 127.0.0.1:PORT` until
# /health answers, twice. The virtual environment must exist (make install). Goal <= 10 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
port="${1:-8099}"
python="${PYTHON:-.venv/bin/python}"
minzheng="$(dirname "$python")/minzheng"
scratch="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT
export MINZHENG_VAR_DIR="$scratch"
"$minzheng" demo --no-serve >"$scratch/setup.log" 2>&1 || { cat "$scratch/setup.log"; exit 1; }
for run in 1 2; do
  start=$(date +%s.%N)
  "$minzheng" demo --bind "127.0.0.1:$port" >"$scratch/run$run.log" 2>&1 &
  server=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
    kill -0 "$server" 2>/dev/null || { cat "$scratch/run$run.log"; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  python3 -c "print(f'demo restart {$run} (20,000 persons, SQLite, to first page): {float($end) - float($start):.1f} s (goal <= 10 s)')"
done
grep -h "skipping set-up" "$scratch/run1.log"
