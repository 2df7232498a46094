/**
 * Measures the long-poll server's POST /echo with autocannon and prints one JSON object:
 *
 *   taskset -c 1 node dist/clients/long-poll/autocannon-main.js --connections 100 --duration 3s [--warmup 1s]
 *       [--payload 64] [--server-cpus 0 | --url ws://127.0.0.1:PORT/]
 *
 * Without --url it starts the long-poll server itself (pinned with taskset to --server-cpus, default 0
 * when taskset exists) and samples its CPU from /proc over the measured run. autocannon runs in this
 * process: pin this process to the client CPU (taskset -c 1) as above.
 */
import { parseArgs } from 'node:util';
import { TreeSampler } from '../../bench/sampler.js';
import { parseBytes, parseDurationMs, parseInteger } from '../../core/parse.js';
import type { StatsSnapshot } from '../../protocol/wire.js';
import { clockTicks, commandExists } from '../../results/environment.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { longPollSpec } from '../../servers/long-poll/spec.js';
import { runAutocannonEcho } from './autocannon.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '100' },
      duration: { type: 'string', default: '3s' },
      warmup: { type: 'string', default: '1s' },
      payload: { type: 'string', default: '64' },
      'server-cpus': { type: 'string' },
      url: { type: 'string' },
    },
    strict: true,
  });
  const connections = parseInteger('--connections', values.connections, { min: 1, max: 10_000 });
  const durationMs = parseDurationMs('--duration', values.duration);
  const warmupMs = values.warmup === '0' ? 0 : parseDurationMs('--warmup', values.warmup);
  const payloadBytes = parseBytes('--payload', values.payload);

  let server: RunningServer | null = null;
  let url = values.url;
  let sampler: TreeSampler | null = null;
  try {
    if (url === undefined) {
      const cpus = values['server-cpus'] ?? (commandExists('taskset') ? '0' : null);
      server = await startServer(longPollSpec, {}, { cpus });
      url = server.url;
      sampler = new TreeSampler(server.pid, clockTicks());
      sampler.start();
    }
    const target = url;
    let before: StatsSnapshot | null = null;
    const result = await runAutocannonEcho({
      url: target,
      connections,
      durationMs,
      warmupMs,
      payloadBytes,
      // The server's window is autocannon's measured run, after the warmup.
      onMeasureStart: async () => {
        before = await fetchStats(target);
        sampler?.markWindowStart();
      },
      onMeasureEnd: () => sampler?.markWindowEnd(),
    });
    const after = await fetchStats(target);
    const handled = after.messagesHandled - before!.messagesHandled;
    const resources = sampler?.result(handled) ?? null;
    const report = {
      ...result,
      warmupMs,
      server: server === null ? null : { pid: server.pid, pinning: server.pinning, knobs: server.knobs },
      serverWindow: {
        messagesHandled: handled,
        eventLoopUtilization: after.node?.eventLoopUtilization ?? null,
        cpuCoreFraction: resources?.cpuCoreFraction ?? null,
        cpuUsPerRequest: resources?.cpuUsPerMessage ?? null,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    sampler?.stop();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`long-poll autocannon: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
