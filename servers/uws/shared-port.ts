/**
 * How a uWS server with several Apps (uws-threads: threads, uws-procs: processes) puts all of them on one
 * host:port with SO_REUSEPORT, so the kernel spreads connections over them, without letting a stranger in.
 *
 * uSockets sets SO_REUSEPORT only for a non-zero port, so "the first App listens on 0 and the others join"
 * cannot work: an exclusive Node bind first checks the port is free (port 0: picks one), then every App
 * listens on it. The window between probe and listen is closed by a /proc check afterwards that no other
 * process listens on the same address:port (port-guard.ts).
 */
import { createServer } from 'node:net';
import { portInUseMessage, probeListenError } from '../common/listen-errors.js';
import { foreignListeners, type PortOwner } from './port-guard.js';

/** The server's Apps, as the port sharing sees them. */
export interface SharedPortGroup {
  /** What one App lives in, plural, for messages ("threads", "processes"). */
  unit: string;
  size: number;
  /** Asks every App to listen on port with SO_REUSEPORT; resolves to how many refused (or came up on another port). */
  listenAll(port: number): Promise<number>;
  /** The processes whose sockets are the server's own. */
  owners(): PortOwner[];
}

export type SharedPortResult = { ok: true; port: number } | { ok: false; message: string };

/** Puts every App of group on host:port (0: a free one); on failure, the message the server prints. */
export async function openSharedPort(host: string, requested: number, group: SharedPortGroup): Promise<SharedPortResult> {
  let port = requested;
  if (port === 0) {
    try {
      port = await pickFreePort(host);
    } catch (error) {
      return { ok: false, message: `cannot listen on ${host}:0: ${(error as Error).message}` };
    }
  } else {
    // uWS reports no errno, and SO_REUSEPORT would let it join a port held by another such listener:
    // a plain exclusive bind tells whether the port is free, and why not.
    const code = await probeListenError(host, port);
    if (code === 'EADDRINUSE') return { ok: false, message: portInUseMessage(host, port) };
    if (code !== null) return { ok: false, message: `cannot listen on ${host}:${port}: ${code}` };
  }

  const refused = await group.listenAll(port);
  if (refused > 0) {
    return { ok: false, message: `cannot listen on ${host}:${port}: uWS refused in ${refused} of ${group.size} ${group.unit} (it gives no reason)` };
  }
  const foreign = foreignListeners(port, group.owners());
  // Another SO_REUSEPORT process bound the port between the probe and our listens: it would get some of our connections.
  if (foreign !== null && foreign > 0) return { ok: false, message: portInUseMessage(host, port) };
  return { ok: true, port };
}

/** A free port on host, found by an exclusive Node bind on port 0 (closed again at once). */
function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host, port: 0 }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
