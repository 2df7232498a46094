import { describe, expect, it } from 'vitest';
import { Op } from '../../protocol/wire.js';
import { getServer, listServers, SERVERS, UnknownServerError } from '../../servers/registry.js';

describe('registry', () => {
  it('holds ws-loop and uws, keyed by their own names', () => {
    expect(Object.keys(SERVERS)).toEqual(expect.arrayContaining(['ws-loop', 'uws']));
    for (const [name, spec] of Object.entries(SERVERS)) expect(spec.name).toBe(name);
    expect(listServers().map((spec) => spec.name)).toEqual(Object.keys(SERVERS));
  });

  it('getServer returns the spec', () => {
    expect(getServer('ws-loop')).toBe(SERVERS['ws-loop']);
  });

  it.each(['x', 'constructor', 'toString', ''])('getServer(%j) throws UNKNOWN_SERVER listing the known names', (name) => {
    expect(() => getServer(name)).toThrow(UnknownServerError);
    expect(() => getServer(name)).toThrow(`unknown server "${name}"; known servers: ${Object.keys(SERVERS).join(', ')}`);
    try {
      getServer(name);
    } catch (error) {
      expect((error as UnknownServerError).code).toBe('UNKNOWN_SERVER');
    }
  });

  it('specs start compiled JS with this Node and pass the options as flags', () => {
    for (const spec of [getServer('ws-loop'), getServer('uws')]) {
      expect(spec.ops).toEqual([Op.ECHO, Op.WORK, Op.BROADCAST]);
      const command = spec.command({ host: '127.0.0.1', port: 0, threads: 4, stall: { everyMs: 100, durationMs: 10 }, cpuCount: 1, serverArgs: {} });
      expect(command.file).toBe(process.execPath);
      expect(command.args[0]).toMatch(new RegExp(`dist/servers/${spec.name}/main\\.js$`));
      expect(command.args.slice(1)).toEqual(['--host', '127.0.0.1', '--port', '0', '--stall-every-ms', '100', '--stall-ms', '10']);
    }
  });
});
