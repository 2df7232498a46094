/**
 * Every server model has a family for the threads-vs-async question and a label for sentences; the two
 * tables are typed by ServerModel, and this checks the choices that are judgement calls.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_LABELS, nameWithModel } from '../../report/findings.js';
import { MODEL_FAMILIES } from '../../report/model.js';
import { listServers } from '../../servers/registry.js';

describe('model families and labels', () => {
  it('cover every registered server', () => {
    for (const spec of listServers()) {
      expect(MODEL_FAMILIES[spec.model], spec.name).toBeDefined();
      expect(MODEL_LABELS[spec.model], spec.name).toBeDefined();
    }
  });

  it('a worker_thread per connection and an OS thread per connection are both threaded', () => {
    expect(MODEL_FAMILIES['worker-per-connection']).toBe('threaded');
    expect(MODEL_FAMILIES['thread-per-connection']).toBe('threaded');
    expect(nameWithModel({ who: 'ws-worker-per-conn', model: 'worker-per-connection' })).toBe('ws-worker-per-conn (worker per connection)');
  });

  it('virtual threads sit with goroutines, outside threads-vs-async: user-mode threads over a poller', () => {
    expect(MODEL_FAMILIES['virtual-threads']).toBe(MODEL_FAMILIES.goroutines);
    expect(MODEL_FAMILIES['virtual-threads']).toBe('other');
    expect(nameWithModel({ who: 'java-vthreads', model: 'virtual-threads' })).toBe('java-vthreads (virtual threads)');
  });

  it('an unknown model has no label and no family of its own', () => {
    expect(nameWithModel({ who: 'x', model: 'toString' })).toBe('x');
    expect(nameWithModel({ who: 'x', model: null })).toBe('x');
  });
});
