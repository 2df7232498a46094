/**
 * Backpressure: one connection pipelines ECHO messages and never reads the replies. How much does the
 * server hold for it before it stops reading (TCP pushes back), drops replies, or closes the connection —
 * or does it buffer without bound? Bounded by a time window and a byte budget.
 *
 * What the server holds is estimated as: replies produced (messagesHandled − sendDrops, from /stats) ×
 * reply frame size, minus bytes in the kernel between server and client (/proc/net/tcp queues), minus
 * what our paused socket read before it stopped. RSS growth of the server tree is reported next to it.
 */
import { snapshotTree } from '../../bench/proc-tree.js';
import { encodeFrame, Opcode } from '../../clients/rfc6455/frame.js';
import { clockTicks } from '../../results/environment.js';
import { echoMessage, type ProbeDefinition, sleep } from '../context.js';
import { awaitReaction, describeReaction, formatApproxSize, formatMs, formatSize, type Reaction, round } from '../reaction.js';
import { readTcpQueues, TCP_ESTABLISHED } from '../tcp-queues.js';
import type { ProbeOutcome, ProbeVerdict } from '../types.js';

/** ECHO message size; its reply frame carries a 10-byte header (payload > 65535). */
const MESSAGE_BYTES = 64 * 1024;
const REPLY_FRAME_BYTES = MESSAGE_BYTES + 10;
/** Our own socket's queue is kept below this, so "the server stopped reading" is visible as a full queue. */
const CLIENT_QUEUE_BYTES = 1024 * 1024;
const SAMPLE_EVERY_MS = 200;
/** No progress for this long while we still have bytes to send = the server stopped reading. */
const STALL_MS = 1_000;
/** After the first dropped reply, watch this much longer before concluding. */
const DROP_CONFIRM_MS = 400;

type Outcome = 'stalls' | 'drops' | 'closes' | 'unbounded' | 'inconclusive';

interface Sample {
  tMs: number;
  sentBytes: number;
  clientQueuedBytes: number;
  messagesHandled: number | null;
  sendDrops: number | null;
  kernelBytes: number;
  serverHeldBytes: number | null;
  rssGrowthBytes: number | null;
}

