/**
 * Real agents for the streaming tests: each `node dist/src/main.js -c <tmp>/netdata.conf -D`
 * with its own directories, port on 127.0.0.1, machine GUID, stream.conf and a deterministic
 * plugin. Every process started is killed by its PID (`killAll`).
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, REPO, MAIN, startAgent } from '../support/agent-process.js';

export { eventually, freePort, REPO, MAIN };

/** An API key every parent in these tests accepts. */
export const API_KEY = '11111111-2222-3333-4444-555555555555';

/**
 * The plugin every collecting node runs: `streamtest.values` with `const` = 42, `counter` =
 * 1, 2, 3... (absolute) and `inc` growing by 100 per iteration (incremental: 100/s at 1 s),
 * and the host variable `streamtest_var` = 7. BEGIN says exactly `update every` in µs, so the
 * database's clock steps by exactly one interval whatever the machine's load, and the stored
 * values are exact: inc 100, counter +1 per slot.
 */
export const TEST_PLUGIN = `#!/usr/bin/env bash
ue=\${1:-1}
trap 'exit 0' TERM PIPE
echo "CHART streamtest.values '' 'Stream test' 'n' 'st' 'streamtest.values' line 1000 $ue '' 'streamtest.plugin' ''"
echo "DIMENSION const '' absolute 1 1"
echo "DIMENSION counter '' absolute 1 1"
echo "DIMENSION inc '' incremental 1 1"
echo "CHART streamtest.other '' 'Other' 'n' 'st' 'streamtest.other' line 1001 $ue"
echo "DIMENSION seven '' absolute 1 1"
echo "VARIABLE HOST streamtest_var = 7"
n=0
us=$((ue * 1000000))
while :; do
  n=$((n + 1))
  printf 'BEGIN streamtest.values %d\\nSET const = 42\\nSET counter = %d\\nSET inc = %d\\nEND\\nBEGIN streamtest.other\\nSET seven = 7\\nEND\\n' "$us" "$n" "$((n * 100))" || exit 0
  sleep "$ue"
done
`;

/** A random machine GUID. */
export function newGuid(): string {
  return randomUUID();
}

export interface NodeOptions {
  hostname: string;
  /** Default `ram`. */
  memoryMode?: 'none' | 'ram' | 'save' | 'map';
  history?: number;
  /** Default true: listen on a free port of 127.0.0.1. */
  web?: boolean;
  /** Default true: run the test plugin. */
  plugin?: boolean;
  /** `[stream]` of this node: destinations (space separated) and key. */
  sendTo?: { destination: string; apiKey?: string; extra?: string };
  /** Receiving sections for stream.conf; default: accept API_KEY. */
  receive?: string;
  /** Appended to netdata.conf. */
  extraConf?: string;
  /** Run the plugins of this directory instead (e.g. the repository's bundled plugins.d). */
  pluginsDir?: string;
  /** Fixture plugins (file names under test/fixtures/plugins) linked into the node's plugins.d. */
  fixturePlugins?: readonly string[];
  guid?: string;
  /** Use this port (e.g. to restart a node on the same port). */
  port?: number;
}

export interface TestNode {
  readonly hostname: string;
  readonly guid: string;
  /** 0 for `web = false`. */
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
  output(): string;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** GET a JSON API path (`/api/v1/...` or `/host/NAME/api/v1/...`). */
  api(path: string): Promise<any>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL by PID if running. */
  kill(): void;
  readonly exited: Promise<number | string>;
}

const running = new Set<TestNode>();
/** Every node this process launched, for removeAllNodes. */
const launched = new Set<TestNode>();

/** Kills every node still running (use in `after`). */
export function killAll(): void {
  for (const node of running) node.kill();
  running.clear();
}

/**
 * Kills every node still running, waits for each to exit and removes the directories of every
 * node this process started (a file opts in with `after(removeAllNodes)`).
 */
export async function removeAllNodes(): Promise<void> {
  killAll();
  await Promise.all([...launched].map((node) => node.exited));
  for (const node of launched) rmSync(node.dir, { recursive: true, force: true });
  launched.clear();
}

