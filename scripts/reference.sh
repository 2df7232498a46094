#!/usr/bin/env bash
# Regenerates the reference result set under results/reference/: the `reference` suite, its dashboard
# and the SVG charts the README embeds. Takes about 10 minutes on the 2-core machine; run it on a quiet box.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/reference
rm -rf "$out/suite" "$out/dashboard"
node dist/cli/main.js suite reference --out-dir "$out/suite"
node dist/cli/main.js report "$out/suite" --out "$out/dashboard" --svg
