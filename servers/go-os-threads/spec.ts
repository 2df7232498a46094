import { Op } from '../../protocol/wire.js';
import { goGoroutinesAvailability, goGoroutinesCommand, MAX_OS_THREADS_ARG } from '../go-goroutines/spec.js';
import type { LaunchCommand, ServerOptions, ServerSpec } from '../spec.js';

/** Registry name of this server. */
export const GO_OS_THREADS_NAME = 'go-os-threads';

/**
 * go-goroutines' binary and code with every connection's goroutine locked to its own OS thread
 * (runtime.LockOSThread, never unlocked): one kernel thread per connection, asleep while the connection
 * waits for a message, terminated when it closes. Same build (scripts/build-go.sh), same availability,
 * same flags (main.go explains both models).
 */
export const goOsThreads: ServerSpec = {
  name: GO_OS_THREADS_NAME,
  description: 'Go + gorilla/websocket, one goroutine per connection locked to an OS thread of its own (runtime.LockOSThread): a kernel thread per connection',
  model: 'thread-per-connection',
  language: 'go',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  // The thread limit matters most here (one thread per connection); see DEFAULT_MAX_OS_THREADS.
  serverArgs: [MAX_OS_THREADS_ARG],
  availability: goGoroutinesAvailability,
  command: goOsThreadsCommand,
};

/**
 * go-goroutines' command plus --lock-os-threads. ServerOptions.threads still sets GOMAXPROCS: how many of
 * the connection threads may run Go code at once (the `threads` knob), not how many exist.
 */
export function goOsThreadsCommand(options: ServerOptions): LaunchCommand {
  const base = goGoroutinesCommand(options);
  return { ...base, args: [...base.args, '--lock-os-threads'] };
}