// a test file cancelled by the runner (timeout, Ctrl-C) still kills what it started
process.once('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Writes the node's directories and config, starts it, and waits until it is up. */
export async function startNode(o: NodeOptions): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-stream-${o.hostname}-`));
  const guid = o.guid ?? newGuid();
  const web = o.web ?? true;
  const port = web ? o.port ?? await freePort() : 0;
  writeDirs(dir, guid, o);
  writeFileSync(join(dir, 'netdata.conf'), netdataConf(dir, o, port));
  writeFileSync(join(dir, 'stream.conf'), streamConf(o));
  return launch(dir, o.hostname, guid, port);
}

/** Starts the node of an earlier `startNode` again, same directory, GUID and port. */
export function restartNode(node: TestNode): Promise<TestNode> {
  return launch(node.dir, node.hostname, node.guid, node.port);
}

function writeDirs(dir: string, guid: string, o: NodeOptions): void {
  const plugins = join(dir, 'plugins.d');
  mkdirSync(plugins);
  mkdirSync(join(dir, 'lib', 'registry'), { recursive: true });
  writeFileSync(join(dir, 'lib', 'registry', 'netdata.public.unique.id'), guid);
  if (o.plugin ?? true) {
    writeFileSync(join(plugins, 'streamtest.plugin'), TEST_PLUGIN);
    chmodSync(join(plugins, 'streamtest.plugin'), 0o755);
  }
  for (const name of o.fixturePlugins ?? []) symlinkSync(join(REPO, 'test', 'fixtures', 'plugins', name), join(plugins, name));
}

function netdataConf(dir: string, o: NodeOptions, port: number): string {
  const web = port > 0
    ? `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n`
    : '[web]\n\tmode = none\n';
  return `[global]\n\thostname = ${o.hostname}\n\tmemory mode = ${o.memoryMode ?? 'ram'}\n` +
    `\thistory = ${o.history ?? 3600}\n\tupdate every = 1\n` +
    `\tplugins directory = ${o.pluginsDir ?? join(dir, 'plugins.d')}\n\tcache directory = ${join(dir, 'cache')}\n` +
    `\tlib directory = ${join(dir, 'lib')}\n\tlog directory = ${join(dir, 'log')}\n` +
    `\tweb files directory = ${join(REPO, 'web')}\n` +
    `[directories]\n\tstock health config = ${join(dir, 'health.d')}\n` +
    `${web}[health]\n\tenabled = no\n${o.extraConf ?? ''}`;
}

function streamConf(o: NodeOptions): string {
  let text = '';
  if (o.sendTo) {
    text += `[stream]\n\tenabled = yes\n\tdestination = ${o.sendTo.destination}\n\tapi key = ${o.sendTo.apiKey ?? API_KEY}\n` +
      `\treconnect delay seconds = 1\n\ttimeout seconds = 10\n\tinitial clock resync iterations = 2\n${o.sendTo.extra ?? ''}`;
  }
  text += o.receive ?? `[${API_KEY}]\n\tenabled = yes\n`;
  return text;
}

function launch(dir: string, hostname: string, guid: string, port: number): Promise<TestNode> {
  const agent = startAgent(['-c', join(dir, 'netdata.conf'), '-D'], hostname);
  const { child, exited } = agent;
  const node: TestNode = {
    hostname, guid, port, dir, child, exited,
    output: agent.output,
    waitFor: agent.waitFor,
    async api(path) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      if (res.status !== 200) throw new Error(`${hostname} ${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      running.delete(node);
    },
    kill: agent.kill,
  };
  running.add(node);
  launched.add(node);
  return node.waitFor('self-monitoring started').then(() => node, (err) => { node.kill(); throw err; });
}

/** `/api/v1/data` rows (newest first) of a chart, as `[time, ...values]`. */
export async function dataRows(node: TestNode, hostPrefix: string, chart: string, afterSecs = -30): Promise<{ labels: string[]; rows: number[][] }> {
  const d = await node.api(`${hostPrefix}/api/v1/data?chart=${chart}&after=${afterSecs}&format=json`);
  return { labels: d.labels, rows: d.data };
}

/** Rows from a child's first iterations, when the parent used its own clock (resync), are left out. */
export const RESYNC_ROWS = 4;

/**
 * Compares two nodes' rows of one chart (same labels), newest first, leaving out the oldest
 * RESYNC_ROWS of each. Each node puts the child's first collections on its own clock, so one
 * timeline may sit one slot off the other and the interpolation phase may differ by the network
 * delay: the best of offsets -1, 0, +1 slot is taken, then every value must be within
 * `tolerance`. Returns how many points were compared.
 */
export function compareRows(a: number[][], b: number[][], aName: string, bName: string, tolerance = 0.1): number {
  const complete = (rows: number[][]) => rows.filter((r) => r.slice(1).every((v) => v !== null)).slice(0, -RESYNC_ROWS);
  const bByTime = new Map(complete(b).map((r) => [r[0], r]));
  let best: { worst: number; pairs: Array<[number[], number[]]> } | null = null;
  for (const offset of [0, -1, 1]) {
    const pairs: Array<[number[], number[]]> = [];
    for (const row of complete(a)) {
      const other = bByTime.get(row[0]! + offset);
      if (other) pairs.push([row, other]);
    }
    const worst = Math.max(...pairs.flatMap(([x, y]) => x.slice(1).map((v, i) => Math.abs(v - y[i + 1]!))));
    if (pairs.length >= 2 && (!best || worst < best.worst)) best = { worst, pairs };
  }
  if (!best) throw new Error(`${aName} and ${bName} have no common points`);
  for (const [x, y] of best.pairs) {
    for (let i = 1; i < x.length; i++) {
      if (!(Math.abs(x[i]! - y[i]!) <= tolerance)) {
        throw new Error(`column ${i} at ${x[0]} (${bName} at ${y[0]}): ${aName} ${x[i]} ${bName} ${y[i]}`);
      }
    }
  }
  return best.pairs.length;
}
