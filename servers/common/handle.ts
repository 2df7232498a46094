import { buildWorkReply, CloseCode, checkRequest, Op, readWorkIterations, readWorkSeed, work } from '../../protocol/wire.js';
import type { Counters } from './counters.js';

/** The two things the contract logic needs from a connection, whatever the WebSocket library. */
export interface ContractPeer {
  /** Sends one binary message to this connection. */
  send(message: Uint8Array): void;
  /** Closes this connection with a close frame carrying code and reason. */
  close(code: number, reason: string): void;
}

/** Sends message to every open connection (the sender included); returns how many it was sent to. */
export type Broadcast = (message: Uint8Array) => number;

/** Close reason for text frames (the contract is binary only). */
export const TEXT_FRAME_REASON = 'text frames are not part of the wsarena contract';

/**
 * Acts on one binary message: a contract violation closes only this connection with checkRequest's
 * code; ECHO replies with the same bytes; WORK replies with work(iterations, seed); BROADCAST fans out.
 * Everything happens synchronously, so message may be a view the library reclaims after the callback.
 */
export function handleBinary(message: Uint8Array, peer: ContractPeer, broadcast: Broadcast, counters: Counters): void {
  if (!admitRequest(message, peer, counters)) return;
  switch (message[0]) {
    case Op.ECHO:
      peer.send(message);
      return;
    case Op.WORK:
      peer.send(buildWorkReply(message, work(readWorkIterations(message), readWorkSeed(message))));
      return;
    case Op.BROADCAST:
      counters.broadcastDeliveries += broadcast(message);
      return;
  }
}

/**
 * The check every server makes before acting on a binary message, whoever then acts on it (this loop, a
 * pool, a thread): a contract violation is counted in protocolCloses and closes the connection with
 * checkRequest's code (false: do nothing more); a valid message is counted in messagesHandled (true).
 */
export function admitRequest(message: Uint8Array, peer: ContractPeer, counters: Counters): boolean {
  const violation = checkRequest(message);
  if (violation !== null) {
    counters.protocolCloses++;
    peer.close(violation.code, violation.reason);
    return false;
  }
  counters.messagesHandled++;
  return true;
}

/** Closes a connection that sent a text frame with 1003 (unsupported data). */
export function rejectText(peer: ContractPeer, counters: Counters): void {
  counters.protocolCloses++;
  peer.close(CloseCode.UNSUPPORTED_DATA, TEXT_FRAME_REASON);
}
