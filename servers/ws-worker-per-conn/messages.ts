/** What a ws-worker-per-conn handler thread posts to the main thread. */

/** Posted once, after the thread has loaded its code and listens for messages: the connection's queue may flow. */
export const WORKER_READY = 'ready';

/** Kind of a [kind, ArrayBuffer] answer; every forwarded message gets exactly one. */
export const ToMain = {
  /** Send these bytes on the connection. */
  REPLY: 0,
  /** Send these bytes to every open connection. */
  BROADCAST: 1,
  /** Nothing to send (a message the main thread should not have forwarded). */
  DROPPED: 2,
} as const;
export type ToMainKind = (typeof ToMain)[keyof typeof ToMain];

export type WorkerAnswer = typeof WORKER_READY | [ToMainKind, ArrayBuffer];
