import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { Op } from '../../protocol/wire.js';
import { findOnPath } from '../pinning.js';
import type { Availability, LaunchCommand, ServerArgSpec, ServerOptions, ServerSpec } from '../spec.js';

/** Registry name of this server. */
export const GO_GOROUTINES_NAME = 'go-goroutines';

/**
 * The built server. Not under dist/: scripts/build-go.sh compiles main.go straight into this folder
 * (gitignored), and the runner starts the native binary directly.
 */
export const GO_GOROUTINES_BINARY = join(PROJECT_ROOT, 'servers', 'go-goroutines', 'bin', 'go-goroutines');

/** Where Debian's golang-github-gorilla-websocket-dev puts the sources the GOPATH-mode build compiles. */
export const GORILLA_SOURCE_DIR = '/usr/share/gocode/src/github.com/gorilla/websocket';

/**
 * runtime/debug.SetMaxThreads as main.go applies it (both Go servers): the process dies beyond this many
 * OS threads. Go's own default is 10,000, which would stop go-os-threads (a thread per connection) just
 * under 10,000 connections; the kernel's pid_max / threads-max are system-wide ceilings that may bite first.
 */
export const DEFAULT_MAX_OS_THREADS = 30_000;

/** `--server-arg max-os-threads=N`; the bounds are main.go's (minMaxOSThreads, maxMaxOSThreads). */
export const MAX_OS_THREADS_ARG: ServerArgSpec = {
  name: 'max-os-threads',
  description: `runtime/debug.SetMaxThreads: the process dies beyond this many OS threads (default ${DEFAULT_MAX_OS_THREADS})`,
  min: 100,
  max: 4_194_304,
};

const APT_INSTALL = 'apt-get install -y golang-go golang-github-gorilla-websocket-dev';
const BUILD = 'bash scripts/build-go.sh';

/** gorilla/websocket with one goroutine per connection doing blocking I/O (servers/go-goroutines/main.go). */
export const goGoroutines: ServerSpec = {
  name: GO_GOROUTINES_NAME,
  description: 'Go + gorilla/websocket, one goroutine per connection with blocking reads and writes; net/http serves /stats',
  model: 'goroutines',
  language: 'go',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  serverArgs: [MAX_OS_THREADS_ARG],
  availability: goGoroutinesAvailability,
  command: goGoroutinesCommand,
};

/** Available once built. Otherwise says what is missing, checking the toolchain first so the fix is complete. */
export function goGoroutinesAvailability(): Availability {
  if (existsSync(GO_GOROUTINES_BINARY)) return { available: true };
  if (findOnPath('go') === null) {
    return { available: false, reason: 'Go is not installed', fix: `${APT_INSTALL} && ${BUILD}` };
  }
  if (!existsSync(GORILLA_SOURCE_DIR)) {
    return { available: false, reason: 'gorilla/websocket is not installed', fix: `${APT_INSTALL} && ${BUILD}` };
  }
  return { available: false, reason: `not built (${GO_GOROUTINES_BINARY} does not exist)`, fix: BUILD };
}

/**
 * The binary with flags for `options`. GOMAXPROCS follows the thread count asked for, else the CPUs the
 * server is pinned to, else 0 (Go's default: the CPUs in the process's affinity mask, which taskset
 * pinning already narrows). --max-os-threads only when `--server-arg` set it (else main.go's default).
 */
export function goGoroutinesCommand(options: ServerOptions): LaunchCommand {
  const gomaxprocs = options.threads ?? options.cpuCount ?? 0;
  const args = ['--host', options.host, '--port', String(options.port), '--gomaxprocs', String(gomaxprocs)];
  if (options.stall !== null) {
    args.push('--stall-every-ms', String(options.stall.everyMs), '--stall-ms', String(options.stall.durationMs));
  }
  const maxOsThreads = options.serverArgs?.[MAX_OS_THREADS_ARG.name];
  if (maxOsThreads !== undefined) args.push('--max-os-threads', String(maxOsThreads));
  return { file: GO_GOROUTINES_BINARY, args };
}
