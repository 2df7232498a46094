/**
 * The battery against wsarena's own servers, started as the runner starts them. Asserts what is known of
 * each library: ws closes with the RFC codes and buffers without bound; uWS drops TCP without a close
 * frame where the RFC wants one, answers bad close codes with an empty close frame, and drops replies
 * over its backpressure limit; gorilla (Go) stops reading from a client that does not read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBattery } from '../../probe/battery.js';
import { launchTarget, type ProbeTarget } from '../../probe/target.js';
import { DEFAULT_PROBE_SETTINGS, type ProbeRecord, type ProbeSettings } from '../../probe/types.js';
import { getServer } from '../../servers/registry.js';

const MiB = 1024 * 1024;

/** Shorter windows than the CLI defaults; the limits found do not depend on them. */
const SETTINGS: ProbeSettings = {
  ...DEFAULT_PROBE_SETTINGS,
  answerTimeoutMs: 1_000,
  keepaliveWindowMs: 1_000,
  backpressureWindowMs: 3_000,
  backpressureBytes: 40 * MiB,
};

function byId(records: ProbeRecord[]): Map<string, ProbeRecord> {
  return new Map(records.map((r) => [r.id, r]));
}

function get(records: Map<string, ProbeRecord>, id: string): ProbeRecord {
  const record = records.get(id);
  if (record === undefined) throw new Error(`no record for ${id}`);
  return record;
}

describe('ws-loop: the whole battery', () => {
  let target: ProbeTarget;
  let records: Map<string, ProbeRecord>;
  beforeAll(async () => {
    target = await launchTarget(getServer('ws-loop'), {}, {});
    records = byId(await runBattery(target, SETTINGS));
  }, 60_000);
  afterAll(() => target?.close());

  it('runs every probe without errors and never crashes the server', () => {
    expect(records.size).toBe(21);
    for (const r of records.values()) expect(r.verdict, `${r.id}: ${r.observed}`).not.toBe('error');
    expect(target.crashes).toBe(0);
  });

  it('finds the configured 16 MiB limit, refused with 1009, in one frame and in fragments', () => {
    expect(get(records, 'max-message')).toMatchObject({
      verdict: 'as-rfc',
      details: { largestAcceptedBytes: 16 * MiB, smallestRefusedBytes: 16 * MiB + 1, exact: true },
    });
    expect(get(records, 'max-message').details['refusal']).toMatchObject({ reaction: { kind: 'close', code: 1009 } });
    expect(get(records, 'fragmented-limit').verdict).toBe('as-rfc');
    expect(get(records, 'fragmented-reassembly').verdict).toBe('as-rfc');
  });

  it('keeps idle connections without pings (the contract) and answers pings', () => {
    for (const id of ['ping-pong', 'server-pings', 'idle-close']) expect(get(records, id).verdict, id).toBe('as-rfc');
    expect(get(records, 'server-pings').details['pings']).toBe(0);
  });

  it('buffers replies for a client that does not read without bound', () => {
    const bp = get(records, 'backpressure');
    expect(bp.details['outcome'], bp.observed).toBe('unbounded');
    expect(bp.verdict).toBe('differs');
    // 40 MiB sent; what is not in kernel buffers is held by ws.
    expect(bp.details['serverHeldBytesMax'] as number).toBeGreaterThan(20 * MiB);
  });

  it('accepts versions 13 and 8, refuses 7 and hixie with 400', () => {
    expect(get(records, 'handshake-hybi-08').details['statusCode']).toBe(101);
    expect(get(records, 'handshake-hybi-07').details['statusCode']).toBe(400);
    expect(get(records, 'handshake-hixie-76').details['statusCode']).toBe(400);
  });

  it('answers every close and bad-input probe as RFC 6455 says, other connections unaffected', () => {
    for (const r of records.values()) {
      if (r.id.startsWith('close-') || r.id.startsWith('bad-')) expect(r.verdict, `${r.id}: ${r.observed}`).toBe('as-rfc');
    }
  });
});

describe.runIf(getServer('uws').availability().available)('uws: the whole battery', () => {
  let target: ProbeTarget;
  let records: Map<string, ProbeRecord>;
  beforeAll(async () => {
    target = await launchTarget(getServer('uws'), {}, {});
    records = byId(await runBattery(target, SETTINGS));
  }, 60_000);
  afterAll(() => target?.close());

  it('runs every probe without errors and never crashes the server', () => {
    expect(records.size).toBe(21);
    for (const r of records.values()) expect(r.verdict, `${r.id}: ${r.observed}`).not.toBe('error');
    expect(target.crashes).toBe(0);
  });

  it('refuses 16 MiB + 1 by dropping TCP, without the 1009 close frame', () => {
    const max = get(records, 'max-message');
    expect(max.details).toMatchObject({ largestAcceptedBytes: 16 * MiB, smallestRefusedBytes: 16 * MiB + 1 });
    expect(max.details['refusal']).toMatchObject({ reaction: { kind: 'disconnect' }, crashed: false });
    expect(max.verdict).toBe('differs');
  });

  it('drops replies past its 16 MiB backpressure limit and keeps the connection', () => {
    const bp = get(records, 'backpressure');
    expect(bp.details['outcome'], bp.observed).toBe('drops');
    expect(bp.details['sendDrops'] as number).toBeGreaterThan(0);
    const held = bp.details['serverHeldBytesMax'] as number;
    expect(held).toBeGreaterThan(15 * MiB);
    expect(held).toBeLessThan(18 * MiB);
  });

  it('accepts hybi-07 and hybi-08 handshakes', () => {
    expect(get(records, 'handshake-hybi-07').details['statusCode']).toBe(101);
    expect(get(records, 'handshake-hybi-08').details['statusCode']).toBe(101);
  });

  it('answers invalid close codes with a close frame that carries no code', () => {
    for (const id of ['close-code-1005', 'close-code-999', 'close-bad-utf8']) {
      expect(get(records, id).details['reaction'], id).toMatchObject({ kind: 'close', code: null });
      expect(get(records, id).verdict).toBe('differs');
    }
    expect(get(records, 'close-echo').verdict).toBe('as-rfc');
  });

  it('ignores the MASK bit: an unmasked frame is read as masked, so it waits for 4 more bytes', () => {
    const r = get(records, 'bad-unmasked');
    expect(r.verdict, r.observed).toBe('differs');
    expect(r.details).toMatchObject({ readAsOtherFrame: true, bystanderEchoes: true });
    expect(r.observed).toMatch(/^no reaction until 4 more bytes, then close 4401 .*MASK bit ignored/);
  });

  it('drops TCP without a close frame on framing errors, other connections unaffected', () => {
    for (const id of ['bad-reserved-opcode', 'bad-rsv-bits', 'bad-control-too-long', 'bad-text-utf8']) {
      const r = get(records, id);
      expect(r.details['reaction'], `${id}: ${r.observed}`).toMatchObject({ kind: 'disconnect' });
      expect(r.details['bystanderEchoes'], id).toBe(true);
    }
  });
});

describe.runIf(getServer('go-goroutines').availability().available)('go-goroutines: backpressure', () => {
  it('stops reading from a client that does not read: TCP pushes back, little is held', async () => {
    const target = await launchTarget(getServer('go-goroutines'), {}, {});
    try {
      const [bp] = await runBattery(target, { ...SETTINGS, only: ['backpressure'] });
      expect(bp!.details['outcome'], bp!.observed).toBe('stalls');
      expect(bp!.verdict).toBe('as-rfc');
      expect(bp!.details['serverHeldBytesMax'] as number).toBeLessThan(MiB);
    } finally {
      await target.close();
    }
  });
});
