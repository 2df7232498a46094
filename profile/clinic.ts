import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunError } from '../core/errors.js';
import { distPath } from '../protocol/paths.js';
import type { WrappedCommand } from '../servers/launch.js';
import type { LaunchCommand } from '../servers/spec.js';
import type { ClinicTool } from './tools.js';

/**
 * Running a Node server under clinic (doctor, flame, bubbleprof, heapprofiler) and finding what it wrote.
 *
 * What clinic needs here, learnt the hard way:
 * - NO_INSIGHT=1, or clinic asks on stdin whether it may send usage statistics and, without a network
 *   or a terminal, exits 0 having done nothing.
 * - The profiled child must receive SIGINT itself: clinic only relays Ctrl+C on some paths (heapprofiler
 *   ignores it in the parent), so the launcher signals the whole process group with SIGINT.
 * - Analysis happens after the child exits and can take a while (flame: seconds per second of load).
 * - clinic flame runs 0x with --collect-only and then clinic's own visualiser, which works offline and
 *   writes HTML; so the default mode (no --collect-only) is the one that gives a report.
 */

/** Environment variable that points at clinic's bin.js instead of the installed package (tests use a fake). */
export const CLINIC_BIN_ENV = 'WSARENA_CLINIC_BIN';
/** Environment variable the heapprofiler preload reads the launcher's pid from (profile/injects/hold-exit.ts). */
export const LAUNCHER_PID_ENV = 'WSARENA_PROFILE_LAUNCHER_PID';

/** How long stop() waits for clinic to analyse and exit before SIGKILL. */
export const CLINIC_STOP_GRACE_MS = 180_000;

/** clinic's bin.js: $WSARENA_CLINIC_BIN, else the installed clinic package; RunError PROFILER_UNAVAILABLE when neither. */
export function findClinicBin(): string {
  const override = process.env[CLINIC_BIN_ENV];
  if (override !== undefined && override !== '') {
    if (!existsSync(override)) throw new RunError('PROFILER_UNAVAILABLE', `${CLINIC_BIN_ENV}=${override} does not exist`);
    return override;
  }
  try {
    return createRequire(import.meta.url).resolve('clinic/bin.js');
  } catch {
    throw new RunError('PROFILER_UNAVAILABLE', 'clinic is not installed (it is a dependency of wsarena: run npm ci)');
  }
}

/**
 * A LaunchOptions.wrap that starts `command` (a Node server) as `clinic <tool> --dest <destDir> -- node …`.
 * heapprofiler also preloads profile/injects/hold-exit.js and runs without the stdin lifeline (clinic
 * gives that child no stdin).
 */
export function clinicWrap(tool: ClinicTool, destDir: string, clinicBin: string): (command: LaunchCommand) => WrappedCommand {
  return (command) => {
    const preload = tool === 'heapprofiler' ? ['--import', pathToFileURL(distPath('profile/injects/hold-exit.js')).href] : [];
    return {
      file: process.execPath,
      args: [clinicBin, tool, '--open=false', '--dest', destDir, '--', command.file, ...preload, ...command.args],
      env: {
        ...command.env,
        NO_INSIGHT: '1',
        NO_UPDATE_NOTIFIER: '1',
        [LAUNCHER_PID_ENV]: String(process.pid),
      },
      // 0x writes its temporary files into the working directory.
      cwd: destDir,
      lifeline: tool !== 'heapprofiler',
    };
  };
}

/** What clinic left in its --dest folder. */
export interface ClinicOutput {
  /** The HTML report, relative to the folder. */
  html: string | null;
  /** Raw data it was built from (a folder, or heapprofiler's file), relative to the folder. */
  data: string | null;
}

/** Finds `<pid>.clinic-<tool>.html` and its data in destDir (the newest when there are several). */
export function findClinicOutput(tool: ClinicTool, destDir: string): ClinicOutput {
  if (!existsSync(destDir)) return { html: null, data: null };
  const suffix = `.clinic-${tool}`;
  const entries = readdirSync(destDir)
    .map((name) => ({ name, mtimeMs: statSync(join(destDir, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  const html = entries.find((e) => e.name.endsWith(`${suffix}.html`) && statSync(join(destDir, e.name)).size > 0)?.name ?? null;
  const data = entries.find((e) => e.name.endsWith(suffix))?.name ?? null;
  return { html, data };
}
