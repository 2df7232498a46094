/**
 * The parent's side of one client process, for every client kind (load engine, long-poll engine, fleet,
 * ws baseline): spawn it (spawn.ts: compiled JS, pinned, tracked), keep the cause it sent before dying,
 * tell an exit it was told to make from a crash, and stop it. The kinds differ in their messages and in
 * the error a crash becomes, not in how a process is driven.
 */
import type { ChildProcess } from 'node:child_process';
import { killChild, spawnClientProcess, waitForExit } from './spawn.js';

/** A client worker process exited (or failed to start) before it had reported. */
export class WorkerCrashError extends Error {
  override readonly name = 'WorkerCrashError';
  readonly code = 'ERR_CLIENT_WORKER_CRASHED';
  constructor(
    message: string,
    readonly workerIndex: number,
    readonly pid: number | undefined,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}

/** Every client process may say why it is about to die, so the parent's error can name the cause. */
export interface FatalMessage {
  type: 'fatal';
  message: string;
}

export interface ProcessExit {
  /** The parent told it to exit (or killed it): not a crash. */
  expected: boolean;
  /** "exited with code N" or "was killed by SIGNAL". */
  how: string;
  /** ": <its fatal message>" when it sent one, else "". */
  cause: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerProcessHandlers<FromChild> {
  /** Every message but `fatal` (kept as the cause of a later exit). */
  onMessage(msg: Exclude<FromChild, FatalMessage>): void;
  /** The process could not be started (ENOENT for taskset, …); no exit follows. */
  onStartError(err: Error): void;
  /** The process has exited, told to or not (exit.expected). */
  onExit(exit: ProcessExit): void;
}

export class WorkerProcess<ToChild extends object, FromChild extends { type: string }> {
  readonly child: ChildProcess;
  private fatalMessage: string | null = null;
  private exitExpected = false;

  constructor(
    readonly index: number,
    script: string,
    cpus: string | null,
    handlers: WorkerProcessHandlers<FromChild>,
  ) {
    const child = spawnClientProcess(script, cpus);
    this.child = child;
    child.on('message', (msg: FromChild) => {
      if (msg.type === 'fatal') this.fatalMessage = (msg as unknown as FatalMessage).message;
      else handlers.onMessage(msg as Exclude<FromChild, FatalMessage>);
    });
    child.once('error', (err) => handlers.onStartError(err));
    child.once('exit', (code, signal) => {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      const cause = this.fatalMessage !== null ? `: ${this.fatalMessage}` : '';
      handlers.onExit({ expected: this.exitExpected, how, cause, code, signal });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends msg unless the IPC channel has gone (the process is exiting: its exit says why). */
  send(msg: ToChild): void {
    if (this.child.connected) this.child.send(msg);
  }

  /** Tells it to exit with `exitMsg`; resolves when it has, SIGKILLing it after graceMs. */
  exit(exitMsg: ToChild, graceMs: number): Promise<void> {
    this.exitExpected = true;
    this.send(exitMsg);
    return waitForExit(this.child, graceMs);
  }

  /** SIGKILLs it if it is still running; its exit is then not a crash. */
  kill(): void {
    this.exitExpected = true;
    killChild(this.child);
  }
}
