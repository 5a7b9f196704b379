/**
 * What a Tributary process costs in memory next to a bare `node` on the same machine, in one run:
 *   1. a headless collector ([web] mode none, memory mode none, streaming on) running the bundled
 *      plugins.d, streaming to a Tributary parent on 127.0.0.1, SETTLE_SECS after its link is up:
 *      once started in the foreground (`-D`, plain node), once started as an operator starts it
 *      (`tributary -c netdata.conf`, in the background, with the V8 flags the agent picks), to a
 *      parent that picks zstd (Tributary's default) and to one that picks lz4 (as netdata 1.37);
 *   2. an idle parent (web on, memory mode ram, no children, no plugins), SETTLE_SECS after start;
 *   3. netdata 1.37 as the same idle parent, for reference, when it is installed.
 * Each next to `node -e 'setInterval(()=>{},1e9)'` started at the same moment. RSS is VmRSS from
 * /proc/<pid>/status, split into anonymous and file-backed pages from /proc/<pid>/smaps_rollup
 * (file-backed: the node binary's code that the process has touched, such as the optimizing
 * compiler), and the process's CPU over the samples. Figures only: the goals are printed as met
 * or not, never asserted.
 *
 * Run: npx tsc -p . && node dist/bench/headless.js
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY, killAll, MAIN, REPO, startNode, type TestNode } from '../test/streaming/nodes.js';
import { stopAllNetdata } from '../test/streaming/netdata.js';
import { cpuSecs, onNetdataParent } from './parents.js';

/** Seconds a process runs in its steady state before it is measured. */
const SETTLE_SECS = 20;
/** RSS samples taken one second apart at the end of the settle time; the largest is reported. */
const SAMPLES = 5;
/** The headless collector's goal: at most this much RSS over a bare node (issue 14). */
const HEADLESS_GOAL_MB = 8;
/** The idle parent's goal: at most this much RSS over a bare node (issue 14). */
const IDLE_PARENT_GOAL_MB = 15;
/** How long the agent started in the background may take to connect. */
const CONNECT_TIMEOUT_MS = 30_000;
/** How long a stopped agent may take to stop its plugins and exit. */
const STOP_GRACE_MS = 5000;
/** The bare node every figure is compared with. */
const BARE_NODE_ARGS = ['-e', 'setInterval(()=>{},1e9)'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A process's resident memory in MB (all of it, anonymous and file-backed) and its CPU use. */
interface Rss {
  totalMb: number;
  anonMb: number;
  fileMb: number;
  /** CPU over the samples, in % of one core. */
  cpuPct: number;
}

function kbField(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
}

function rss(pid: number): Omit<Rss, 'cpuPct'> {
  const totalKb = kbField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  const anonKb = kbField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Anonymous');
  return { totalMb: totalKb / 1024, anonMb: anonKb / 1024, fileMb: (totalKb - anonKb) / 1024 };
}

/** The largest of SAMPLES readings one second apart (the total decides), and the CPU meanwhile. */
async function peakRss(pid: number): Promise<Rss> {
  const cpu0 = cpuSecs(pid);
  const t0 = Date.now();
  let peak = rss(pid);
  for (let i = 1; i < SAMPLES; i++) {
    await sleep(1000);
    const now = rss(pid);
    if (now.totalMb > peak.totalMb) peak = now;
  }
  return { ...peak, cpuPct: ((cpuSecs(pid) - cpu0) / ((Date.now() - t0) / 1000)) * 100 };
}

function bareNode(): ChildProcess {
  return spawn(process.execPath, BARE_NODE_ARGS, { stdio: 'ignore' });
}

/** Runs `measure` with a bare node started beside it; the bare node is killed by its PID after. */
async function besideBareNode<T>(measure: (bare: ChildProcess) => Promise<T>): Promise<T> {
  const bare = bareNode();
  try {
    return await measure(bare);
  } finally {
    bare.kill('SIGKILL');
  }
}

interface Pair {
  label: string;
  measured: Rss;
  bare: Rss;
  note: string;
}

/** The headless collector's directory: its netdata.conf streams the bundled plugins to `parentPort`. */
function headlessNode(parentPort: number): Promise<TestNode> {
  return startNode({
    hostname: 'bench-mem-headless', memoryMode: 'none', web: false, plugin: false,
    pluginsDir: join(REPO, 'plugins.d'), sendTo: { destination: `127.0.0.1:${parentPort}` },
  });
}

/** The same collector in the foreground, `node main.js -c netdata.conf -D`. */
async function foreground(node: TestNode, bare: ChildProcess): Promise<[Rss, Rss]> {
  await node.waitFor('established communication', CONNECT_TIMEOUT_MS);
  await sleep(SETTLE_SECS * 1000);
  return Promise.all([peakRss(node.child.pid!), peakRss(bare.pid!)]);
}

/** The PID in `file` once it holds one. */
async function pidFrom(file: string): Promise<number> {
  for (let waited = 0; waited < CONNECT_TIMEOUT_MS; waited += 100) {
    const pid = existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8'), 10) : NaN;
    if (pid > 0) return pid;
    await sleep(100);
  }
  throw new Error(`no pid in ${file}`);
}

/** Resolves when `text` is in `file`. */
async function untilLogged(file: string, text: string): Promise<void> {
  for (let waited = 0; waited < CONNECT_TIMEOUT_MS; waited += 200) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(text)) return;
    await sleep(200);
  }
  throw new Error(`'${text}' not in ${file}`);
}

