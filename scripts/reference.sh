#!/usr/bin/env bash
# Regenerates the reference result set (`npm run reference`; run it on a quiet box):
#
#   results/reference/suite/      the `reference` suite (bench/scenarios/reference.json): every model; closed-loop
#                                 echo at 100, 1,000 and 10,000 connections; work and mixed on 1 and 2 server cores;
#                                 idle ramps to 19,000 and their ceilings; a 200-thread pool given 300 connections.
#                                 `wsarena suite reference --dry-run` prints its cells and estimated duration
#                                 (within 30 minutes on the 2-core machine, test/bench/reference-scenario.test.ts;
#                                 bench/estimate.ts is checked against the timestamps of earlier reference files
#                                 by test/bench/estimate.test.ts).
#   results/reference/suite/pool-overhead.json  `wsarena pool-overhead`: CPU per task of a pool hand-off
#   results/reference/dashboard/  the dashboard of suite/ (and c10k/ when present), with the charts as SVG
#   README.md                     the section between <!-- wsarena:headline:start/end --> markers: provenance,
#                                 claims, scorecard and chart links, written by `wsarena report … --readme`
#
# Options:
#   --allow-dirty  run although the git tree has uncommitted changes. Without it the script refuses: every
#                  result records its commit and gitDirty, and the reference set must name a commit that
#                  reproduces it.
#   --c10k         also rerun the c10k suite into results/reference/c10k (about 40 minutes more). Without it an
#                  existing results/reference/c10k is kept and shown in the dashboard and the README beside the
#                  new suite (the README's provenance line names each folder's commit).
#   --threads      accepted for old habits and ignored: the thread-per-connection entries it reran are now part
#                  of the reference suite, and results/reference/threads/ is removed after a successful run.
#
# Nothing is replaced until the new results are complete: they are written into a temp folder beside the old
# ones and swapped in only after every suite ran to its end (exit 0, or 1 when a cell failed: a ramp that
# crashed its server is a measured ceiling, kept in the result file). Interrupted (Ctrl+C) or refused runs
# leave results/reference/ exactly as it was; an unfinished run's results go to results/suites/.
set -euo pipefail
cd "$(dirname "$0")/.."

allow_dirty=0
c10k=0
for arg in "$@"; do
  case "$arg" in
    --allow-dirty) allow_dirty=1 ;;
    --c10k) c10k=1 ;;
    --threads) echo "note: --threads is folded into the reference suite; nothing extra to run" >&2 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "Error: scripts/reference.sh: unknown argument \"$arg\"; allowed: --allow-dirty, --c10k, --threads, --help" >&2
      exit 2
      ;;
  esac
done

# The same test as results/environment.ts toolInfo() (tracked files only), so gitDirty will be false.
if [ "$allow_dirty" = 0 ] && [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "Error: scripts/reference.sh: the git tree has uncommitted changes (git status), so every result would record gitDirty true; allowed: a clean tree (commit first), or --allow-dirty" >&2
  exit 2
fi

npm run build
node dist/cli/main.js suite reference --dry-run | tail -n 1

out=results/reference
mkdir -p "$out"
new="$(mktemp -d "$out/.reference-new-XXXXXX")"
# A run that did not finish leaves results/reference/ alone; what it measured moves to results/suites/ (not
# tracked by git) for a look, not into the reference set.
keep_unfinished() {
  if [ -d "$new" ] && [ -n "$(ls -A "$new")" ]; then
    mkdir -p results/suites
    local kept="results/suites/reference-unfinished-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$new" "$kept" && echo "note: the unfinished run's results are in $kept" >&2
  fi
  rm -rf "$new"
}
trap keep_unfinished EXIT

# Runs a suite into the temp folder; 0 and 1 (a cell failed, recorded) mean it ran to its end.
run_suite() {
  local status=0
  node dist/cli/main.js suite "$1" --out-dir "$new/$2" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "Error: scripts/reference.sh: suite $1 ended with exit code $status; results/reference/ left as it was" >&2
    exit "$status"
  fi
}
run_suite reference suite
# What a pool hand-off costs apart from any server (inline vs bare piscina vs a MessagePort round trip, on 1 and
# 2 CPUs; under a minute): the dashboard's pool rows quote it from this file (report/pool-overhead-note.ts).
node dist/cli/main.js pool-overhead --json "$new/suite/pool-overhead.json"
[ "$c10k" = 1 ] && run_suite c10k c10k

# Swap the new folders in, then drop what they replace.
for dir in "$new"/*/; do
  name="$(basename "$dir")"
  rm -rf "$out/.$name.old"
  [ -e "$out/$name" ] && mv "$out/$name" "$out/.$name.old"
  mv "$dir" "$out/$name"
  rm -rf "$out/.$name.old"
done
rm -rf "$out/threads"

inputs=("$out/suite")
[ -d "$out/c10k" ] && inputs+=("$out/c10k")
node dist/cli/main.js report "${inputs[@]}" --out "$out/dashboard" --svg
node dist/cli/main.js report "${inputs[@]}" --out "$out/dashboard" --readme README.md
