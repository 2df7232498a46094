/** Coded errors of the server registry and launcher: callers branch on `code`, people read `message`. */
import type { ServerLaunchErrorCode } from '../core/error-codes.js';
import { UsageError } from '../core/errors.js';

/**
 * getServer() was given a name the registry does not hold (`renamedTo`: its new name, when it was renamed).
 * A UsageError (code UNKNOWN_SERVER): a name from the user, so exit 2.
 */
export class UnknownServerError extends UsageError {
  constructor(
    readonly serverName: string,
    readonly knownServers: readonly string[],
    readonly renamedTo: string | null = null,
  ) {
    super(
      'UNKNOWN_SERVER',
      renamedTo === null
        ? `unknown server "${serverName}"; known servers: ${knownServers.join(', ')}`
        : `unknown server "${serverName}": it was renamed to ${renamedTo}; known servers: ${knownServers.join(', ')}`,
    );
    this.name = 'UnknownServerError';
  }
}

/** Why a server could not be started or queried: declared with every other error code in core/error-codes.ts. */
export type { ServerLaunchErrorCode } from '../core/error-codes.js';

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
