/**
 * The handler thread of one ws-worker-per-conn connection. main.ts starts one per connection and
 * terminates it when the connection closes. It receives that connection's messages, already validated
 * by the main thread (checkRequest), one ArrayBuffer each and in arrival order, and answers each with
 * exactly one message back:
 *   ECHO      → [REPLY, the same bytes]            (the buffer goes back, transferred, not copied)
 *   WORK      → [REPLY, header + work() result]    (computed here, on this thread)
 *   BROADCAST → [BROADCAST, the message]           (the main thread owns every socket, so it fans out)
 * The main thread sends replies on the socket: Node cannot hand a socket to a worker_thread.
 */
import { parentPort } from 'node:worker_threads';
import { buildWorkReply, Op, readWorkIterations, readWorkSeed, work } from '../../protocol/wire.js';
import { ToMain, WORKER_READY } from './messages.js';

const port = parentPort;
if (port === null) throw new Error('conn-worker.js runs as a worker_thread of ws-worker-per-conn, not on its own');

port.on('message', (buffer: ArrayBuffer) => {
  const message = new Uint8Array(buffer);
  switch (message[0]) {
    case Op.ECHO:
      port.postMessage([ToMain.REPLY, buffer], [buffer]);
      return;
    case Op.WORK: {
      // buildWorkReply allocates from Node's shared Buffer pool, which must not be transferred (and a
      // clone would copy the whole pool slab), so the 20 bytes go into an ArrayBuffer of their own.
      const reply = buildWorkReply(message, work(readWorkIterations(message), readWorkSeed(message)));
      const own = new Uint8Array(reply.length);
      own.set(reply);
      port.postMessage([ToMain.REPLY, own.buffer], [own.buffer]);
      return;
    }
    case Op.BROADCAST:
      port.postMessage([ToMain.BROADCAST, buffer], [buffer]);
      return;
    default:
      // Unreachable: the main thread forwards valid requests only. Answer anyway, so its count of
      // messages in flight stays right.
      port.postMessage([ToMain.DROPPED, buffer], [buffer]);
  }
});

port.postMessage(WORKER_READY);
