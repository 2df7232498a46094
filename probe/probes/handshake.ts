/**
 * Protocol drafts: which opening handshakes the server accepts — RFC 6455 (version 13), hybi-08/10
 * (version 8), hybi-07 (version 7), hixie-76 (Sec-WebSocket-Key1/Key2 and an 8-byte body) and hixie-75 —
 * and what it answers to the rest.
 */
import {
  buildUpgradeRequest,
  generateKey,
  type HandshakeError,
  ResponseHeadReader,
  type UpgradeResponse,
  validateUpgradeResponse,
} from '../../clients/rfc6455/handshake.js';
import type { ProbeContext, ProbeDefinition } from '../context.js';
import { formatMs, round } from '../reaction.js';
import { connectTcp } from '../socket.js';
import type { ProbeOutcome, ProbeVerdict } from '../types.js';

/** After a complete response head, how long to collect body bytes (hixie-76 answers with 16). */
const BODY_WAIT_MS = 100;
const BODY_KEPT_BYTES = 64;

// The worked example of draft-hixie-thewebsocketprotocol-76 §1.3: these keys and body give this answer.
const HIXIE76_KEY1 = '4 @1  46546xW%0l 1 5';
const HIXIE76_KEY2 = '12998 5 Y3 1  .P00';
const HIXIE76_BODY = Buffer.from('^n:ds[4U', 'latin1');
const HIXIE76_ANSWER = Buffer.from("8jKS'y:G*Co,Wxa-", 'latin1');

export type Exchange =
  | { kind: 'response'; afterMs: number; response: UpgradeResponse; body: Buffer }
  | { kind: 'closed'; afterMs: number; bytesReceived: number }
  | { kind: 'none'; windowMs: number };

/** Sends `request` on a fresh TCP connection and reads the HTTP answer, if any, within timeoutMs. */
export async function rawExchange(url: string, request: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  const socket = await connectTcp(hostname, Number(port || 80), timeoutMs);
  return new Promise<Exchange>((resolve) => {
    const reader = new ResponseHeadReader();
    let received = 0;
    let head: { response: UpgradeResponse; afterMs: number } | null = null;
    let body = Buffer.alloc(0);
    const finish = (result: Exchange): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ kind: 'none', windowMs: timeoutMs });
    const afterMs = (): number => round(performance.now() - started);
    const timer = setTimeout(() => finish({ kind: 'none', windowMs: timeoutMs }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (head !== null) {
        body = Buffer.concat([body, chunk]).subarray(0, BODY_KEPT_BYTES);
        return;
      }
      let response: UpgradeResponse | null;
      try {
        response = reader.push(chunk);
      } catch {
        finish({ kind: 'closed', afterMs: afterMs(), bytesReceived: received });
        return;
      }
      if (response === null) return;
      head = { response, afterMs: afterMs() };
      body = Buffer.from(response.leftover.subarray(0, BODY_KEPT_BYTES));
      clearTimeout(timer);
      setTimeout(() => finish({ kind: 'response', afterMs: head!.afterMs, response: head!.response, body }), BODY_WAIT_MS);
    });
    const onGone = (): void => {
      if (head !== null) finish({ kind: 'response', afterMs: head.afterMs, response: head.response, body });
      else finish({ kind: 'closed', afterMs: afterMs(), bytesReceived: received });
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
    socket.write(request);
  });
}

interface Variant {
  id: string;
  title: string;
  expected: string;
  /** The request bytes for this host and path; `key` is the Sec-WebSocket-Key when there is one. */
  request(host: string, path: string, key: string): Buffer;
  judge(exchange: Exchange, key: string): { observed: string; verdict: ProbeVerdict };
}

function hostOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

