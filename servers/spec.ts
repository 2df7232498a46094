/**
 * The one contract the runner sees. Every server model (a folder under servers/) exports a ServerSpec;
 * servers/registry.ts maps names to specs. A spec never starts anything itself: it says whether it can
 * run here and which command starts it; servers/launch.ts does the starting, pinning and stopping.
 */

export type Availability =
  | { available: true }
  /** reason: what is missing; fix: the exact command that would make it available, when there is one. */
  | { available: false; reason: string; fix?: string };

export type ServerModel =
  | 'event-loop'
  | 'thread-pool'
  | 'processes'
  | 'threads'
  /** One OS thread per connection (Java platform threads, Go goroutines locked to OS threads). */
  | 'thread-per-connection'
  /** One cheap user-mode thread per connection, scheduled on a few OS threads (Java virtual threads). */
  | 'virtual-threads'
  /** One Node worker_thread (a whole V8 isolate) per connection. */
  | 'worker-per-connection'
  | 'goroutines'
  | 'long-poll';

export type ServerTransport = 'websocket' | 'http-long-poll';

/** A spec's transport, with the default applied. */
export function transportOf(spec: Pick<ServerSpec, 'transport'>): ServerTransport {
  return spec.transport ?? 'websocket';
}

export interface ServerOptions {
  /** Default 127.0.0.1. */
  host: string;
  /** 0 = any free port (default). */
  port: number;
  /** Threads / processes / pool size for multi-threaded models; null = the model's default (server CPU count). */
  threads: number | null;
  /**
   * Test mode: block the event loop (or every thread) for durationMs every everyMs. Used to prove the
   * coordinated-omission correction; never set in a benchmark.
   */
  stall: { everyMs: number; durationMs: number } | null;
  /** Number of CPUs the server is pinned to (so models can size pools); null = unpinned. */
  cpuCount: number | null;
  /**
   * The server's own flags, passed through from `--server-arg name=value` (e.g. java-threads'
   * max-threads), already validated against the spec's `serverArgs`. Empty = none.
   */
  serverArgs: Record<string, number>;
}

/**
 * A flag a server takes beyond ServerOptions' common ones (`wsarena run --server-arg name=value`). Integers only:
 * every such flag so far is a count. The CLI checks name and range before anything starts.
 */
export interface ServerArgSpec {
  /** Flag name without dashes, e.g. "max-threads". */
  name: string;
  description: string;
  /** Inclusive bounds. */
  min: number;
  max: number;
}

export interface LaunchCommand {
  /** Executable (node binary or a built Go binary). */
  file: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ServerSpec {
  name: string;
  description: string;
  model: ServerModel;
  language: 'node' | 'go' | 'java';
  /**
   * How clients talk to it. Default (absent) 'websocket': the wire contract of docs/PROTOCOL.md.
   * 'http-long-poll': the same messages over HTTP long polling (docs/LONG-POLL.md); WebSocket-only
   * contract cases skip it and the runner drives it with clients/long-poll/ instead of the WebSocket engine.
   */
  transport?: ServerTransport;
  /** Contract ops this server implements (ECHO, WORK, BROADCAST codes from protocol/wire.ts). */
  ops: number[];
  /** Flags of this server's own that `--server-arg` may set; absent = none. */
  serverArgs?: ServerArgSpec[];
  availability(): Availability;
  command(options: ServerOptions): LaunchCommand;
}

/** "max-threads=200" for labels and cell ids; '' when there are none. */
export function formatServerArgs(args: Readonly<Record<string, number>>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Upper bound of --threads every server accepts (servers/common/args.ts, Go, Java); the CLI checks the same. */
export const MAX_SERVER_THREADS = 1024;

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 0,
  threads: null,
  stall: null,
  cpuCount: null,
  serverArgs: {},
};
