/**
 * ws's frame parser, lib/receiver.js: ws's ESM entry (wrapper.mjs) exports it, @types/ws does not declare it.
 * Typed here for test/clients/rfc6455/frame-parser-fuzz.test.ts, which checks our parser against it. A
 * Writable: write() feeds it frames; it emits 'message' (data, isBinary), 'ping', 'pong', 'conclude'
 * (code, reason) and 'error' (with the close code under a `status-code` symbol).
 */
import type { Writable } from 'node:stream';

declare module 'ws' {
  export interface ReceiverOptions {
    allowSynchronousEvents?: boolean;
    binaryType?: 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';
    extensions?: Record<string, unknown>;
    isServer?: boolean;
    maxBufferedChunks?: number;
    maxFragments?: number;
    maxPayload?: number;
    skipUTF8Validation?: boolean;
  }

  export class Receiver extends Writable {
    constructor(options?: ReceiverOptions);
  }
}
