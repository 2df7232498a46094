/** A stranger on a uWS server's port: the test helper uws-threads and uws-procs refuse to share a port with. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { distPath } from '../../protocol/paths.js';

/**
 * A child that listens with uWS on 127.0.0.1:port (0: a free port) with SO_REUSEPORT, and reports its port
 * and what foreignListeners() sees from inside it.
 */
export async function spawnReusePortListener(port: number): Promise<{ child: ChildProcess; port: number; foreign: number | null }> {
  const script = `
    const { loadNativeUws } = await import(${JSON.stringify(distPath('servers/uws/native.js'))});
    const { foreignListeners } = await import(${JSON.stringify(distPath('servers/uws/port-guard.js'))});
    const net = await import('node:net');
    let port = ${port};
    if (port === 0) {
      const probe = net.createServer();
      await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
      port = probe.address().port;
      await new Promise((resolve) => probe.close(resolve));
    }
    const uws = loadNativeUws();
    uws.App().listen('127.0.0.1', port, 0, (socket) => {
      if (!socket) { console.log(JSON.stringify({ error: 'listen failed' })); process.exit(1); }
      console.log(JSON.stringify({ port, foreign: foreignListeners(port) }));
    });
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`listener child exited with ${code}`)));
  });
  const reply = JSON.parse(line) as { port: number; foreign: number | null; error?: string };
  if (reply.error !== undefined) throw new Error(reply.error);
  return { child, port: reply.port, foreign: reply.foreign };
}
