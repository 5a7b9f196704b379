/**
 * The backend node C archives to: a real graphite receiver from Debian when one is installed
 * (VictoriaMetrics, else carbon-cache, both bound to 127.0.0.1 and stopped by PID), else a line
 * capture: a TCP server on 127.0.0.1 that appends every line it receives to a file.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Carbon, VictoriaMetrics, CARBON_CACHE, VICTORIA_METRICS, missing } from '../src/exporting/test-receivers.js';

/** A running graphite line receiver. */
export interface DemoBackend {
  /** What it is, for the demo's banner. */
  readonly description: string;
  readonly port: number;
  /** Where to look at what arrived (a URL or a file). */
  readonly where: string;
  stop(): Promise<void>;
}

/** Lines received by a `LineCapture`, one per line of the file. */
export const CAPTURE_FILE = 'backend-lines.txt';

/** A TCP server on 127.0.0.1 that appends every received line to `<dir>/backend-lines.txt`. */
export async function startLineCapture(dir: string): Promise<DemoBackend> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, CAPTURE_FILE);
  writeFileSync(file, '');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let partial = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    description: `a line capture on 127.0.0.1:${port} (no graphite receiver installed)`,
    port,
    where: file,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/** VictoriaMetrics or carbon-cache when installed, else a line capture; everything under `dir`. */
export async function startBackend(dir: string): Promise<DemoBackend> {
  if (!missing(VICTORIA_METRICS)) {
    const vm = await VictoriaMetrics.start(join(dir, 'victoria-metrics'));
    return {
      description: `VictoriaMetrics (pid ${vm.pid}), graphite listener on 127.0.0.1:${vm.graphitePort}`,
      port: vm.graphitePort,
      where: `http://127.0.0.1:${vm.httpPort}/api/v1/label/__name__/values`,
      stop: () => vm.stop(),
    };
  }
  if (!missing(CARBON_CACHE)) {
    const carbon = await Carbon.start(join(dir, 'carbon'));
    return {
      description: `carbon-cache (pid ${carbon.pid}), line receiver on 127.0.0.1:${carbon.linePort}`,
      port: carbon.linePort,
      where: carbon.dataDir,
      stop: () => carbon.stop(),
    };
  }
  return startLineCapture(dir);
}
