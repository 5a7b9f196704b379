/**
 * Real receivers from Debian for the exporting tests (reference §10): VictoriaMetrics, graphite's
 * carbon-cache and Prometheus, each a child process bound to 127.0.0.1 with its own data
 * directory, stopped by PID. Not part of the public surface.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's packages install each receiver (a test skips when its file is missing). */
export const VICTORIA_METRICS = '/usr/bin/victoria-metrics';
export const CARBON_CACHE = '/usr/bin/carbon-cache';
export const WHISPER_FETCH = '/usr/bin/whisper-fetch';
export const PROMETHEUS = '/usr/bin/prometheus';

/** Why a receiver cannot run here ('' when it can): the skip reason tests print. */
export function missing(...binaries: string[]): string {
  const absent = binaries.filter((b) => !existsSync(b));
  return absent.length ? `not installed: ${absent.join(', ')} (Debian packages victoria-metrics, graphite-carbon, prometheus)` : '';
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A receiver process: its output kept for failure messages, stopped by PID. */
export class Receiver {
  output = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(readonly name: string, command: string, args: string[], cwd: string) {
    this.#child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => { this.output = (this.output + chunk.toString()).slice(-20000); };
    this.#child.stdout!.on('data', keep);
    this.#child.stderr!.on('data', keep);
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM by PID, SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.running || !this.pid) return;
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => { if (this.running) process.kill(this.pid, 'SIGKILL'); }, 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Waits until `port` on 127.0.0.1 accepts connections. */
  async waitForPort(port: number, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited: ${this.output}`);
      if (await canConnect(port)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not listen on ${port}: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** One series as VictoriaMetrics' `/api/v1/export` returns it. */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** VictoriaMetrics with its graphite and opentsdb listeners (and opentsdb's HTTP `/api/put` when asked). */
export class VictoriaMetrics extends Receiver {
  constructor(dir: string, readonly httpPort: number, readonly graphitePort: number, readonly opentsdbPort: number, readonly opentsdbHttpPort = 0) {
    super('victoria-metrics', VICTORIA_METRICS, [
      `-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${httpPort}`,
      `-graphiteListenAddr=127.0.0.1:${graphitePort}`, `-opentsdbListenAddr=127.0.0.1:${opentsdbPort}`,
      ...(opentsdbHttpPort ? [`-opentsdbHTTPListenAddr=127.0.0.1:${opentsdbHttpPort}`] : []),
    ], dir);
  }

  /** Starts on free ports with opentsdb's HTTP listener too. */
  static async startWithHttpPut(dir: string): Promise<VictoriaMetrics> {
    await mkdir(dir, { recursive: true });
    const vm = new VictoriaMetrics(dir, await freePort(), await freePort(), await freePort(), await freePort());
    await vm.waitForPort(vm.httpPort);
    await vm.waitForPort(vm.opentsdbHttpPort);
    return vm;
  }

  /** Starts on free ports, or again on the ports (and data) of `previous`. */
  static async start(dir: string, previous?: VictoriaMetrics): Promise<VictoriaMetrics> {
    await mkdir(dir, { recursive: true });
    const vm = previous
      ? new VictoriaMetrics(dir, previous.httpPort, previous.graphitePort, previous.opentsdbPort)
      : new VictoriaMetrics(dir, await freePort(), await freePort(), await freePort());
    await vm.waitForPort(vm.httpPort);
    await vm.waitForPort(vm.graphitePort);
    await vm.waitForPort(vm.opentsdbPort);
    return vm;
  }

  /** Every series matching the selector, through `POST /api/v1/export`. */
  async export(match: string): Promise<ExportedSeries[]> {
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_flush`);
    const response = await fetch(`http://127.0.0.1:${this.httpPort}/api/v1/export`, {
      method: 'POST', body: new URLSearchParams({ 'match[]': match }),
    });
    const text = await response.text();
    return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as ExportedSeries);
  }
}

/** carbon-cache with its whole tree under `dir` (reference §10). */
export class Carbon extends Receiver {
  constructor(readonly dir: string, config: string, readonly linePort: number) {
    super('carbon-cache', CARBON_CACHE, [`--config=${config}`, '--debug', 'start'], dir);
  }

  get dataDir(): string {
    return path.join(this.dir, 'whisper');
  }

