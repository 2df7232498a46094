/**
 * A client worker's own cost over the measured window, reported next to its figures so a result can show
 * when the load generator, not the server, was the bottleneck.
 */
import { monoUs } from '../clock.js';
import { LoopDelayMonitor } from '../loop-delay.js';

export class SelfMeasure {
  private readonly eld = new LoopDelayMonitor();
  private cpuAtStart: NodeJS.CpuUsage | null = null;
  private cpuInWindow: NodeJS.CpuUsage | null = null;
  private wallAtStartUs = 0;
  private wallInWindowUs = 0;

  /** Call at the start of the measured window. */
  begin(): void {
    this.cpuAtStart = process.cpuUsage();
    this.wallAtStartUs = monoUs();
    this.eld.enable();
  }

  /** Call at the end of the measured window. */
  end(): void {
    this.cpuInWindow = process.cpuUsage(this.cpuAtStart ?? undefined);
    this.wallInWindowUs = monoUs() - this.wallAtStartUs;
    this.eld.disable();
  }

  /** Wall time of the window, µs; 0 when it never ended. */
  get windowUs(): number {
    return this.wallInWindowUs;
  }

  /** CPU time (user + system) per wall time over the window, 3 decimals; 0 when the window never ended. */
  cpuCoreFraction(): number {
    const cpu = this.cpuInWindow;
    const wallUs = this.wallInWindowUs;
    return cpu !== null && wallUs > 0 ? Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 1000 : 0;
  }

  eventLoopDelayP99Ms(): number {
    return this.eld.p99Ms();
  }
}
