/** Entry of the I/O floor client process (see io-floor.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMessage, Op } from '../../protocol/wire.js';
import { SelfMeasure } from '../load/self-measure.js';
import { fatalExit, requireIpcChannel } from '../process/child-ipc.js';
import { rampAttempts } from '../ramp.js';
import { classifyConnectError, WsConnection } from '../rfc6455/connection.js';
import { maskedFrameBytes, Opcode, writeMaskedFrame } from '../rfc6455/frame.js';
import type { IoFloorOptions, IoFloorResult, IoFloorToParent, ParentToIoFloor } from './io-floor.js';

const MAX_CONCURRENT_OPENS = 128;
/** One key for every frame: drawing a fresh key per frame is bookkeeping the floor leaves out (the generator does draw them). */
const FIXED_MASK_KEY = Buffer.from([0x5a, 0xa5, 0x3c, 0xc3]);

async function run(o: IoFloorOptions): Promise<IoFloorResult> {
  const message = buildMessage(Op.ECHO, 0, 0n, o.payloadBytes);
  const frameBytes = maskedFrameBytes(message.length);
  const batch = Buffer.allocUnsafe(frameBytes * o.depth);
  for (let k = 0; k < o.depth; k++) writeMaskedFrame(batch, k * frameBytes, Opcode.BINARY, message, true, FIXED_MASK_KEY);

  let measuring = false;
  let sending = true;
  let roundTrips = 0;
  let attempted = 0;
  const errors: Record<string, number> = {};
  const conns: WsConnection[] = [];
  const indices = Array.from({ length: o.connections }, (_, i) => i);
  await rampAttempts({ indices, ratePerSec: null, maxConcurrent: MAX_CONCURRENT_OPENS, progress: () => {} }, async () => {
    attempted++;
    let replies = 0;
    let conn: WsConnection | null = null;
    try {
      conn = await WsConnection.connect(
        { url: o.url, handshakeTimeoutMs: o.handshakeTimeoutMs },
        {
          onMessage: () => void replies++,
          // Every reply of the chunk answered with as many frames of the batch, in one write: the generator's pattern.
          afterChunk: () => {
            if (replies === 0) return;
            if (measuring) roundTrips += replies;
            if (sending) conn!.write(batch.subarray(0, replies * frameBytes));
            replies = 0;
          },
        },
      );
      conns.push(conn);
    } catch (err) {
      const kind = classifyConnectError(err);
      errors[kind] = (errors[kind] ?? 0) + 1;
    }
  });

  for (const c of conns) c.write(batch);
  await sleep(o.warmupMs);
  process.send!({ type: 'edge', edge: 'start' } satisfies IoFloorToParent);
  const self = new SelfMeasure();
  self.begin();
  measuring = true;
  await sleep(o.durationMs);
  measuring = false;
  self.end();
  const wallUs = self.windowUs;
  process.send!({ type: 'edge', edge: 'end' } satisfies IoFloorToParent);
  sending = false;
  for (const c of conns) c.destroy();

  return {
    roundTrips,
    roundTripsPerSec: Math.round((roundTrips / wallUs) * 1e6 * 10) / 10,
    measuredMs: Math.round(wallUs / 1000),
    cpuCoreFraction: self.cpuCoreFraction(),
    connections: { attempted, established: conns.length, errors },
    pid: process.pid,
  };
}

requireIpcChannel('io-floor-child', 'wsarena calibrate');
const fail = fatalExit();
process.once('message', (msg: ParentToIoFloor) => {
  run(msg.options).then((result) => process.send!({ type: 'result', result } satisfies IoFloorToParent, undefined, undefined, () => process.exit(0)), fail);
});
process.on('disconnect', () => process.exit(0));
