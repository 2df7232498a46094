/**
 * Sessions of the long-poll server: a queue of messages per session and at most one hanging poll that
 * the queue drains into. Knows nothing of HTTP: a poll is a PollSink main.ts builds from a response.
 */
import { randomBytes } from 'node:crypto';
import { MAX_PAYLOAD_BYTES } from '../common/limits.js';

/** Why a poll ended without messages. */
export type PollEnd = 'timeout' | 'superseded' | 'closed' | 'shutdown';

/** What a hanging poll does when it is answered. Exactly one of the two is called, once. */
export interface PollSink {
  /** Sends the messages; false when the poll's client is already gone (they go back to the queue). */
  deliver(messages: Uint8Array[]): boolean;
  end(why: PollEnd): void;
}

interface HangingPoll {
  sink: PollSink;
  timer: NodeJS.Timeout;
}

export class Session {
  readonly queue: Uint8Array[] = [];
  queuedBytes = 0;
  poll: HangingPoll | null = null;
  /** Date.now() at the last request that named this session. */
  lastActiveMs: number;
  dirty = false;

  constructor(
    readonly id: string,
    nowMs: number,
  ) {
    this.lastActiveMs = nowMs;
  }
}

/** Figures for /stats `extra`. */
export interface SessionFigures {
  sessions: number;
  hangingPolls: number;
  queuedMessages: number;
  pollResponses: number;
  pollTimeouts: number;
  supersededPolls: number;
  expiredSessions: number;
  /** Messages dropped with the queue of a session that was closed or expired. */
  droppedMessages: number;
}

/** Largest poll body (frames included is close enough): the rest waits for the next poll. */
const MAX_POLL_BYTES = MAX_PAYLOAD_BYTES;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly dirty: Session[] = [];
  private flushScheduled = false;
  private hanging = 0;
  private queued = 0;
  private pollResponses = 0;
  private pollTimeouts = 0;
  private supersededPolls = 0;
  private expiredSessions = 0;
  private droppedMessages = 0;

  constructor(
    private readonly pollTimeoutMs: number,
    private readonly sessionTtlMs: number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  open(nowMs = Date.now()): Session {
    let id: string;
    do id = randomBytes(9).toString('base64url');
    while (this.sessions.has(id));
    const session = new Session(id, nowMs);
    this.sessions.set(id, session);
    return session;
  }

  /** The session named id, marked active; undefined when unknown (never opened, closed or expired). */
  touch(id: string | null, nowMs = Date.now()): Session | undefined {
    if (id === null) return undefined;
    const session = this.sessions.get(id);
    if (session !== undefined) session.lastActiveMs = nowMs;
    return session;
  }

  /** Closes a session: its hanging poll ends 'closed', its queue is dropped. */
  close(session: Session, why: PollEnd = 'closed'): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.endPoll(session, why);
    this.dropQueue(session);
  }

  /** Queues a message for one session; a hanging poll gets it at the next flush. */
  enqueue(session: Session, message: Uint8Array): void {
    session.queue.push(message);
    session.queuedBytes += message.length;
    this.queued++;
    if (session.poll !== null) this.markDirty(session);
  }

  /** Queues a message for every open session (the sender included); returns how many. */
  broadcast(message: Uint8Array): number {
    for (const session of this.sessions.values()) this.enqueue(session, message);
    return this.sessions.size;
  }

  /**
   * Registers a poll. A poll already hanging for the session is answered 'superseded' (the newer one
   * wins: the older one's client has usually given up on it). Messages already queued are delivered
   * at once; otherwise the poll hangs until a message arrives or pollTimeoutMs passes.
   */
  poll(session: Session, sink: PollSink): void {
    if (session.poll !== null) {
      this.supersededPolls++;
      this.endPoll(session, 'superseded');
    }
    const timer = setTimeout(() => {
      if (session.poll?.sink !== sink) return;
      this.pollTimeouts++;
      this.endPoll(session, 'timeout');
    }, this.pollTimeoutMs);
    session.poll = { sink, timer };
    this.hanging++;
    if (session.queue.length > 0) this.deliver(session);
  }

  /** The client went away while its poll hung (the response closed before it was answered). */
  abandonPoll(session: Session, sink: PollSink): void {
    if (session.poll?.sink !== sink) return;
    clearTimeout(session.poll.timer);
    session.poll = null;
    this.hanging--;
  }

  /** Drops sessions that have no hanging poll and no request for sessionTtlMs; returns how many. */
  sweep(nowMs = Date.now()): number {
    let expired = 0;
    for (const session of this.sessions.values()) {
      if (session.poll === null && nowMs - session.lastActiveMs >= this.sessionTtlMs) {
        this.close(session, 'closed');
        expired++;
      }
    }
    this.expiredSessions += expired;
    return expired;
  }

  /** Shutdown: ends every hanging poll with why and forgets every session. */
  closeAll(why: PollEnd): void {
    for (const session of [...this.sessions.values()]) this.close(session, why);
  }

  figures(): SessionFigures {
    return {
      sessions: this.sessions.size,
      hangingPolls: this.hanging,
      queuedMessages: this.queued,
      pollResponses: this.pollResponses,
      pollTimeouts: this.pollTimeouts,
      supersededPolls: this.supersededPolls,
      expiredSessions: this.expiredSessions,
      droppedMessages: this.droppedMessages,
    };
  }

  private markDirty(session: Session): void {
    if (session.dirty) return;
    session.dirty = true;
    this.dirty.push(session);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the I/O callbacks of this loop turn: every message they queued leaves in one response.
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const sessions = this.dirty.splice(0);
    for (const session of sessions) {
      session.dirty = false;
      if (session.poll !== null && session.queue.length > 0) this.deliver(session);
    }
  };

  /** Answers the hanging poll with queued messages (up to MAX_POLL_BYTES, always at least one). */
  private deliver(session: Session): void {
    const poll = session.poll!;
    let messages: Uint8Array[];
    if (session.queuedBytes <= MAX_POLL_BYTES) {
      messages = session.queue.splice(0);
      session.queuedBytes = 0;
    } else {
      let bytes = 0;
      let n = 0;
      while (n < session.queue.length && (n === 0 || bytes + session.queue[n]!.length <= MAX_POLL_BYTES)) bytes += session.queue[n++]!.length;
      messages = session.queue.splice(0, n);
      session.queuedBytes -= bytes;
    }
    clearTimeout(poll.timer);
    session.poll = null;
    this.hanging--;
    if (poll.sink.deliver(messages)) {
      this.queued -= messages.length;
      this.pollResponses++;
      return;
    }
    // The client dropped this poll before it could be answered: the messages wait for its next poll.
    const later = session.queue.splice(0);
    for (const m of messages) {
      session.queue.push(m);
      session.queuedBytes += m.length;
    }
    for (const m of later) session.queue.push(m);
  }

  private endPoll(session: Session, why: PollEnd): void {
    const poll = session.poll;
    if (poll === null) return;
    clearTimeout(poll.timer);
    session.poll = null;
    this.hanging--;
    this.pollResponses++;
    poll.sink.end(why);
  }

  private dropQueue(session: Session): void {
    this.droppedMessages += session.queue.length;
    this.queued -= session.queue.length;
    session.queue.length = 0;
    session.queuedBytes = 0;
  }
}
