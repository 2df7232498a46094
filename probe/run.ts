/**
 * `wsarena probe` as an API: start each server (or use a running target), run the battery, and write the
 * result file after every probe, so an interrupted or failed run keeps what it measured.
 */
import { cpuListSize } from '../core/cpu-list.js';
import { collectEnvironment, toolInfo } from '../results/environment.js';
import { type ResultFile, SCHEMA_VERSION } from '../results/schema.js';
import { writeResultFile } from '../results/writer.js';
import { getServer } from '../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS } from '../servers/spec.js';
import { type BatteryHooks, runBattery } from './battery.js';
import { probeSectionSchema } from './schema.js';
import { externalTarget, launchTarget, type ProbeTarget } from './target.js';
import type { ProbeSection, ProbeSettings, ServerProbeReport } from './types.js';

export interface ProbeRequest {
  /** Registry names to start one after the other (ignored with target). */
  servers: string[];
  /** An already-running server instead; pid enables RSS sampling and crash detection. */
  target: { url: string; pid: number | null } | null;
  settings: ProbeSettings;
  /** taskset CPU list for started servers; null = unpinned. */
  serverCpus: string | null;
  /** --threads for multi-threaded server models; null = the model's default. */
  threads: number | null;
  /** Result file, rewritten after every probe. */
  outPath: string;
  /** argv after `wsarena`, for provenance. */
  command: string[];
}

export interface ProbeRunHooks extends BatteryHooks {
  onServerStart?(report: ServerProbeReport): void;
  onServerDone?(report: ServerProbeReport): void;
}

/** Runs the battery against every server in req; never throws for a server that fails to start (its report says why). */
export async function runProbes(req: ProbeRequest, hooks: ProbeRunHooks = {}, signal?: AbortSignal): Promise<ResultFile> {
  const createdAt = new Date().toISOString();
  const section: ProbeSection = { settings: req.settings, servers: [] };
  const file: ResultFile = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'probe',
    tool: toolInfo(),
    command: req.command,
    createdAt,
    updatedAt: createdAt,
    state: 'running',
    environment: collectEnvironment(),
    cells: [],
    extra: { probe: section },
  };
  const save = (): void => {
    file.updatedAt = new Date().toISOString();
    probeSectionSchema.parse(section);
    writeResultFile(req.outPath, file);
  };

  const names = req.target ? [req.target.url] : req.servers;
  for (const name of names) {
    if (signal?.aborted) break;
    const started = performance.now();
    const report: ServerProbeReport = { server: name, url: null, knobs: {}, probes: [], error: null, crashes: 0, durationMs: 0 };
    section.servers.push(report);
    let target: ProbeTarget | null = null;
    try {
      target = req.target
        ? await externalTarget(req.target.url, req.target.pid)
        : await launchTarget(
            getServer(name),
            { ...DEFAULT_SERVER_OPTIONS, threads: req.threads, cpuCount: cpuListSize(req.serverCpus) },
            { cpus: req.serverCpus, readyTimeoutMs: 15_000 },
          );
      report.url = target.url;
      report.knobs = target.knobs;
      hooks.onServerStart?.(report);
      const live = target;
      await runBattery(
        live,
        req.settings,
        {
          onProbeStart: hooks.onProbeStart,
          onProbeDone: (record) => {
            report.probes.push(record);
            report.crashes = live.crashes;
            report.durationMs = Math.round(performance.now() - started);
            save();
            hooks.onProbeDone?.(record);
          },
        },
        signal,
      );
    } catch (err) {
      report.error = (err as Error).message;
    } finally {
      await target?.close();
    }
    report.durationMs = Math.round(performance.now() - started);
    save();
    hooks.onServerDone?.(report);
  }
  file.state = signal?.aborted ? 'interrupted' : 'complete';
  save();
  return file;
}

/** extra.probe of a probe result file. */
export function probeSectionOf(file: ResultFile): ProbeSection {
  return probeSectionSchema.parse(file.extra?.['probe']);
}
