import { describe, expect, it } from 'vitest';
import {
  contextSwitchDelta,
  parseContextSwitches,
  parseStat,
  processTree,
  snapshotTree,
  type TaskSource,
  taskContextSwitches,
  treeContextSwitches,
} from '../../bench/proc-tree.js';

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

  it('parses the context switch lines of a task status', () => {
    const status = 'Name:\tnode\nState:\tS (sleeping)\nThreads:\t7\nvoluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t56\n';
    expect(parseContextSwitches(status)).toEqual({ voluntary: 1234, nonvoluntary: 56 });
    expect(parseContextSwitches('Name:\tnode\nvoluntary_ctxt_switches:\t3\n')).toBeNull();
  });
  it('sums every task of every process and takes the window delta per task, clamped at 0', () => {
    const status = (v: number, nv: number) => `voluntary_ctxt_switches:\t${v}\nnonvoluntary_ctxt_switches:\t${nv}\n`;
    const fake = (tasks: Record<number, Record<number, string | null>>): TaskSource => ({
      tasks: (pid) => Object.keys(tasks[pid] ?? {}).map(Number),
      status: (pid, tid) => tasks[pid]?.[tid] ?? null,
    });
    // Process 10 (tasks 10, 11, 12) and its child 20 (task 20); task 12 vanishes between listing and reading.
    const start = taskContextSwitches([10, 20], fake({ 10: { 10: status(100, 5), 11: status(40, 0), 12: null }, 20: { 20: status(7, 3) } }));
    expect([...start.values()].reduce((a, b) => a + b, 0)).toBe(155);
    // At the end: 10 grew by 30, 11 exited (its switches leave with it), 20 grew by 5, 21 was born (all 9 of its count is in the window),
    // and 13 reuses no start tid. A lower count than at the start (a reused tid) adds 0, never a negative.
    const end = taskContextSwitches([10, 20], fake({ 10: { 10: status(125, 10), 13: status(2, 0) }, 20: { 20: status(10, 5), 21: status(8, 1) } }));
    expect(contextSwitchDelta(start, end)).toBe(30 + 5 + 9 + 2);
    expect(contextSwitchDelta(new Map([[5, 100]]), new Map([[5, 90]]))).toBe(0);
    expect(contextSwitchDelta(start, new Map())).toBe(0);
  });
  it("reads the context switches of this process's own tasks", async () => {
    const a = treeContextSwitches(process.pid);
    expect(a.size).toBeGreaterThanOrEqual(1);
    expect([...a.values()].reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(contextSwitchDelta(a, treeContextSwitches(process.pid))).toBeGreaterThan(0);
    expect(treeContextSwitches(2 ** 22 + 7).size).toBe(0);
  });
});
