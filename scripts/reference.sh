#!/usr/bin/env bash
# Regenerates the reference result set under results/reference/: the `reference` suite, its dashboard
# and the SVG charts the README embeds (about 10 minutes on the 2-core machine; run it on a quiet box).
# With --c10k it also reruns the c10k suite into results/reference/c10k (about 40 minutes more);
# without it, an existing results/reference/c10k is kept and included in the dashboard. --threads likewise
# reruns the thread-per-connection entries of threaded-vs-async into results/reference/threads.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/reference
rm -rf "$out/suite" "$out/dashboard"
node dist/cli/main.js suite reference --out-dir "$out/suite"
if [ "${1:-}" = "--c10k" ] || [ "${2:-}" = "--c10k" ]; then
  rm -rf "$out/c10k"
  node dist/cli/main.js suite c10k --out-dir "$out/c10k"
fi
inputs=("$out/suite")
[ -d "$out/c10k" ] && inputs+=("$out/c10k")
# The thread-per-connection entries of threaded-vs-async (about 30 minutes): rerun with --threads.
if [ "${1:-}" = "--threads" ] || [ "${2:-}" = "--threads" ]; then
  rm -rf "$out/threads"
  node dist/cli/main.js suite threaded-vs-async --only pool-starvation,idle-threads,idle-worker-per-conn,scaling-closed,scaling-worker-per-conn --out-dir "$out/threads"
fi
[ -d "$out/threads" ] && inputs+=("$out/threads")
node dist/cli/main.js report "${inputs[@]}" --out "$out/dashboard" --svg
