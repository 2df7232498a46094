import { UsageError } from '../core/errors.js';
import type { ServerSpec } from '../servers/spec.js';

/**
 * The profilers `wsarena profile --tool` knows. cpuprof means "the runtime's own CPU profiler": Node's
 * --cpu-prof for Node servers, net/http/pprof for the Go server. The clinic tools are Node-only.
 */
export const PROFILE_TOOLS = ['cpuprof', 'flame', 'doctor', 'bubbleprof', 'heapprofiler'] as const;
export type ProfileTool = (typeof PROFILE_TOOLS)[number];

/** The clinic subcommands, one per tool name. */
export type ClinicTool = Exclude<ProfileTool, 'cpuprof'>;

export interface ToolDef {
  name: ProfileTool;
  description: string;
  /** Server languages the tool can profile. */
  languages: ReadonlyArray<ServerSpec['language']>;
  /** Server models it cannot follow (clinic doctor and bubbleprof refuse cluster workers). */
  refusesModels: ReadonlyArray<ServerSpec['model']>;
}

export const TOOLS: Record<ProfileTool, ToolDef> = {
  cpuprof: {
    name: 'cpuprof',
    description: 'CPU profile from the runtime itself: node --cpu-prof (every thread and process) or Go net/http/pprof; prints the top functions',
    languages: ['node', 'go'],
    refusesModels: [],
  },
  flame: {
    name: 'flame',
    description: 'clinic flame (0x): flame graph HTML of where the main thread spends CPU',
    languages: ['node'],
    refusesModels: ['processes'],
  },
  doctor: {
    name: 'doctor',
    description: 'clinic doctor: CPU, memory, event-loop delay and handles over time, with a diagnosis (HTML)',
    languages: ['node'],
    refusesModels: ['processes'],
  },
  bubbleprof: {
    name: 'bubbleprof',
    description: 'clinic bubbleprof: where asynchronous operations wait (HTML)',
    languages: ['node'],
    refusesModels: ['processes'],
  },
  heapprofiler: {
    name: 'heapprofiler',
    description: 'clinic heapprofiler: sampled heap allocations by call stack (HTML)',
    languages: ['node'],
    refusesModels: ['processes'],
  },
};

/** The tool named `name`; a UsageError (UNKNOWN_TOOL) listing the known ones otherwise. */
export function parseTool(name: string): ProfileTool {
  if ((PROFILE_TOOLS as readonly string[]).includes(name)) return name as ProfileTool;
  throw new UsageError('UNKNOWN_TOOL', `--tool: unknown profiler "${name}"; known: ${PROFILE_TOOLS.join(', ')}`);
}

/** Refuses a tool that cannot profile this server, saying which tool can (UsageError TOOL_UNSUPPORTED). */
export function checkToolSupports(tool: ProfileTool, spec: ServerSpec): void {
  const def = TOOLS[tool];
  if (!def.languages.includes(spec.language)) {
    throw new UsageError(
      'TOOL_UNSUPPORTED',
      `--tool ${tool}: clinic profiles Node servers; ${spec.name} is a ${spec.language} server, use --tool cpuprof (net/http/pprof)`,
    );
  }
  if (def.refusesModels.includes(spec.model)) {
    throw new UsageError(
      'TOOL_UNSUPPORTED',
      `--tool ${tool}: clinic does not follow cluster worker processes, and ${spec.name} serves from them (model "${spec.model}"); use --tool cpuprof, which profiles every process`,
    );
  }
}
