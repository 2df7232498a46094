import { parseArgs } from 'node:util';
import type { ServerOptions } from '../spec.js';
import { ServerExitCode } from './exit-codes.js';
import type { StallPlan } from './stall.js';

/** The settings a server process takes on its command line (ServerOptions minus what only the runner needs). */
export type ServerArgs = Omit<ServerOptions, 'cpuCount' | 'serverArgs'>;

/** What the parser needs to know about the server it parses for. */
export interface ArgsPolicy {
  /** false for single-event-loop servers: --threads is then a usage error rather than silently ignored. */
  supportsThreads: boolean;
}

/** A command-line value a server cannot run with. The message names the flag, the value and what is allowed. */
export class ServerArgsError extends Error {
  readonly code = 'BAD_SERVER_ARGS';
  constructor(message: string) {
    super(message);
    this.name = 'ServerArgsError';
  }
}

const MAX_PORT = 65_535;

/**
 * Parses a server's flags: --host (default 127.0.0.1), --port (default 0 = any free port), --threads,
 * --stall-every-ms together with --stall-ms. Throws ServerArgsError on any unknown flag or bad value.
 */
export function parseServerArgs(argv: readonly string[], policy: ArgsPolicy): ServerArgs {
  // biome-ignore lint/suspicious/noImplicitAnyLet: TypeScript types it from the parseArgs call below (control-flow typing), whose options literal is the type.
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        threads: { type: 'string' },
        'stall-every-ms': { type: 'string' },
        'stall-ms': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ServerArgsError((error as Error).message);
  }

  const host = values.host ?? '127.0.0.1';
  if (host === '') throw new ServerArgsError('--host must not be empty');
  const port = values.port === undefined ? 0 : parseInteger('--port', values.port, 0, MAX_PORT);

  let threads: number | null = null;
  if (values.threads !== undefined) {
    if (!policy.supportsThreads) throw new ServerArgsError('--threads is not supported: this server runs one event loop');
    threads = parseInteger('--threads', values.threads, 1, 1024);
  }

  return { host, port, threads, stall: parseStall(values['stall-every-ms'], values['stall-ms']) };
}

/**
 * Inverse of parseServerArgs: the flags that make a server run with `options`. Used by specs' command().
 * Threads are passed only when the server supports them.
 */
export function toServerArgs(options: ServerOptions, policy: ArgsPolicy): string[] {
  const args = ['--host', options.host, '--port', String(options.port)];
  if (policy.supportsThreads && options.threads !== null) args.push('--threads', String(options.threads));
  if (options.stall !== null) {
    args.push('--stall-every-ms', String(options.stall.everyMs), '--stall-ms', String(options.stall.durationMs));
  }
  return args;
}

/** parseServerArgs for a server's main(): on a bad value, prints the reason on stderr and exits 2 (bad usage). */
export function parseServerArgsOrExit(serverName: string, argv: readonly string[], policy: ArgsPolicy): ServerArgs {
  return exitOnUsageError(serverName, () => parseServerArgs(argv, policy));
}

/**
 * Runs a server's argument parsing; a ServerArgsError it throws is printed on stderr (`<server>: <reason>`)
 * and the process exits ServerExitCode.USAGE, so every server reports a bad flag the same way.
 */
export function exitOnUsageError<T>(serverName: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ServerArgsError)) throw error;
    process.stderr.write(`${serverName}: ${error.message}\n`);
    process.exit(ServerExitCode.USAGE);
  }
}

function parseStall(everyText: string | undefined, durationText: string | undefined): StallPlan | null {
  if (everyText === undefined && durationText === undefined) return null;
  if (everyText === undefined || durationText === undefined) {
    throw new ServerArgsError('--stall-every-ms and --stall-ms must be given together');
  }
  const everyMs = parseInteger('--stall-every-ms', everyText, 1, 3_600_000);
  const durationMs = parseInteger('--stall-ms', durationText, 1, 3_600_000);
  // A stall as long as its period would block the loop for good: no request would ever be served.
  if (durationMs >= everyMs) {
    throw new ServerArgsError(`--stall-ms (${durationMs}) must be less than --stall-every-ms (${everyMs})`);
  }
  return { everyMs, durationMs };
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ServerArgsError(`${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
