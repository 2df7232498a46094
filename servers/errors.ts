/** Coded errors of the server registry and launcher: callers branch on `code`, people read `message`. */

/** getServer() was given a name the registry does not hold (`renamedTo`: its new name, when it was renamed). */
export class UnknownServerError extends Error {
  readonly code = 'UNKNOWN_SERVER';
  constructor(
    readonly serverName: string,
    readonly knownServers: readonly string[],
    readonly renamedTo: string | null = null,
  ) {
    super(
      renamedTo === null
        ? `unknown server "${serverName}"; known servers: ${knownServers.join(', ')}`
        : `unknown server "${serverName}": it was renamed to ${renamedTo}; known servers: ${knownServers.join(', ')}`,
    );
    this.name = 'UnknownServerError';
  }
}

/** Why a server could not be started or queried. */
export type ServerLaunchErrorCode =
  /** spec.availability() said no; the message carries its reason (and fix). */
  | 'SERVER_UNAVAILABLE'
  /** The process could not be spawned at all (e.g. the executable does not exist). */
  | 'SPAWN_FAILED'
  /** The process exited before printing its ready line. */
  | 'SERVER_EXITED'
  /** A fixed port was already taken. */
  | 'PORT_IN_USE'
  /** No ready line within readyTimeoutMs; the process was killed. */
  | 'READY_TIMEOUT'
  /** The ready line was not a valid ReadyAnnouncement. */
  | 'BAD_READY_LINE'
  /** GET /stats failed, timed out, or returned something that is not a StatsSnapshot. */
  | 'STATS_FAILED';

/** A server failed to start, or its stats could not be read. */
export class ServerLaunchError extends Error {
  constructor(
    readonly code: ServerLaunchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerLaunchError';
  }
}
