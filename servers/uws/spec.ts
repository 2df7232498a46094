import { Op } from '../../protocol/wire.js';
import { type ArgsPolicy, toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { Availability, LaunchCommand, ServerModel, ServerSpec } from '../spec.js';
import { UWS_BINARY_ENV, uwsAvailability } from './native.js';
import { UWS_ARGS_POLICY, UWS_NAME } from './settings.js';

const ENTRY = 'servers/uws/main.js';

export interface UwsSpecOptions {
  /** Native binary to use instead of the one matching this Node (tests point it at a wrong path). */
  binaryPath?: string;
}

/**
 * uWebSockets.js on one Node thread. Available only when its native binary loads under this Node:
 * never through the package's pure-JS fallback (see native.ts).
 */
export function createUwsSpec(specOptions: UwsSpecOptions = {}): ServerSpec {
  return uwsModelSpec(
    {
      name: UWS_NAME,
      description: 'uWebSockets.js (native binary, no JS fallback) on a single Node thread; /stats on the same port',
      model: 'event-loop',
      entry: ENTRY,
      policy: UWS_ARGS_POLICY,
    },
    specOptions,
  );
}

/** The uws spec with the binary matching this Node. */
export const uwsSpec: ServerSpec = createUwsSpec();

/** What tells one uWS model's spec from another's (uws, uws-threads, uws-procs). */
export interface UwsModel {
  name: string;
  description: string;
  model: ServerModel;
  /** Compiled entry, relative to dist/. */
  entry: string;
  policy: ArgsPolicy;
}

/**
 * The spec of a uWS model: every contract op, available only when the native binary loads (never the JS
 * fallback). A model that takes --threads gets, when it is not given, the CPUs the server is pinned to;
 * unpinned, the server uses its available parallelism.
 */
export function uwsModelSpec(model: UwsModel, { binaryPath }: UwsSpecOptions): ServerSpec {
  const { entry, policy } = model;
  return {
    name: model.name,
    description: model.description,
    model: model.model,
    language: 'node',
    ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
    availability: () => uwsEntryAvailability(entry, binaryPath),
    command: (options) => {
      const sized = policy.supportsThreads ? { ...options, threads: options.threads ?? options.cpuCount } : options;
      return uwsEntryCommand(entry, toServerArgs(sized, policy), binaryPath);
    },
  };
}

/**
 * Availability of a uWS server's compiled entry: the native binary must load first (its reason wins,
 * being the one to fix), then the entry must be built.
 */
export function uwsEntryAvailability(entry: string, binaryPath: string | undefined): Availability {
  const native = uwsAvailability(binaryPath);
  return native.available ? builtEntryAvailability(entry) : native;
}

/** `node <entry> ...args`, told which native binary to load when it is not the one matching this Node. */
export function uwsEntryCommand(entry: string, args: string[], binaryPath: string | undefined): LaunchCommand {
  return nodeEntryCommand(entry, args, binaryPath === undefined ? undefined : { [UWS_BINARY_ENV]: binaryPath });
}