  static async start(dir: string): Promise<Carbon> {
    await mkdir(dir, { recursive: true });
    for (const sub of ['whisper', 'lists', 'log', 'run']) await mkdir(path.join(dir, sub), { recursive: true });
    const [linePort, picklePort, queryPort] = [await freePort(), await freePort(), await freePort()];
    const config = path.join(dir, 'carbon.conf');
    await writeFile(config, [
      '[cache]',
      `STORAGE_DIR = ${dir}/`,
      `LOCAL_DATA_DIR = ${dir}/whisper/`,
      `WHITELISTS_DIR = ${dir}/lists/`,
      `CONF_DIR = ${dir}/`,
      `LOG_DIR = ${dir}/log/`,
      `PID_DIR = ${dir}/run/`,
      'ENABLE_LOGROTATION = False',
      'USER =',
      'MAX_CACHE_SIZE = inf',
      'MAX_UPDATES_PER_SECOND = inf',
      'MAX_CREATES_PER_MINUTE = inf',
      'LINE_RECEIVER_INTERFACE = 127.0.0.1',
      `LINE_RECEIVER_PORT = ${linePort}`,
      'ENABLE_UDP_LISTENER = False',
      'PICKLE_RECEIVER_INTERFACE = 127.0.0.1',
      `PICKLE_RECEIVER_PORT = ${picklePort}`,
      'CACHE_QUERY_INTERFACE = 127.0.0.1',
      `CACHE_QUERY_PORT = ${queryPort}`,
      'ENABLE_TAGS = False',
      'CACHE_WRITE_STRATEGY = sorted',
      'WHISPER_AUTOFLUSH = True',
      '',
    ].join('\n'));
    await writeFile(path.join(dir, 'storage-schemas.conf'), '[everything]\npattern = .*\nretentions = 1s:1h\n');
    const carbon = new Carbon(dir, config, linePort);
    await carbon.waitForPort(linePort, 30000);
    return carbon;
  }

  /** The whisper file of a dotted metric name. */
  whisperFile(metric: string): string {
    return path.join(this.dataDir, ...metric.split('.')) + '.wsp';
  }

  /** `whisper-fetch --from A --until B FILE` as `time → value` (None left out). */
  async fetch(metric: string, fromS: number, untilS: number): Promise<Map<number, number>> {
    const { stdout } = await run(WHISPER_FETCH, ['--from', String(fromS), '--until', String(untilS), this.whisperFile(metric)]);
    const points = new Map<number, number>();
    for (const line of stdout.split('\n')) {
      const [t, v] = line.trim().split(/\s+/);
      if (t && v && v !== 'None') points.set(Number(t), Number(v));
    }
    return points;
  }
}

/** Prometheus scraping one target's `/api/v1/allmetrics` every second. */
export class Prometheus extends Receiver {
  constructor(dir: string, config: string, readonly port: number) {
    super('prometheus', PROMETHEUS, [
      `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ], dir);
  }

  /** Starts with one scrape job per entry of `jobs` (name → allmetrics query parameters). */
  static async start(dir: string, targetPort: number, jobs: Record<string, Record<string, string>>): Promise<Prometheus> {
    await mkdir(dir, { recursive: true });
    const config = path.join(dir, 'prometheus.yml');
    const lines = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:'];
    for (const [job, params] of Object.entries(jobs)) {
      lines.push(`  - job_name: ${job}`, '    metrics_path: /api/v1/allmetrics', '    params:');
      for (const [key, value] of Object.entries(params)) lines.push(`      ${JSON.stringify(key)}: [${JSON.stringify(value)}]`);
      lines.push('    static_configs:', `      - targets: ['127.0.0.1:${targetPort}']`);
    }
    await writeFile(config, lines.join('\n') + '\n');
    const prometheus = new Prometheus(dir, config, await freePort());
    await prometheus.waitForPort(prometheus.port, 30000);
    return prometheus;
  }

  /** An instant query's result vector. */
  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = await response.json() as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`prometheus query ${expr}: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  /** Waits until `expr` returns at least one series. */
  async waitFor(expr: string, timeoutMs = 30000): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    let result: Awaited<ReturnType<Prometheus['query']>> = [];
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      result = await this.query(expr);
      if (result.length > 0) return result;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`prometheus never had ${expr}: ${this.output.slice(-2000)}`);
  }
}

/** One series as a Prometheus range-vector query returns it. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** Prometheus with its remote-write receiver (`/api/v1/write`) and no scrape jobs. */
export class PrometheusReceiver extends Receiver {
  constructor(dir: string, config: string, readonly port: number) {
    super('prometheus', PROMETHEUS, [
      `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver',
    ], dir);
  }

  static async start(dir: string): Promise<PrometheusReceiver> {
    await mkdir(dir, { recursive: true });
    const config = path.join(dir, 'prometheus.yml');
    await writeFile(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
    const prometheus = new PrometheusReceiver(dir, config, await freePort());
    await prometheus.waitForPort(prometheus.port, 30000);
    return prometheus;
  }

  /** Every sample of the series matching `selector` over the last `windowSecs`, at `atS`. */
  async samples(selector: string, atS: number, windowSecs: number): Promise<MatrixSeries[]> {
    const params = new URLSearchParams({ query: `${selector}[${windowSecs}s]`, time: String(atS) });
    const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?${params}`);
    const body = await response.json() as { status: string; data: { result: MatrixSeries[] } };
    if (body.status !== 'success') throw new Error(`prometheus query ${selector}: ${JSON.stringify(body)}`);
    return body.data.result;
  }
}