function statusLine(response: UpgradeResponse): string {
  return `${response.statusCode}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
}

function versionList(response: UpgradeResponse): string | null {
  return response.headers['sec-websocket-version'] ?? null;
}

/** Common wording for the answers that are not a response at all. */
function judgeSilence(exchange: Exclude<Exchange, { kind: 'response' }>): { observed: string; verdict: ProbeVerdict } {
  if (exchange.kind === 'none') return { observed: `no answer within ${formatMs(exchange.windowMs)} (hangs)`, verdict: 'no-answer' };
  return { observed: `closed the connection without an HTTP answer after ${formatMs(exchange.afterMs)}`, verdict: 'differs' };
}

/** A draft version number sent in Sec-WebSocket-Version: accepting it or 4xx with the supported list are both RFC. */
function versionVariant(id: string, version: number, draft: string): Variant {
  return {
    id,
    title: `${draft} handshake (version ${version})`,
    expected: 'Accept, or refuse with 426 and Sec-WebSocket-Version: 13 (§4.2.2, §4.4)',
    request: (host, path, key) => Buffer.from(buildUpgradeRequest({ host, path, key, version })),
    judge(exchange, key) {
      if (exchange.kind !== 'response') return judgeSilence(exchange);
      const { response } = exchange;
      if (response.statusCode === 101) {
        try {
          validateUpgradeResponse(response, key);
          return { observed: `accepted: 101 after ${formatMs(exchange.afterMs)}`, verdict: 'as-rfc' };
        } catch (err) {
          return { observed: `101 but not a valid RFC 6455 answer: ${(err as HandshakeError).message}`, verdict: 'differs' };
        }
      }
      const versions = versionList(response);
      if (response.statusCode >= 400 && response.statusCode < 500) {
        if (versions !== null) return { observed: `refused: ${statusLine(response)}, Sec-WebSocket-Version: ${versions}`, verdict: 'as-rfc' };
        return { observed: `refused: ${statusLine(response)} without a Sec-WebSocket-Version list`, verdict: 'differs' };
      }
      return { observed: `answered ${statusLine(response)}`, verdict: 'differs' };
    },
  };
}

/** A pre-RFC hixie handshake: no Sec-WebSocket-Key or -Version, so an RFC 6455 server refuses it. */
function hixieVariant(id: string, draft: string, withKeys: boolean): Variant {
  return {
    id,
    title: `${draft} handshake${withKeys ? ' (Key1/Key2 + body)' : ''}`,
    expected: 'Not RFC 6455 (no Sec-WebSocket-Key): refuse with 400 or 426 + Sec-WebSocket-Version: 13 (§4.2.1, §4.4)',
    request(host, path) {
      const extraHeaders: Record<string, string | null> = { Upgrade: 'WebSocket', 'Sec-WebSocket-Key': null, Origin: `http://${host}` };
      if (withKeys) Object.assign(extraHeaders, { 'Sec-WebSocket-Key1': HIXIE76_KEY1, 'Sec-WebSocket-Key2': HIXIE76_KEY2 });
      const head = Buffer.from(buildUpgradeRequest({ host, path, key: '', version: null, extraHeaders }), 'latin1');
      return withKeys ? Buffer.concat([head, HIXIE76_BODY]) : head;
    },
    judge(exchange) {
      if (exchange.kind !== 'response') return judgeSilence(exchange);
      const { response, body } = exchange;
      if (response.statusCode === 101) {
        const answer = withKeys ? (body.subarray(0, 16).equals(HIXIE76_ANSWER) ? ', with the correct hixie-76 answer' : ', without the hixie-76 answer') : '';
        return { observed: `accepted: 101 ${response.statusText}${answer}`.trim(), verdict: 'differs' };
      }
      if (response.statusCode >= 400 && response.statusCode < 500) {
        const versions = versionList(response);
        return { observed: `refused: ${statusLine(response)}${versions === null ? '' : `, Sec-WebSocket-Version: ${versions}`}`, verdict: 'as-rfc' };
      }
      return { observed: `answered ${statusLine(response)}`, verdict: 'differs' };
    },
  };
}

const VARIANTS: Variant[] = [
  {
    ...versionVariant('handshake-rfc6455', 13, 'RFC 6455'),
    title: 'RFC 6455 handshake (version 13)',
    expected: '101 Switching Protocols, Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (§4.2.2)',
  },
  versionVariant('handshake-hybi-08', 8, 'hybi-08/10'),
  versionVariant('handshake-hybi-07', 7, 'hybi-07'),
  hixieVariant('handshake-hixie-76', 'hixie-76', true),
  hixieVariant('handshake-hixie-75', 'hixie-75', false),
];

function variantProbe(variant: Variant): ProbeDefinition {
  return {
    id: variant.id,
    group: 'handshake',
    title: variant.title,
    expected: variant.expected,
    boundMs: (s) => 2 * s.answerTimeoutMs + 1_000,
    async run(ctx: ProbeContext): Promise<ProbeOutcome> {
      const url = new URL(ctx.target.url);
      const key = generateKey();
      const request = variant.request(hostOf(url), url.pathname + url.search, key);
      const exchange = await rawExchange(ctx.target.url, request, ctx.settings.answerTimeoutMs, ctx.signal);
      const { observed, verdict } = variant.judge(exchange, key);
      const details: Record<string, unknown> = { request: request.toString('latin1'), exchange: exchange.kind };
      if (exchange.kind === 'response') {
        Object.assign(details, {
          afterMs: exchange.afterMs,
          statusCode: exchange.response.statusCode,
          statusText: exchange.response.statusText,
          headers: exchange.response.headers,
          bodyPrefix: exchange.body.toString('latin1'),
        });
      } else if (exchange.kind === 'closed') {
        Object.assign(details, { afterMs: exchange.afterMs, bytesReceived: exchange.bytesReceived });
      } else {
        Object.assign(details, { windowMs: exchange.windowMs });
      }
      return { observed, verdict, details };
    },
  };
}

export const handshakeProbes: ProbeDefinition[] = VARIANTS.map(variantProbe);
