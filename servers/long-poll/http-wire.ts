/**
 * The long-poll server's HTTP surface, shared by the server (servers/long-poll/main.ts), the suite's
 * long-poll client (clients/long-poll/) and the tests. docs/LONG-POLL.md is the prose version.
 *
 *   POST   /session                 → 201 {"session":"<id>"}          opens a session
 *   DELETE /session?session=<id>    → 204                             closes it (a hanging poll gets 410)
 *   POST   /send?session=<id>       body = one contract message → 204 (400 + reason on a violation)
 *   GET    /poll?session=<id>       hangs until ≥ 1 message is queued → 200 + frames, or 204 after the poll timeout
 *   POST   /echo                    body → 200 with the same body (plain request/response, for autocannon)
 *   GET    /stats                   the StatsSnapshot every server answers
 *
 * A poll body is a sequence of frames: u32 LE length, then that many bytes (one contract message).
 */

export const SESSION_PATH = '/session';
export const SEND_PATH = '/send';
export const POLL_PATH = '/poll';
export const ECHO_PATH = '/echo';
/** Query parameter carrying the session id. */
export const SESSION_PARAM = 'session';

/** Bytes of the length prefix of each frame in a poll body. */
export const FRAME_PREFIX_BYTES = 4;

/** Header a poll response carries to say why it holds no message: "timeout" or "superseded" (204), "closed" (410). */
export const POLL_END_HEADER = 'x-wsarena-poll';

/** Encodes messages as one poll body: [u32 LE length][bytes] per message. */
export function encodeFrames(messages: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const m of messages) total += FRAME_PREFIX_BYTES + m.length;
  const body = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const m of messages) {
    body.writeUInt32LE(m.length, offset);
    body.set(m, offset + FRAME_PREFIX_BYTES);
    offset += FRAME_PREFIX_BYTES + m.length;
  }
  return body;
}

/** A poll body that does not split into whole frames. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * Calls onFrame(body, start, end) for each frame of a poll body (no copies); returns the frame count.
 * Throws FrameError when the body ends inside a frame.
 */
export function forEachFrame(body: Buffer, onFrame: (body: Buffer, start: number, end: number) => void): number {
  let offset = 0;
  let frames = 0;
  while (offset < body.length) {
    if (body.length - offset < FRAME_PREFIX_BYTES) throw new FrameError(`poll body ends inside a length prefix at byte ${offset} of ${body.length}`);
    const length = body.readUInt32LE(offset);
    const start = offset + FRAME_PREFIX_BYTES;
    const end = start + length;
    if (end > body.length) throw new FrameError(`frame of ${length} bytes at byte ${offset} runs past the ${body.length}-byte body`);
    onFrame(body, start, end);
    frames++;
    offset = end;
  }
  return frames;
}

/** Decodes a poll body into copies of its messages (tests and tools; the load client uses forEachFrame). */
export function decodeFrames(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  forEachFrame(body, (b, start, end) => out.push(Buffer.from(b.subarray(start, end))));
  return out;
}

/** The http:// base (no trailing slash) of the server whose ready line announced `url` (ws://host:port/). */
export function httpBase(url: string): string {
  const { host } = new URL(url);
  return `http://${host}`;
}
