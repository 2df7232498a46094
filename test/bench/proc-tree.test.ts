import { describe, expect, it } from 'vitest';
import { parseStat, processTree, snapshotTree } from '../../bench/proc-tree.js';

describe('proc-tree', () => {
  it('parses a stat line whose comm holds spaces and parentheses', () => {
    // Fields after comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads
    const line = '4242 (node (worker) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1000 0 0';
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 17, ticks: 300, threads: 11 });
  });
  it('finds our own process and reads its resources', () => {
    expect(processTree(process.pid)).toContain(process.pid);
    const snap = snapshotTree(process.pid, 100);
    expect(snap).not.toBeNull();
    expect(snap!.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(snap!.threads).toBeGreaterThanOrEqual(1);
    expect(snap!.fds).toBeGreaterThanOrEqual(3);
  });
  it('returns null for a process that does not exist', () => {
    expect(snapshotTree(2 ** 22 + 7, 100)).toBeNull();
  });
});
