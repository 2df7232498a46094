#!/usr/bin/env bash
# 100,000 idle WebSocket connections on this 2-core box (issue 16 item 5): a benchmark for the notes, not a CI test.
#
# What it runs: one `wsarena run --workload idle` cell against ws-cluster (or uws-procs, C100K_SERVER), the server
# started by wsarena so its whole process tree is sampled from /proc (bytes per connection need the server's
# pids; a --target run cannot measure them, and --segment refuses the idle workload, so one command on one box):
#
#   server   uws-procs --threads 6: six uWS processes sharing the port (SO_REUSEPORT), the kernel spreading
#            connections over them; or ws-cluster --threads 6: six worker processes (plus the primary, which
#            accepts and hands each connection over; Node's round-robin handoff closes the primary's copy once the
#            worker accepted it). Pinned to CPU 0. 100,000 / 6 = 16,667 sockets per worker, under the 20,000 open files per process.
#   clients  6 fleet worker processes (--client-workers 6, 16,667 sockets each) pinned to CPU 1, spread over
#            4 source addresses 127.0.0.1-4 (--source-addresses 4): 25,000 of the 28,232 ephemeral ports
#            (32768-60999) of each address, each connection's port planned (docs/METHOD.md §7: with port 0
#            the kernel's bind scan made the ramp crawl at ~110/s past 60,000).
#   ramp     2,000 connections/s in 5 steps with 3 s holds, then a 60 s final hold; every connection pinged
#            every 10 s (10,000 pings/s at the top: 1 s pings would be 100,000/s, more than the one client core
#            and the one server core can answer in time, which would measure the ping load, not idle holding).
#
# How long: at 100,000 connections about 2.5 minutes (50 s ramp + 12 s holds + 60 s final hold + start/stop).
# Memory: about 8 kB per connection in the server (ws-cluster PSS slope at 25,000) plus kernel socket memory on
# both ends and the fleet's own: expect roughly 2-3 GB of the box's 24 GB in use at the top.
#
# Limits (docs/METHOD.md §7): open files 20,000 per process (hard) -> at least 6 server and 6 client processes;
# ephemeral ports ~28,232 per source address -> at least 4 addresses; kernel.pid_max 32,768 counts tasks (threads),
# about a dozen per Node process here, so a few hundred in all: it binds thread-per-connection models, not this
# one; vm.max_map_count 65,530 per process: a few hundred maps per Node process. uws-threads cannot take part:
# its threads share ONE process and so one 20,000 open-file limit (~19,900 connections at most); uws-procs is uWS
# in several processes for that reason.
#
# Writes results/reference/c100k/idle-<server>-<N>.json (C100K_OUT to change the folder), then prints bytes per
# connection, connections held, pings answered and the nearest limit (bench/limits.ts at the idle peak, plus the
# ephemeral ports per source address, which bench/limits.ts does not read).
#
# Environment:
#   C100K_SERVER       ws-cluster (default) or uws-procs
#   C100K_CONNECTIONS  connections to hold (default 100000; e.g. 3000 to validate the same layout quickly)
#   C100K_FINAL_HOLD   final hold (default 60s)
#   C100K_OUT          result folder (default results/reference/c100k)
#   C100K_NO_BUILD=1   skip `npm run build`
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if [ "$#" -gt 0 ]; then
  echo "Error: scripts/c100k.sh: unknown argument \"$1\"; allowed: --help (settings are environment variables, see --help)" >&2
  exit 2
fi

server="${C100K_SERVER:-ws-cluster}"
connections="${C100K_CONNECTIONS:-100000}"
final_hold="${C100K_FINAL_HOLD:-60s}"
out_dir="${C100K_OUT:-results/reference/c100k}"
if [ "$server" != ws-cluster ] && [ "$server" != uws-procs ]; then
  echo "Error: scripts/c100k.sh: C100K_SERVER \"$server\" is not allowed; allowed: ws-cluster, uws-procs (multi-process servers: one process holds at most ~19,900)" >&2
  exit 2
fi
if ! [[ "$connections" =~ ^[1-9][0-9]*$ ]] || [ "$connections" -gt 110000 ]; then
  echo "Error: scripts/c100k.sh: C100K_CONNECTIONS \"$connections\" must be an integer 1-110000 (the layout below holds ~110k)" >&2
  exit 2