/** The same collector as an operator starts it, `tributary -c netdata.conf -P pidfile` (background). */
async function background(dir: string, bare: ChildProcess): Promise<[Rss, Rss, string]> {
  const pidFile = join(dir, 'tributary.pid');
  const said = execFileSync(process.execPath, [MAIN, '-c', join(dir, 'netdata.conf'), '-P', pidFile], { encoding: 'utf8' });
  const pid = await pidFrom(pidFile);
  try {
    await untilLogged(join(dir, 'tributary.log'), 'established communication');
    await sleep(SETTLE_SECS * 1000);
    const [measured, bareRss] = await Promise.all([peakRss(pid), peakRss(bare.pid!)]);
    return [measured, bareRss, said.trim()];
  } finally {
    await stopPid(pid);
  }
}

/** SIGTERM (the agent stops its plugins), then SIGKILL if it is still there after STOP_GRACE_MS. */
async function stopPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < STOP_GRACE_MS && existsSync(`/proc/${pid}`); waited += 100) await sleep(100);
  if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
}

/** Points the collector in `dir` at another parent. */
function streamTo(dir: string, port: number): void {
  const file = join(dir, 'stream.conf');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/destination = 127\.0\.0\.1:\d+/, `destination = 127.0.0.1:${port}`));
}

/**
 * The collector in the foreground and in the background to a Tributary parent with its default
 * compression (zstd between agents), then in the background to a parent that puts lz4 first
 * (what a netdata 1.37 parent negotiates).
 */
async function headless(): Promise<Pair[]> {
  const parent = await startNode({ hostname: 'bench-mem-parent', plugin: false });
  const lz4Parent = await startNode({
    hostname: 'bench-mem-parent-lz4', plugin: false,
    receive: `[${API_KEY}]\n\tenabled = yes\n\tcompression algorithms order = lz4 zstd\n`,
  });
  let collector: TestNode | null = null;
  try {
    return await besideBareNode(async (bare) => {
      const node = collector = await headlessNode(parent.port);
      const [fg, fgBare] = await foreground(node, bare);
      const charts = await parent.api('/host/bench-mem-headless/api/v1/charts');
      await node.stop();
      const [bg, bgBare, said] = await background(node.dir, bare);
      streamTo(node.dir, lz4Parent.port);
      const [lz4, lz4Bare] = await background(node.dir, bare);
      return [
        { label: 'headless collector, -D', measured: fg, bare: fgBare,
          note: `${Object.keys(charts.charts).length} charts of it on the parent` },
        { label: 'headless collector, background', measured: bg, bare: bgBare, note: `launcher said: ${said}` },
        { label: '  same, parent prefers lz4', measured: lz4, bare: lz4Bare, note: 'the link as with netdata 1.37' },
      ];
    });
  } finally {
    (collector as TestNode | null)?.kill();
    parent.kill();
    lz4Parent.kill();
  }
}

async function idleParent(): Promise<Pair> {
  return besideBareNode(async (bare) => {
    const parent = await startNode({ hostname: 'bench-mem-idle', plugin: false });
    try {
      await sleep(SETTLE_SECS * 1000);
      const [measured, bareRss] = await Promise.all([peakRss(parent.child.pid!), peakRss(bare.pid!)]);
      return { label: 'idle parent', measured, bare: bareRss, note: '' };
    } finally {
      parent.kill();
    }
  });
}

async function netdataIdleParent(): Promise<Rss | string> {
  return onNetdataParent('nd-bench-mem-idle', async (pid) => {
    await sleep(SETTLE_SECS * 1000);
    return peakRss(pid);
  });
}

const mb = (n: number): string => n.toFixed(1);

function row(name: string, r: Rss): string {
  return `${name.padEnd(34)}${mb(r.totalMb).padStart(9)}${mb(r.anonMb).padStart(9)}${mb(r.fileMb).padStart(9)}` +
    `${r.cpuPct.toFixed(2).padStart(9)}`;
}

function report(pair: Pair, goalMb: number): void {
  const over = pair.measured.totalMb - pair.bare.totalMb;
  console.log(row(pair.label, pair.measured));
  console.log(row('  bare node beside it', pair.bare));
  console.log(`  over bare node: +${mb(over)} MB (anon +${mb(pair.measured.anonMb - pair.bare.anonMb)}, ` +
    `file +${mb(pair.measured.fileMb - pair.bare.fileMb)}); goal +${goalMb} MB: ${over <= goalMb ? 'met' : 'NOT met'}` +
    `${pair.note ? `; ${pair.note}` : ''}`);
}

async function main(): Promise<void> {
  console.log(`RSS after ${SETTLE_SECS} s in steady state, largest of ${SAMPLES} samples 1 s apart ` +
    `(bare node: node ${BARE_NODE_ARGS.join(' ')})\n`);
  console.log(`${'process'.padEnd(34)}${'RSS MB'.padStart(9)}${'anon'.padStart(9)}${'file'.padStart(9)}${'CPU %'.padStart(9)}`);
  for (const pair of await headless()) report(pair, HEADLESS_GOAL_MB);
  report(await idleParent(), IDLE_PARENT_GOAL_MB);
  const nd = await netdataIdleParent();
  if (typeof nd === 'string') console.log(`netdata 1.37 idle parent: skipped (${nd})`);
  else console.log(row('netdata 1.37 idle parent', nd));
}

main().then(
  async () => { killAll(); await stopAllNetdata(); process.exit(0); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
