/**
 * The connection handler of a `ws` server that runs the contract on its own event loop (ws-loop, and each
 * ws-cluster worker, which is ws-loop in a process of its own). Shared so the two models differ only in
 * their process layer, never in how a message is handled.
 */
import { WebSocket, type WebSocketServer } from 'ws';
import type { Counters } from './counters.js';
import { type Broadcast, handleBinary, rejectText } from './handle.js';

/** What the handler counts besides the contract counters. */
export interface WsLoopFigures {
  /** Frames ws's parser rejected (bad opcode, oversize, …): ws closes those itself with 1002/1009. */
  framingErrors: number;
}

/**
 * Serves the contract on every connection wss accepts. dropReply, asked for each binary message, lets a
 * test mode leave that message unanswered (ws-loop --drop-every).
 */
export function serveContractOnLoop(wss: WebSocketServer, counters: Counters, broadcast: Broadcast, dropReply?: () => boolean): WsLoopFigures {
  const figures: WsLoopFigures = { framingErrors: 0 };
  wss.on('connection', (client: WebSocket) => {
    counters.openConnections++;
    client.on('message', (data, isBinary) => {
      // Messages can still arrive after we sent a close frame; the contract only answers open connections.
      if (client.readyState !== WebSocket.OPEN) return;
      if (!isBinary) {
        rejectText(client, counters);
        return;
      }
      if (dropReply?.()) return;
      // binaryType is the default 'nodebuffer', so data is always one Buffer (fragments already joined).
      handleBinary(data as Buffer, client, broadcast, counters);
    });
    // Without a listener, a framing error from one client would crash the whole server.
    client.on('error', () => figures.framingErrors++);
    client.on('close', () => counters.openConnections--);
  });
  return figures;
}
