import { describe, expect, it } from 'vitest';
import { parseSockStat, readSockStat } from '../../bench/sockstat.js';

describe('sockstat', () => {
  it('parses /proc/net/sockstat text', () => {
    const text =
      'sockets: used 135\nTCP: inuse 102 orphan 3 tw 1798 alloc 110 mem 195\nUDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n';
    expect(parseSockStat(text)).toEqual({
      socketsUsed: 135,
      tcpInuse: 102,
      tcpOrphan: 3,
      tcpTimeWait: 1798,
      tcpAlloc: 110,
      tcpMemPages: 195,
      tcpMemBytes: 195 * 4096,
    });
  });
  it('reads the live file on Linux', () => {
    const s = readSockStat();
    expect(s).not.toBeNull();
    expect(s!.socketsUsed).toBeGreaterThan(0);
  });
});