function rssOf(pid: number | null): number | null {
  if (pid === null) return null;
  return snapshotTree(pid, clockTicks(), false)?.rssBytes ?? null;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

export const backpressureProbe: ProbeDefinition = {
  id: 'backpressure',
  group: 'backpressure',
  title: 'Buffering for a client that stops reading',
  expected: 'Not in RFC 6455 (TCP flow control is the only backpressure): stop reading or close (1008/1011), not buffer without bound',
  boundMs: (s) => s.backpressureWindowMs + 3 * s.answerTimeoutMs + 2_000,
  async run(ctx): Promise<ProbeOutcome> {
    const { backpressureWindowMs: windowMs, backpressureBytes: budgetBytes } = ctx.settings;
    const sock = await ctx.open();
    sock.pauseReading();
    const frame = encodeFrame(Opcode.BINARY, echoMessage(MESSAGE_BYTES));
    const serverPort = sock.socket.remotePort!;
    const clientPort = sock.socket.localPort!;
    const stats0 = await ctx.target.stats();
    const rss0 = rssOf(ctx.target.pid);
    const read0 = sock.socket.bytesRead;

    const samples: Sample[] = [];
    const t0 = performance.now();
    let sentBytes = 0;
    let lastSampleMs = -Infinity;
    let lastProgress = { value: -1, atMs: 0 };
    let firstDropAtMs: number | null = null;
    let outcome: Outcome | null = null;

    while (outcome === null && !ctx.signal.aborted) {
      while (!sock.isEnded && sock.socket.writableLength < CLIENT_QUEUE_BYTES && sentBytes < budgetBytes) {
        sock.write(frame);
        sentBytes += frame.length;
      }
      if (sentBytes >= budgetBytes || sock.isEnded) await sleep(50, ctx.signal);
      else await sock.waitDrain(50);
      const nowMs = performance.now() - t0;
      if (nowMs - lastSampleMs < SAMPLE_EVERY_MS && nowMs < windowMs) continue;
      lastSampleMs = nowMs;

      const stats = await ctx.target.stats(500);
      const handled = stats && stats0 ? stats.messagesHandled - stats0.messagesHandled : null;
      const drops = stats && stats0 ? numberOr0(stats.extra?.['sendDrops']) - numberOr0(stats0.extra?.['sendDrops']) : null;
      const serverSide = readTcpQueues(serverPort, clientPort);
      const clientSide = readTcpQueues(clientPort, serverPort);
      const kernelBytes = (serverSide?.txQueueBytes ?? 0) + (clientSide?.rxQueueBytes ?? 0);
      const readBytes = sock.socket.bytesRead - read0;
      const produced = handled === null ? null : (handled - (drops ?? 0)) * REPLY_FRAME_BYTES;
      const rss = rssOf(ctx.target.pid);
      const sample: Sample = {
        tMs: Math.round(nowMs),
        sentBytes,
        clientQueuedBytes: sock.socket.writableLength + (clientSide?.txQueueBytes ?? 0),
        messagesHandled: handled,
        sendDrops: drops,
        kernelBytes,
        serverHeldBytes: produced === null ? null : Math.max(0, produced - kernelBytes - readBytes),
        rssGrowthBytes: rss === null || rss0 === null ? null : rss - rss0,
      };
      samples.push(sample);

      // Progress: messages the server handled, or (without /stats) bytes that left our side.
      const progress = handled ?? sentBytes - sample.clientQueuedBytes;
      if (progress !== lastProgress.value) lastProgress = { value: progress, atMs: nowMs };
      // Our socket is paused, so a FIN from the server shows in the kernel's state, not as an 'end' event.
      const closedByServer = sock.isEnded || (clientSide !== null && clientSide.state !== TCP_ESTABLISHED);
      if (closedByServer) outcome = 'closes';
      else if (drops !== null && drops > 0) {
        firstDropAtMs ??= nowMs;
        if (nowMs - firstDropAtMs >= DROP_CONFIRM_MS) outcome = 'drops';
      } else if (nowMs - lastProgress.atMs >= STALL_MS) {
        outcome = sample.clientQueuedBytes > 0 ? 'stalls' : 'unbounded';
      } else if (nowMs >= windowMs) {
        outcome = sentBytes >= budgetBytes || (sample.serverHeldBytes ?? 0) > 0 ? 'unbounded' : 'inconclusive';
      }
    }

    let ending: Reaction | null = null;
    if (outcome === 'closes') {
      // Read what is queued to see whether a close frame ends it.
      const from = sock.events.length;
      sock.socket.resume();
      ending = await awaitReaction(sock, { from, sinceMs: sock.nowMs(), timeoutMs: ctx.settings.answerTimeoutMs, signal: ctx.signal });
    }
    sock.destroy();

    const peak = samples.reduce<Sample | null>((best, s) => (best === null || (s.serverHeldBytes ?? 0) >= (best.serverHeldBytes ?? 0) ? s : best), null);
    const last = samples[samples.length - 1] ?? null;
    const held = peak?.serverHeldBytes ?? null;
    const heldText = held === null ? 'an unknown amount (no /stats)' : `≈${formatApproxSize(held)}`;
    const rssText = last === null || last.rssGrowthBytes === null ? '' : `, RSS +${formatApproxSize(Math.max(0, last.rssGrowthBytes))}`;
    const kernelText = peak === null ? '' : ` (+${formatApproxSize(peak.kernelBytes)} in kernel buffers)`;
    const details = {
      messageBytes: MESSAGE_BYTES,
      windowMs,
      budgetBytes,
      outcome: outcome ?? 'inconclusive',
      sentBytes,
      serverHeldBytesMax: held,
      kernelBytesAtPeak: peak?.kernelBytes ?? null,
      rssGrowthBytes: last?.rssGrowthBytes ?? null,
      sendDrops: last?.sendDrops ?? null,
      ending,
      samples,
    };
    let observed: string;
    let verdict: ProbeVerdict;
    switch (outcome ?? 'inconclusive') {
      case 'stalls':
        observed = `stops reading once ${heldText} is queued${kernelText}; TCP pushes back${rssText}`;
        verdict = 'as-rfc';
        break;
      case 'drops':
        observed = `drops replies once ${heldText} is queued (${last?.sendDrops ?? 0} dropped), connection stays open${rssText}`;
        verdict = 'differs';
        break;
      case 'closes':
        observed = `closes after ${heldText} queued: ${ending === null ? 'connection gone' : describeReaction(ending)}`;
        verdict = ending?.kind === 'close' ? 'as-rfc' : 'differs';
        break;
      case 'unbounded':
        observed = `no limit within ${formatSize(budgetBytes)}/${formatMs(windowMs)}: ${heldText} queued${rssText}`;
        verdict = 'differs';
        break;
      default:
        observed = `inconclusive within ${formatMs(windowMs)}: ${formatSize(sentBytes)} sent, ${heldText} queued`;
        verdict = 'no-answer';
    }
    return { observed, verdict, details: { ...details, elapsedMs: round(performance.now() - t0) } };
  },
};
