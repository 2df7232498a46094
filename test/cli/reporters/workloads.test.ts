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
