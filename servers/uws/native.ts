/**
 * Loads uWebSockets.js from its native binary, and only from there.
 *
 * The package entry (@trufflesuite/uws-js-unofficial/src/uws.js) catches a failed dlopen, prints a
 * warning and silently returns a pure-JS shim built on `ws`. A benchmark that got the shim would report
 * `ws` figures under the uWS name. So nothing here (or anywhere) requires the package entry: we require
 * binaries/uws_<platform>_<arch>_<abi>.node directly, and a failure is an error with its reason.
 * The `import type` below is erased at compile time and never loads the package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UwsTypes from '@trufflesuite/uws-js-unofficial';
import type { Availability } from '../spec.js';

/** The uWS.js module API, typed by the package's own declarations. */
export type NativeUws = typeof UwsTypes;

const PACKAGE_NAME = '@trufflesuite/uws-js-unofficial';

/** Environment variable that points a uws server at another binary (set by createUwsSpec({ binaryPath })). */
export const UWS_BINARY_ENV = 'WSARENA_UWS_BINARY';

/** The native binary could not be found or loaded. `reason` says which and why. */
export class NativeUwsUnavailableError extends Error {
  readonly code = 'UWS_NATIVE_UNAVAILABLE';
  constructor(readonly reason: string) {
    super(`uWebSockets.js native binary unavailable: ${reason}`);
    this.name = 'NativeUwsUnavailableError';
  }
}

const require = createRequire(import.meta.url);

/** Folder of the installed package; throws NativeUwsUnavailableError when it is not installed. */
export function uwsPackageDir(): string {
  try {
    return dirname(require.resolve(`${PACKAGE_NAME}/package.json`));
  } catch {
    throw new NativeUwsUnavailableError(`package ${PACKAGE_NAME} is not installed`);
  }
}

/** Installed package version, e.g. "20.30.0-unofficial.0". */
export function uwsPackageVersion(): string {
  return (require(join(uwsPackageDir(), 'package.json')) as { version: string }).version;
}

/** The binary this Node needs: binaries/uws_<platform>_<arch>_<ABI>.node inside the package. */
export function nativeUwsBinaryPath(): string {
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  return join(uwsPackageDir(), 'binaries', file);
}

/**
 * Loads the native uWS module from binaryPath (default: nativeUwsBinaryPath()) into this process.
 * Throws NativeUwsUnavailableError when the file is missing, dlopen fails, or the module is not uWS.
 */
export function loadNativeUws(binaryPath: string = nativeUwsBinaryPath()): NativeUws {
  if (!existsSync(binaryPath)) throw new NativeUwsUnavailableError(missingBinaryReason(binaryPath));
  let loaded: unknown;
  try {
    loaded = require(binaryPath);
  } catch (error) {
    throw new NativeUwsUnavailableError(`cannot load ${binaryPath}: ${(error as Error).message}`);
  }
  if (!looksLikeUws(loaded)) {
    throw new NativeUwsUnavailableError(`${binaryPath} loaded but does not export App and us_socket_local_port`);
  }
  return loaded as NativeUws;
}

const availabilityByPath = new Map<string, Availability>();

/**
 * Whether the native binary loads under this Node (never "available" through the JS fallback).
 * The load is tried in a child process, so a binary that crashes on load cannot take the runner down
 * and the runner never carries uWS in its own address space. Cached per path.
 */
export function uwsAvailability(binaryPath?: string): Availability {
  let path: string;
  try {
    path = binaryPath ?? nativeUwsBinaryPath();
  } catch (error) {
    return { available: false, reason: (error as NativeUwsUnavailableError).reason, fix: 'npm install' };
  }
  const cached = availabilityByPath.get(path);
  if (cached !== undefined) return cached;
  const availability = probeBinary(path);
  availabilityByPath.set(path, availability);
  return availability;
}

/** Exit code of the probe child when the binary is not a usable uWS module. */
const PROBE_FAILED_EXIT_CODE = 3;

const PROBE_SCRIPT = `
const path = process.argv[1];
try {
  const m = require(path);
  if (typeof m.App !== 'function' || typeof m.us_socket_local_port !== 'function') {
    process.stderr.write(path + ' loaded but does not export App and us_socket_local_port');
    process.exit(${PROBE_FAILED_EXIT_CODE});
  }
} catch (error) {
  process.stderr.write('cannot load ' + path + ': ' + (error && error.message ? error.message : String(error)));
  process.exit(${PROBE_FAILED_EXIT_CODE});
}
`;

function probeBinary(path: string): Availability {
  if (!existsSync(path)) return { available: false, reason: missingBinaryReason(path) };
  const probe = spawnSync(process.execPath, ['-e', PROBE_SCRIPT, path], { encoding: 'utf8', timeout: 15_000 });
  if (probe.status === 0) return { available: true };
  if (probe.error !== undefined) return { available: false, reason: `could not run the load probe: ${probe.error.message}` };
  if (probe.signal !== null) return { available: false, reason: `loading ${path} killed the process with ${probe.signal}` };
  const stderr = probe.stderr.trim();
  return { available: false, reason: stderr === '' ? `loading ${path} failed with exit code ${probe.status}` : stderr };
}

function missingBinaryReason(path: string): string {
  const wanted = `${process.platform} ${process.arch}, Node ABI ${process.versions.modules} (Node ${process.version})`;
  const shipped = shippedAbis(dirname(path));
  const shippedText = shipped.length === 0 ? 'none' : shipped.join(', ');
  return `${path} does not exist: no uWS binary for ${wanted}; ABIs shipped for ${process.platform} ${process.arch}: ${shippedText}`;
}

function shippedAbis(binariesDir: string): string[] {
  const pattern = new RegExp(`^uws_${process.platform}_${process.arch}_(\\d+)\\.node$`);
  try {
    return readdirSync(binariesDir)
      .map((file) => pattern.exec(file)?.[1])
      .filter((abi): abi is string => abi !== undefined)
      .sort((a, b) => Number(a) - Number(b));
  } catch {
    return [];
  }
}

function looksLikeUws(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['App'] === 'function' && typeof candidate['us_socket_local_port'] === 'function';
}
