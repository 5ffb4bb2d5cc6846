#!/usr/bin/env bash
# First `demo` start at the default scale on a fresh SQLite database: migrate, load the Jingmen
# tree, generate and load the 20,000-person synthetic city, create the demo accounts.
# The virtual environment must exist (make install). Prints the wall time; goal <= 60 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
start=$(date +%s.%N)
MINZHENG_VAR_DIR="$scratch" .venv/bin/minzheng demo --no-serve >"$scratch/demo.log" 2>&1 || { cat "$scratch/demo.log"; exit 1; }
end=$(date +%s.%N)
tail -n 14 "$scratch/demo.log"
python3 -c "print(f'first demo start (fresh SQLite, 20,000 persons): {float($end) - float($start):.1f} s (goal <= 60 s)')"
