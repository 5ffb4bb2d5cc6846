#!/usr/bin/env bash
# The full API contract run: Schemathesis generates requests (valid and deliberately invalid)
# from /api/openapi.json for every operation, as an administrator and as a township clerk whose
# region holds none of the records, and checks: no 5xx, responses match their schema, status
# codes are documented. EXAMPLES per operation and role (default 12: about 3,600 cases).
# The suite runs the same test with 4. Add DATABASE_URL=postgres://… for PostgreSQL.
#   bench/bench_api_contract.sh [EXAMPLES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${VIRTUAL_ENV:-.venv}"
start=$(date +%s.%N)
MINZHENG_CONTRACT_EXAMPLES="${1:-12}" "$venv/bin/pytest" -q -s -p no:cacheprovider tests/test_api_contract.py 2>&1 \
  | grep -E "^contract as|passed|failed|Error|→"
end=$(date +%s.%N)
python3 -c "print(f'wall time: {float($end) - float($start):.0f} s')"
