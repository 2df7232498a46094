/**
 * uWS listen with options. The binary has app.listen(host, port, options, cb) and exports
 * LIBUS_LISTEN_EXCLUSIVE_PORT; the typings lack both, so the casts live here, once.
 */
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import type { NativeUws } from './native.js';

/** Option 0: SO_REUSEPORT on, so the threads of uws-threads can share one port. */
export const LISTEN_SHARED_PORT = 0;

/** The option that rules out SO_REUSEPORT: a second server on a taken port fails instead of silently sharing it. */
export function listenExclusivePort(uws: NativeUws): number {
  return (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
}

/** app.listen with options; socket is false when uWS refused (it gives no reason). */
export function listenWithOptions(app: TemplatedApp, host: string, port: number, options: number, onListen: (socket: us_listen_socket | false) => void): void {
  type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
  (app.listen.bind(app) as unknown as ListenWithOptions)(host, port, options, onListen);
}
