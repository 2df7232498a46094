import { describe, expect, it } from 'vitest';
import { describeWorkloadSection } from '../../../cli/reporters/workloads.js';
import { idleRun } from '../../report/builders.js';

describe('idle workload line', () => {
  it('shows kernel bytes per connection next to bytes per connection, and nothing for older sections', () => {
    const c = idleRun('ws-thread-pool', 9216);
    const withKernel = { ...c, idle: { ...c.idle!, kernelBytesPerConnection: 18_384, kernelR2: 0.9991 } };
    expect(describeWorkloadSection(withKernel)).toMatch(
      /^9216 B\/conn \(rss slope, R² 0\.9900, intercept —\), kernel 18384 B\/conn \(KernelStack\+SUnreclaim, R² 0\.9991\); ceiling/,
    );
    expect(describeWorkloadSection(c)).not.toContain('KernelStack');
  });
});

describe('idle workload line: kernel TCP buffers', () => {
  it('carries the slope’s standard error, or says there is none with two points', () => {
    const c = idleRun('ws-loop', 9216);
    const tcpFit = (slope: number, slopeStdErr: number | null, n = 3) => ({ n, slope, intercept: 0, r2: 0.75, slopeStdErr });
    const line = (tcp: ReturnType<typeof tcpFit>) => describeWorkloadSection({ ...c, idle: { ...c.idle!, fit: { ...c.idle!.fit, kernelTcpMem: tcp } } });
    expect(line(tcpFit(-524.288, 302.7))).toContain('kernel TCP buffers -524 B ± 303 B/conn');
    expect(line(tcpFit(-52_428.8, null, 2))).toContain('kernel TCP buffers -51.2 KiB/conn (2 points: no error estimate)');
  });
});
