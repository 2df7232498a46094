import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../core/errors.js';
import { classifyGoFunction, parsePprofDurationMs, parsePprofTop, pprofProfileUrl } from '../../profile/pprof.js';

const TOP = readFileSync(new URL('./fixtures/go-top.txt', import.meta.url), 'utf8');

describe('parsePprofTop', () => {
  it('reads flat and cum of `go tool pprof -top` into self and total time', () => {
    const summary = parsePprofTop(TOP, 5);
    expect(summary).toMatchObject({ source: 'pprof', sampledMs: 310, idleMs: null, samples: null });
    expect(summary.bySelf[0]).toMatchObject({ name: 'runtime/internal/syscall.Syscall6', selfMs: 280, totalMs: 280, origin: 'runtime', selfFraction: 0.9032 });
    expect(summary.bySelf).toHaveLength(4); // only four functions have flat time
    expect(summary.byTotal.slice(0, 2).map((f) => [f.name, f.totalMs])).toEqual([
      ['main.(*server).serveConn', 310],
      ['main.(*server).serveWebSocket', 310],
    ]);
    expect(summary.byTotal).toHaveLength(5);
    const all = parsePprofTop(TOP, 100).byTotal;
    expect(all.find((f) => f.name.startsWith('internal/poll.ignoringEINTRIO'))).toMatchObject({ name: 'internal/poll.ignoringEINTRIO (inline)', totalMs: 280 });
  });

  it('refuses text without a Total samples line', () => {
    expect(() => parsePprofTop('nothing here')).toThrow(RunError);
    expect(() => parsePprofTop('nothing here')).toThrow(/no "Total samples" line/);
  });
});

describe('pprof helpers', () => {
  it.each([
    ['0', 0],
    ['310ms', 310],
    ['1.20s', 1200],
    ['12.5us', 0.013],
    ['2mins', 120_000],
  ])('duration %s = %d ms', (text, ms) => expect(parsePprofDurationMs(text)).toBe(ms));

  it.each([
    ['main.(*server).handle', 'app', null],
    ['github.com/gorilla/websocket.(*Conn).NextReader', 'dependency', 'github.com/gorilla/websocket'],
    ['runtime.mallocgc', 'runtime', null],
    ['runtime/internal/syscall.Syscall6', 'runtime', null],
    ['net/http.(*conn).serve', 'platform', null],
    ['internal/poll.(*FD).Write', 'platform', null],
  ])('%s is %s', (name, origin, pkg) => expect(classifyGoFunction(name)).toEqual({ origin, pkg }));

  it('builds the profile URL from the ready line URL', () => {
    expect(pprofProfileUrl('ws://127.0.0.1:34787/', 5)).toBe('http://127.0.0.1:34787/debug/pprof/profile?seconds=5');
  });
});
