import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { Op } from '../../protocol/wire.js';
import type { Availability, LaunchCommand, ServerOptions, ServerSpec } from '../spec.js';

/**
 * java-threads and java-virtual-threads: one JDK-only Java server (servers/java-threads/src, blocking
 * java.net sockets, RFC 6455 by hand), two registry entries whose only difference is the ThreadFactory
 * that makes each connection's thread (`--thread-kind platform|virtual`). See servers/java-threads/README.md.
 */

export const JAVA_THREADS_NAME = 'java-threads';
export const JAVA_VIRTUAL_THREADS_NAME = 'java-virtual-threads';

/** scripts/build-java.sh compiles into this folder (gitignored): the classes plus jdk.json. */
export const JAVA_BUILD_DIR = join(PROJECT_ROOT, 'servers', 'java-threads', 'build');
/** The build stamp: which JDK compiled the classes and will run them. Read instead of running `java -version`. */
export const JAVA_BUILD_STAMP = join(JAVA_BUILD_DIR, 'jdk.json');
export const JAVA_MAIN_CLASS = 'wsarena.Main';
/** First JDK feature release with final (non-preview) virtual threads. */
export const VIRTUAL_THREADS_MIN_FEATURE = 21;

const APT_INSTALL = 'apt-get install -y openjdk-17-jdk-headless';
const BUILD = 'bash scripts/build-java.sh';

export interface JavaBuildStamp {
  javaHome: string;
  /** Feature version of that JDK: 17, 21, 25, … */
  feature: number;
  version: string;
  vendor: string;
}

/** The build stamp, or null when there is no (readable) build. */
export function readJavaBuildStamp(): JavaBuildStamp | null {
  try {
    const stamp = JSON.parse(readFileSync(JAVA_BUILD_STAMP, 'utf8')) as Partial<JavaBuildStamp>;
    if (typeof stamp.javaHome !== 'string' || typeof stamp.feature !== 'number') return null;
    return { javaHome: stamp.javaHome, feature: stamp.feature, version: String(stamp.version), vendor: String(stamp.vendor) };
  } catch {
    return null;
  }
}

/** Whether any JDK with javac is installed where build-java.sh looks (file checks only, no process). */
function jdkInstalled(): boolean {
  const home = process.env['WSARENA_JAVA_HOME'];
  if (home !== undefined && home !== '') return isExecutable(join(home, 'bin', 'javac'));
  try {
    if (readdirSync('/usr/lib/jvm').some((dir) => isExecutable(join('/usr/lib/jvm', dir, 'bin', 'javac')))) return true;
  } catch {
    // no /usr/lib/jvm
  }
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, 'javac')));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Available once built with a JDK whose java still exists; virtual threads also need that JDK to be 21+. */
export function javaAvailability(kind: 'platform' | 'virtual'): Availability {
  const stamp = readJavaBuildStamp();
  if (stamp === null || !existsSync(join(JAVA_BUILD_DIR, 'wsarena', 'Main.class'))) {
    if (!jdkInstalled()) return { available: false, reason: 'no JDK with javac is installed', fix: `${APT_INSTALL} && ${BUILD}` };
    return { available: false, reason: `not built (${JAVA_BUILD_STAMP} does not exist)`, fix: BUILD };
  }
  if (!isExecutable(join(stamp.javaHome, 'bin', 'java'))) {
    return { available: false, reason: `the JDK it was built with is gone (${stamp.javaHome}/bin/java)`, fix: BUILD };
  }
  if (kind === 'virtual' && stamp.feature < VIRTUAL_THREADS_MIN_FEATURE) {
    return {
      available: false,
      reason: `virtual threads need JDK ${VIRTUAL_THREADS_MIN_FEATURE}+; the build's JDK (${stamp.javaHome}) is ${stamp.feature}`,
      fix: `install a JDK 21 or newer under /usr/lib/jvm (or set WSARENA_JAVA_HOME) && ${BUILD}`,
    };
  }
  return { available: true };
}

/** `<javaHome>/bin/java -cp <build> wsarena.Main …` with the common flags (and the stall pair when asked). */
function javaCommand(kind: 'platform' | 'virtual', options: ServerOptions, jvmArgs: string[], serverFlags: string[]): LaunchCommand {
  const stamp = readJavaBuildStamp();
  const java = stamp === null ? 'java' : join(stamp.javaHome, 'bin', 'java');
  const args = [...jvmArgs, '-cp', JAVA_BUILD_DIR, JAVA_MAIN_CLASS, '--thread-kind', kind];
  args.push('--host', options.host, '--port', String(options.port), ...serverFlags);
  if (options.stall !== null) {
    args.push('--stall-every-ms', String(options.stall.everyMs), '--stall-ms', String(options.stall.durationMs));
  }
  return { file: java, args };
}

/**
 * One platform (OS) thread per connection, for its whole life. `threads` does not apply (threads follow
 * connections). serverArgs['max-threads'] = N is pool mode, the classic servlet container: a fixed pool of
 * N threads, and connection N+1 waits in the listen backlog until one closes.
 */
export const javaThreadsSpec: ServerSpec = {
  name: JAVA_THREADS_NAME,
  description: 'JDK-only Java (java.net + hand-written RFC 6455), one platform thread per connection with blocking reads and writes',
  model: 'thread-per-connection',
  language: 'java',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  serverArgs: [
    {
      name: 'max-threads',
      description: 'pool mode: a fixed pool of N platform threads (Tomcat maxThreads); connection N+1 waits until one closes',
      min: 1,
      max: 20_000,
    },
  ],
  availability: () => javaAvailability('platform'),
  command: (options) => {
    const maxThreads = options.serverArgs?.['max-threads'];
    return javaCommand('platform', options, [], maxThreads === undefined ? [] : ['--max-threads', String(maxThreads)]);
  },
};

/**
 * The same server with one virtual thread per connection. The carrier threads (the OS threads the virtual
 * threads run on) follow `threads`, else the CPUs the server is pinned to, else the JDK default (the CPUs
 * in the process's affinity mask).
 */
export const javaVirtualThreadsSpec: ServerSpec = {
  name: JAVA_VIRTUAL_THREADS_NAME,
  description: 'The java-threads server with one virtual thread per connection (JDK 21+), scheduled on a few carrier OS threads',
  model: 'virtual-threads',
  language: 'java',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  availability: () => javaAvailability('virtual'),
  command: (options) => {
    const carriers = options.threads ?? options.cpuCount;
    if (carriers === null || carriers === undefined) return javaCommand('virtual', options, [], []);
    return javaCommand('virtual', options, [`-Djdk.virtualThreadScheduler.parallelism=${carriers}`], ['--threads', String(carriers)]);
  },
};
