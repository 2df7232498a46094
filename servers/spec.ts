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
  | 'thread-per-connection'
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
  language: 'node' | 'go';
  /**
   * How clients talk to it. Default (absent) 'websocket': the wire contract of docs/PROTOCOL.md.
   * 'http-long-poll': the same messages over HTTP long polling (docs/LONG-POLL.md); WebSocket-only
   * contract cases skip it and the runner drives it with clients/long-poll/ instead of the WebSocket engine.
   */
  transport?: ServerTransport;
  /** Contract ops this server implements (ECHO, WORK, BROADCAST codes from protocol/wire.ts). */
  ops: number[];
  availability(): Availability;
  command(options: ServerOptions): LaunchCommand;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 0,
  threads: null,
  stall: null,
  cpuCount: null,
};
