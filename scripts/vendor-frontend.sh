#!/usr/bin/env bash
# Install the pinned browser libraries and copy their distribution files into the package's
# static directory, so the platform serves them itself (no CDN, works offline).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FRONTEND="$ROOT/frontend"
VENDOR="$ROOT/src/minzheng/static/vendor"

cd "$FRONTEND"
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi

mkdir -p "$VENDOR/htmx" "$VENDOR/echarts"
cp node_modules/htmx.org/dist/htmx.min.js "$VENDOR/htmx/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$VENDOR/htmx/LICENSE"
cp node_modules/echarts/dist/echarts.min.js "$VENDOR/echarts/echarts.min.js"
cp node_modules/echarts/LICENSE "$VENDOR/echarts/LICENSE"

# Record exactly what was copied, for the about page and for audits of third-party code.
node -e '
const fs = require("fs");
const pick = (name) => JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8")).version;
const out = {"htmx.org": pick("htmx.org"), "echarts": pick("echarts")};
fs.writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
' "$VENDOR/versions.json"
echo "vendored into $VENDOR: $(tr -d '\n ' < "$VENDOR/versions.json")"
