import { UsageError } from '../core/errors.js';

/**
 * Refuses runs that cannot fit this machine before anything starts, with the arithmetic in the message
 * (docs/METHOD.md §7): open files per process, and ephemeral ports per client source address.
 */

/** File descriptors a process needs besides its sockets (stdio, epoll, pipes, node internals, libuv). */
export const FD_HEADROOM = 100;

export interface PreflightInput {
  connections: number;
  clientWorkers: number;
  /** Server processes sharing the connections (1 unless the model forks processes). */
  serverProcesses: number;
  /** Whether a server is started here (false with --target: its limits are not ours to check). */
  startsServer: boolean;
  nofileSoftLimit: number | null;
  ephemeralPortRange: [number, number] | null;
  /** Client source addresses the connections are spread over; 0 = kernel-chosen (one address). */
  localAddressCount: number;
  /** Sockets each connection uses on each side (2 for long polling: a poll and a send). Default 1. */
  socketsPerConnection?: number;
}

export function preflight(given: PreflightInput): void {
  const perConn = given.socketsPerConnection ?? 1;
  // Sockets, not connections, use fds and ports; the messages still name --connections as typed.
  const input = { ...given, connections: given.connections * perConn };
  const label = perConn === 1 ? `--connections ${given.connections}` : `--connections ${given.connections} × ${perConn} sockets each`;
  const limit = input.nofileSoftLimit;
  if (limit !== null) {
    const perWorker = Math.ceil(input.connections / input.clientWorkers);
    if (perWorker + FD_HEADROOM > limit) {
      const neededWorkers = Math.ceil(input.connections / (limit - FD_HEADROOM));
      throw new UsageError(
        'TOO_MANY_FDS_CLIENT',
        `${label} over ${input.clientWorkers} client worker(s) is ${perWorker} sockets per worker; ` +
          `${perWorker} + ${FD_HEADROOM} headroom = ${perWorker + FD_HEADROOM} > open-file limit ${limit} per process. ` +
          `Use --client-workers ${neededWorkers} or more.`,
      );
    }
    if (input.startsServer) {
      const perServer = Math.ceil(input.connections / input.serverProcesses);
      if (perServer + FD_HEADROOM > limit) {
        throw new UsageError(
          'TOO_MANY_FDS_SERVER',
          `${label} over ${input.serverProcesses} server process(es) is ${perServer} sockets per process; ` +
            `${perServer} + ${FD_HEADROOM} headroom = ${perServer + FD_HEADROOM} > open-file limit ${limit} per process (ulimit -n; the hard limit here cannot be raised). ` +
            `At most ${(limit - FD_HEADROOM) * input.serverProcesses} connections fit; use a multi-process server for more.`,
        );
      }
    }
  }
  if (input.ephemeralPortRange) {
    const [lo, hi] = input.ephemeralPortRange;
    const perAddress = hi - lo + 1;
    const addresses = Math.max(1, input.localAddressCount);
    if (input.connections > perAddress * addresses) {
      throw new UsageError(
        'TOO_FEW_PORTS',
        `${label} needs more ephemeral ports than ${addresses} source address(es) × ${perAddress} ports (${lo}-${hi}) = ${perAddress * addresses}. ` +
          `Use --source-addresses ${Math.ceil(input.connections / perAddress)} or more (127.0.0.x).`,
      );
    }
  }
}
