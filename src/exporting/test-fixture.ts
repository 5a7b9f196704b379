/**
 * Known data for the exporting tests (not part of the public surface): plugins.d text fed through
 * the real parser into real hosts on a fixed clock, a config read by the real config reader, and
 * a raw TCP capture on 127.0.0.1:0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  loadExportingConfig, loadNetdataConfig, type ConfigOverride, type ExportingInstanceConfig, type NetdataConfig,
} from '../config/index.js';
import { createHostRegistry, type Host, type HostRegistry, type MemoryMode } from '../database/index.js';
import { createParser } from '../protocol/index.js';

/** The fixed clock starts here (a multiple of 10, so backend windows align visibly). */
export const T0 = 1_700_000_000;

/** A mutable wall clock in ms shared by parsers, hosts and the backend. */
export class TestClock {
  constructor(public ms: number) {}
  readonly nowMs = (): number => this.ms;
  readonly nowUs = (): number => this.ms * 1000;
  readonly nowS = (): number => Math.floor(this.ms / 1000);
}

/** Two charts on the local host: a named one (`/home` → `test._home`) and an incremental one. */
export const LOCAL_CHARTS = [
  "CHART test.disk_space '/home' 'Disk Space' GiB disk disk.space line 1000 1",
  "DIMENSION avail avail absolute 1 1",
  "DIMENSION used 'used space' absolute 1 1000",
  "CHART test.net '' 'Network' kilobits/s net net.net area 1001 1",
  "DIMENSION received '' incremental 8 1",
].join('\n') + '\n';

/** One chart on each mirrored host. */
export const CHILD_CHARTS = [
  "CHART child.load '' 'Load' load load system.load line 100 1",
  "DIMENSION load1 load1 absolute 1 100",
].join('\n') + '\n';

/** The local host's values at collection `k` (at T0 + k seconds). */
export function localBlock(k: number): string {
  return `BEGIN test.disk_space\nSET avail = ${100 + k}\nSET used = ${2000 * k}\nEND\n`
    + `BEGIN test.net\nSET received = ${1000 * k}\nEND\n`;
}

/** A mirrored host's value at collection `k`. */
export function childBlock(k: number): string {
  return `BEGIN child.load\nSET load1 = ${50 * k}\nEND\n`;
}

/** A registry whose local host is `node1` (ram, 1 s), on `clock`. */
export function testRegistry(clock: TestClock): HostRegistry {
  return createHostRegistry(
    { hostname: 'node1', machineGuid: '00000000-0000-0000-0000-000000000001' },
    { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: clock.nowS },
  );
}

/** A mirrored host as the stream receiver would create it. */
export function addChild(registry: HostRegistry, hostname: string, memoryMode: MemoryMode, tags?: string): Host {
  return registry.findOrCreate(
    { hostname, machineGuid: `00000000-0000-0000-0000-${Buffer.from(hostname).toString('hex').padStart(12, '0').slice(-12)}`, tags, hops: 1 },
    { memoryMode, historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
}

/** Feeds plugins.d text into `host` through the real parser, at the clock's current time. */
export class Feeder {
  readonly #parser;

  constructor(host: Host, clock: TestClock, source = 'plugin test') {
    this.#parser = createParser({
      source, host, trustedDurations: false, defaultUpdateEverySecs: 1,
      defaultPluginName: 'test.plugin', nowUs: clock.nowUs,
    });
  }

  feed(text: string): void {
    this.#parser.feed(Buffer.from(text));
    if (this.#parser.stopped) throw new Error(this.#parser.stopped.message);
  }
}

/**
 * The standard data set: local charts and (optionally) mirrored hosts, collected every second
 * from `startS` on (collection k at `startS + k`).
 */
export class TestData {
  readonly clock: TestClock;
  readonly registry: HostRegistry;
  readonly #feeders: Array<{ feeder: Feeder; block: (k: number) => string }> = [];
  #k = 0;

  /** `startS`: the time of collection 0 (receivers that drop old samples need a recent one). */
  constructor(children: Array<{ hostname: string; memoryMode: MemoryMode; tags?: string }> = [], readonly startS = T0) {
    this.clock = new TestClock(startS * 1000);
    this.registry = testRegistry(this.clock);
    this.#add(this.registry.localhost, LOCAL_CHARTS, localBlock);
    for (const c of children) this.#add(addChild(this.registry, c.hostname, c.memoryMode, c.tags), CHILD_CHARTS, childBlock);
  }

  #add(host: Host, charts: string, block: (k: number) => string): void {
    const feeder = new Feeder(host, this.clock);
    feeder.feed(charts);
    this.#feeders.push({ feeder, block });
  }

  /** Collects every second up to and including `startS + lastK`. */
  collectUntil(lastK: number): void {
    for (; this.#k <= lastK; this.#k++) {
      this.clock.ms = (this.startS + this.#k) * 1000;
      for (const { feeder, block } of this.#feeders) feeder.feed(block(this.#k));
    }
  }
}

/** `[backend]` settings over netdata's defaults, read by the real config reader. */
export function backendConfig(settings: Record<string, string>): NetdataConfig {
  const overrides: ConfigOverride[] = Object.entries({ enabled: 'yes', ...settings })
    .map(([key, value]) => ['backend', key, value] as const);
  return loadNetdataConfig(null, overrides);
}

/** A TCP listener on 127.0.0.1:0 that keeps every byte it receives. */
export class Capture {
  readonly server = net.createServer((socket) => this.#accept(socket));
  readonly sockets = new Set<net.Socket>();
  text = '';
  connections = 0;

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  #accept(socket: net.Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { this.text += chunk; });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Resolves once `length` characters arrived (rejects after `timeoutMs`). */
  async waitFor(length: number, timeoutMs = 5000): Promise<string> {
    await waitUntil(() => this.text.length >= length, timeoutMs, `${length} characters (got ${this.text.length})`);
    return this.text;
  }

  /** Closes the listener and every connection (the receiver "dies"). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `condition` every 20 ms; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * One exporting.conf instance `[TYPE:NAME]` with `settings` over netdata 1.37's defaults, read by
 * the real config reader from a file written under `dir`; the disk queue lives under `dir` too.
 */
export function exportingInstance(dir: string, settings: Record<string, string>, section = 'prometheus_remote_write:rw'): ExportingInstanceConfig {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `exporting-${section.replace(/[^A-Za-z0-9]/g, '_')}.conf`);
  const lines = [`[${section}]`, '  enabled = yes', `  disk queue directory = ${path.join(dir, 'queue')}`];
  for (const [key, value] of Object.entries(settings)) lines.push(`  ${key} = ${value}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const netdata = loadNetdataConfig(null, [['global', 'hostname', 'node1'], ['directories', 'cache', dir]]);
  const [instance] = loadExportingConfig(netdata, file).instances;
  return instance!;
}
