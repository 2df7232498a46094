import { describe, expect, it } from 'vitest';
import { type PreflightInput, preflight } from '../../bench/preflight.js';

const base: PreflightInput = {
  connections: 1000,
  clientWorkers: 1,
  serverProcesses: 1,
  startsServer: true,
  nofileSoftLimit: 20_000,
  ephemeralPortRange: [32768, 60999],
  localAddressCount: 0,
};

describe('preflight', () => {
  it('accepts a run that fits', () => {
    expect(() => preflight(base)).not.toThrow();
    expect(() => preflight({ ...base, connections: 19_900, clientWorkers: 2 })).not.toThrow();
  });
  it('refuses too many sockets per client worker, with the arithmetic', () => {
    expect(() => preflight({ ...base, connections: 30_000, serverProcesses: 4, localAddressCount: 2 })).toThrow(
      '--connections 30000 over 1 client worker(s) is 30000 sockets per worker; 30000 + 100 headroom = 30100 > open-file limit 20000 per process. Use --client-workers 2 or more.',
    );
  });
  it('refuses more connections than one server process can hold', () => {
    expect(() => preflight({ ...base, connections: 19_950, clientWorkers: 2 })).toThrow(
      /19950 \+ 100 headroom = 20050 > open-file limit 20000 per process .* At most 19900 connections fit/,
    );
  });
  it('lets a multi-process server hold more', () => {
    expect(() => preflight({ ...base, connections: 25_000, clientWorkers: 2, serverProcesses: 2 })).not.toThrow();
  });
  it('refuses more connections than the ephemeral ports of the source addresses', () => {
    expect(() => preflight({ ...base, connections: 40_000, clientWorkers: 4, serverProcesses: 4 })).toThrow(
      '--connections 40000 needs more ephemeral ports than 1 source address(es) × 28232 ports (32768-60999) = 28232. Use --source-addresses 2 or more (127.0.0.x).',
    );
    expect(() => preflight({ ...base, connections: 40_000, clientWorkers: 4, serverProcesses: 4, localAddressCount: 2 })).not.toThrow();
  });
  it('counts two sockets per long-poll session', () => {
    expect(() => preflight({ ...base, connections: 10_000, clientWorkers: 2, socketsPerConnection: 2 })).toThrow(
      /^--connections 10000 × 2 sockets each over 1 server process\(es\) is 20000 sockets per process/,
    );
  });
  it('does not check server limits of a --target', () => {
    expect(() => preflight({ ...base, connections: 19_990, clientWorkers: 2, startsServer: false })).not.toThrow();
  });
});