fi
# The same layout at every size, so a small run checks what the full one will do.
server_processes=6
client_workers=6
source_addresses=4

[ "${C100K_NO_BUILD:-0}" = 1 ] || npm run build >/dev/null
mkdir -p "$out_dir"
out="$out_dir/idle-$server-$connections.json"

cmd=(node dist/cli/main.js run --server "$server" --threads "$server_processes" --workload idle
  --connections "$connections" --client-workers "$client_workers" --source-addresses "$source_addresses"
  --server-cpus 0 --client-cpus 1 --ramp 2000 --steps 5 --hold 3s --final-hold "$final_hold"
  --ping-interval 10s --handshake-timeout 30s --out "$out")
echo "ulimit -n: $(ulimit -Sn) soft / $(ulimit -Hn) hard; ports $(tr -s '\t ' - </proc/sys/net/ipv4/ip_local_port_range); pid_max $(cat /proc/sys/kernel/pid_max); max_map_count $(cat /proc/sys/vm/max_map_count)" >&2
echo "running: ${cmd[*]}" >&2
status=0
"${cmd[@]}" || status=$?
if [ ! -f "$out" ]; then
  echo "Error: scripts/c100k.sh: no result file $out (wsarena exit code $status)" >&2
  exit "$status"
fi

node --input-type=module - "$out" "$source_addresses" <<'EOF'
import { readFileSync } from 'node:fs';
import { describeLimit, nearestLimit } from './dist/bench/limits.js';

const [file, addressesText] = process.argv.slice(2);
const result = JSON.parse(readFileSync(file, 'utf8'));
const cell = result.cells[0];
const idle = cell?.idle;
const fmt = (n) => (n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
console.log(`result: ${file} (${cell?.status ?? 'no cell'}${cell?.error ? `: ${cell.error}` : ''})`);
if (!idle) process.exit(1);
const held = idle.ceiling;
const live = idle.liveness;
console.log(`connections held: ${fmt(held)} of ${fmt(idle.params.targetConnections)} (stopped by: ${idle.stoppedBy})`);
console.log(
  `bytes per connection: ${fmt(idle.bytesPerConnection)} B server (${idle.memoryBasis.toUpperCase()} slope, R² ${idle.r2?.toFixed(3) ?? 'n/a'}), ` +
    `${fmt(idle.kernelBytesPerConnection)} B kernel (KernelStack + SUnreclaim, machine-wide, R² ${idle.kernelR2?.toFixed(3) ?? 'n/a'})`,
);
const top = idle.points.at(-1);
if (top) console.log(`server at the top: RSS ${fmt(top.rssBytes / 2 ** 20)} MiB, PSS ${fmt(top.pssBytes === null ? null : top.pssBytes / 2 ** 20)} MiB, ${top.processes} processes`);
const answered = live.pingsSent > 0 ? ((100 * live.pongsReceived) / live.pingsSent).toFixed(2) : 'n/a';
console.log(
  `pings answered: ${fmt(live.pongsReceived)} of ${fmt(live.pingsSent)} (${answered}%), late ${fmt(live.pongsLate)}, overdue ${fmt(live.pongsOverdue)}, ` +
    `pong RTT p50 ${(live.pongRtt.p50Us / 1000).toFixed(1)} ms p99 ${(live.pongRtt.p99Us / 1000).toFixed(1)} ms; unexpected closes ${live.unexpectedCloses}`,
);
// Ephemeral ports are a per-source-address limit bench/limits.ts does not read: the arithmetic of the layout.
const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
const addresses = Number(addressesText);
const ports = { name: 'ephemeral-ports', label: `ephemeral ports per source address (${lo}-${hi}, ${addresses} addresses)`, scope: 'address', limit: hi - lo + 1, used: Math.ceil(held / addresses) };
const limits = [...(idle.limits ?? []), ports];
for (const l of limits) console.log(`  limit ${describeLimit(l)}`);
const nearest = nearestLimit(limits);
console.log(`nearest limit: ${nearest ? describeLimit(nearest) : 'n/a'}`);
EOF
exit "$status"
