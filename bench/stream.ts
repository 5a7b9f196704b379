/**
 * A parent's streaming ingest, Tributary next to netdata 1.37, fed the same stream over real
 * sockets on 127.0.0.1 (bench/stream-feed.ts: v1 children, BEGIN with 1,000,000 µs, values
 * `K*1000 + i%60`). Four scenarios, each run on a fresh parent in the order Tributary,
 * netdata, netdata, Tributary, so a load that drifts over the run weighs on both alike:
 *   1. 10 children x 100 charts x 10 dimensions at 1 Hz;
 *   2. 500 children x 10 charts x 10 dimensions at 1 Hz;
 *   3. 1 child x 100 x 10 flat out;
 *   4. 10 children x 100 x 10 sending a whole history each (3,660 iterations) flat out, then a
 *      minute at 1 Hz: the RSS per host once every ring is written through, the steady state
 *      of a parent (at 1 Hz a parent reaches it an hour after the connect; before that, each
 *      dimension holds only the pages written so far, in netdata as here).
 * Every child is connected and has defined its charts before the feed starts; the window opens
 * WARMUP secs after that (host and chart creation stay out of it) and lasts WINDOW secs. The
 * figure is SETs sent in the window per CPU-second of the parent process (utime + stime of
 * /proc/PID/stat, all threads), read 0.5 s after the window so the parent has drained its
 * sockets. RSS is VmRSS of the parent before the children connect and at the end of the window;
 * per child host it is also given without the growth of file-backed pages (RssFile), which is
 * the program's own code paged in once, not memory per host: a Node parent pages in some 4 MB of
 * the node binary when its optimizing compiler first runs, after the idle reading when the agent
 * was loaded from its one-file bundle (docs/memory.md).
 * The 1 Hz scenarios measure a second window of the same length on the same feed, opening
 * `lateWindowAtSecs` after the feed starts (or right after the first, if that ends later): a
 * fresh Node parent still spends the first window's seconds on the optimizing compiler and on
 * V8's memory reducer (a pair of full collections some 8 s after the heap stopped growing),
 * which netdata does not have, so the first window is the figure to beat and the second the
 * steady state both peers then keep.
 *
 * Run: npx tsc -p . && node dist/bench/stream.js [steady10 steady500 flat history10]
 * STREAM_BENCH_WINDOW_SECS overrides every window (e.g. 10 for a quick look).
 */
import { readFileSync } from 'node:fs';
import { killAll } from '../test/streaming/nodes.js';
import { stopAllNetdata } from '../test/streaming/netdata.js';
import { cpuSecs, onNetdataParent, onTributaryParent } from './parents.js';
import { connectFeed, type FeedShape } from './stream-feed.js';

/** The parents' history (entries per dimension): bench/parents.ts sets 3600 on both. */
const HISTORY = 3600;
/** How long the parent's CPU must stay under QUIET_CPU_SECS for it to have stored what it was sent. */
const QUIET_MS = 500;
const QUIET_CPU_SECS = 0.02;
const QUIET_WAIT_MAX_MS = 120_000;
/** How long the children send at 1 Hz after their history, before the parent's RSS is read. */
const AFTER_HISTORY_MS = 60_000;

interface Scenario extends FeedShape {
  name: string;
  title: string;
  rate: number | 'max';
  warmupSecs: number;
  windowSecs: number;
  /** Seconds after the feed starts when the steady-state window opens; none flat out. */
  lateWindowAtSecs?: number;
  /**
   * Each host sends this many iterations flat out; once the parent has stored them (its CPU is
   * quiet) they send at 1 Hz for AFTER_HISTORY_MS, and then the RSS is read. No window: the
   * CPU figures cover the iterations sent flat out.
   */
  iterationsPerHost?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'steady10', title: '10 children x 100 charts x 10 dims at 1 Hz', hosts: 10, charts: 100, dimensions: 10, rate: 1, warmupSecs: 5, windowSecs: 30, lateWindowAtSecs: 45 },
  { name: 'steady500', title: '500 children x 10 charts x 10 dims at 1 Hz', hosts: 500, charts: 10, dimensions: 10, rate: 1, warmupSecs: 10, windowSecs: 30, lateWindowAtSecs: 50 },
  { name: 'flat', title: '1 child x 100 x 10 flat out', hosts: 1, charts: 100, dimensions: 10, rate: 'max', warmupSecs: 2, windowSecs: 10 },
  {
    name: 'history10',
    title: `10 children x 100 x 10, ${HISTORY + 60} iterations each flat out, then 1 Hz: every ring (history ${HISTORY}) written through`,
    hosts: 10, charts: 100, dimensions: 10, rate: 'max', warmupSecs: 0, windowSecs: 0, iterationsPerHost: HISTORY + 60,
  },
];

/** What the parent has had time to read after the window closes. */
const DRAIN_MS = 500;
/** How long a fresh parent idles before its RSS is read. */
const IDLE_MS = 2000;

interface Run {
  valuesPerCpuSec: number;
  /** The same in the window opening `lateWindowAtSecs` after the feed starts; NaN without one. */
  lateValuesPerCpuSec: number;
  valuesPerSec: number;
  cpuPct: number;
  rssIdleMb: number;
  rssLoadedMb: number;
  /** RssFile at the same two readings. */
  fileIdleMb: number;
  fileLoadedMb: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** VmRSS and its file-backed part (RssFile) of process `pid`, in MB. */
function rssMb(pid: number): { rss: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
  return { rss: mb('VmRSS'), file: mb('RssFile') };
}

async function measure(s: Scenario, pid: number, port: number, label: string): Promise<Run> {
  await sleep(IDLE_MS);
  const idle = rssMb(pid);
  const start = await connectFeed(port, `${label}-${s.name}`, s);
  const feed = start(s.rate);
  const fedFrom = performance.now();
  /** SETs sent and the parent's CPU seconds over `windowSecs` opening `atSecs` after the feed started. */
  const window = async (atSecs: number): Promise<{ values: number; cpu: number; wallSecs: number }> => {
    await sleep(Math.max(0, fedFrom + atSecs * 1000 - performance.now()));
    const v0 = feed.values();
    const c0 = cpuSecs(pid);
    const t0 = performance.now();
    await sleep(s.windowSecs * 1000);
    const v1 = feed.values();
    const wallSecs = (performance.now() - t0) / 1000;
    await sleep(DRAIN_MS);
    return { values: v1 - v0, cpu: cpuSecs(pid) - c0, wallSecs };
  };
  const first = await window(s.warmupSecs);
  const loaded = rssMb(pid);
  const late = s.lateWindowAtSecs === undefined ? null : await window(s.lateWindowAtSecs);
  await feed.stop();
  return {
    valuesPerCpuSec: first.values / first.cpu, lateValuesPerCpuSec: late ? late.values / late.cpu : NaN,
    valuesPerSec: first.values / first.wallSecs, cpuPct: (first.cpu / first.wallSecs) * 100,
    rssIdleMb: idle.rss, rssLoadedMb: loaded.rss, fileIdleMb: idle.file, fileLoadedMb: loaded.file,
  };
}

/** A whole history per host, flat out, then a minute at 1 Hz: the parent's memory with every ring written through. */
async function measureHistory(s: Scenario, pid: number, port: number, label: string): Promise<Run> {
  await sleep(IDLE_MS);
  const idle = rssMb(pid);
  const start = await connectFeed(port, `${label}-${s.name}`, s);
  const c0 = cpuSecs(pid);
  const t0 = performance.now();
  const feed = start(s.rate, s.iterationsPerHost);
  await feed.sent;
  for (const until = performance.now() + QUIET_WAIT_MAX_MS; ;) {
    const before = cpuSecs(pid);
    await sleep(QUIET_MS);
    if (cpuSecs(pid) - before <= QUIET_CPU_SECS) break;
    if (performance.now() > until) throw new Error(`${label}: the parent was still busy ${QUIET_WAIT_MAX_MS / 1000} s after the feed`);
  }
  const cpu = cpuSecs(pid) - c0;
  const wallSecs = (performance.now() - t0) / 1000;
  const values = feed.values();
  // then the parent lives at 1 Hz, as after any catch-up, before its memory is read
  const live = start(1);
  await sleep(AFTER_HISTORY_MS);
  const loaded = rssMb(pid);
  await live.stop();
  await feed.stop();
  return {
    valuesPerCpuSec: values / cpu, lateValuesPerCpuSec: NaN, valuesPerSec: values / wallSecs, cpuPct: (cpu / wallSecs) * 100,
    rssIdleMb: idle.rss, rssLoadedMb: loaded.rss, fileIdleMb: idle.file, fileLoadedMb: loaded.file,
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const mean = (runs: Run[], f: (r: Run) => number): number => runs.reduce((a, r) => a + f(r), 0) / runs.length;

async function scenario(s: Scenario): Promise<void> {
  const window = Number(process.env.STREAM_BENCH_WINDOW_SECS) || s.windowSecs;
  const sc = { ...s, windowSecs: window };
  const late = s.lateWindowAtSecs === undefined ? '' : `; steady state: the same window from ${s.lateWindowAtSecs} s`;
  const ringsMb = (s.charts * s.dimensions * HISTORY * 4) / (1024 * 1024);
  console.log(s.iterationsPerHost === undefined
    ? `\n## ${s.title} (warm-up ${s.warmupSecs} s, window ${window} s${late})`
    : `\n## ${s.title} (CPU: the iterations sent flat out; RSS: after ${AFTER_HISTORY_MS / 1000} s at 1 Hz; ` +
      `the rings alone are ${fmt(ringsMb, 3)} MB per host at 4 B x ${HISTORY})`);
  const trib: Run[] = [];
  const nd: Run[] = [];
  let skipped = '';
  const run = s.iterationsPerHost === undefined ? measure : measureHistory;
  const runTrib = async (): Promise<void> => {
    trib.push(await onTributaryParent(`tb-${s.name}`, (pid, port) => run(sc, pid, port, 'tb')));
    print('tributary', trib[trib.length - 1]);
  };
  const runNd = async (): Promise<void> => {
    const r = await onNetdataParent(`nd-${s.name}`, (pid, port) => run(sc, pid, port, 'nd'));
    if (typeof r === 'string') { skipped = r; return; }
    nd.push(r);
    print('netdata 1.37', r);
  };
  await runTrib();
  await runNd();
  await runNd();
  await runTrib();
  const rows: Array<[string, (r: Run) => number, number]> = [
    ['values / CPU-second', (r) => r.valuesPerCpuSec, 0],
    ...(s.lateWindowAtSecs === undefined ? [] : [['  at steady state', (r: Run) => r.lateValuesPerCpuSec, 0] as [string, (r: Run) => number, number]]),
    ['values / second', (r) => r.valuesPerSec, 0],
    ['parent CPU %', (r) => r.cpuPct, 1],
    ['parent RSS idle (MB)', (r) => r.rssIdleMb, 1],
    ['parent RSS loaded (MB)', (r) => r.rssLoadedMb, 1],
    ['RSS per child host (MB)', (r) => (r.rssLoadedMb - r.rssIdleMb) / s.hosts, 3],
    ['  file pages left out', (r) => (r.rssLoadedMb - r.fileLoadedMb - r.rssIdleMb + r.fileIdleMb) / s.hosts, 3],
  ];
  console.log(`${'mean of 2'.padEnd(28)}${'tributary'.padStart(14)}${'netdata 1.37'.padStart(14)}${'ratio'.padStart(9)}`);
  for (const [name, f, digits] of rows) {
    const t = mean(trib, f);
    const n = nd.length ? mean(nd, f) : NaN;
    const ratio = nd.length ? `${fmt(t / n, 2)}x` : '';
    console.log(`${name.padEnd(28)}${fmt(t, digits).padStart(14)}${(nd.length ? fmt(n, digits) : 'n/a').padStart(14)}${ratio.padStart(9)}`);
  }
  if (skipped) console.log(`netdata skipped: ${skipped}`);
}

function print(peer: string, r: Run): void {
  const late = Number.isNaN(r.lateValuesPerCpuSec) ? '' : `  steady state ${fmt(r.lateValuesPerCpuSec)} values/CPU-s`;
  console.log(`  ${peer.padEnd(13)} ${fmt(r.valuesPerCpuSec).padStart(11)} values/CPU-s  ${fmt(r.valuesPerSec).padStart(11)} values/s  ` +
    `CPU ${fmt(r.cpuPct, 1).padStart(5)} %  RSS ${fmt(r.rssIdleMb, 1)} -> ${fmt(r.rssLoadedMb, 1)} MB${late}`);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const s of SCENARIOS) if (wanted.length === 0 || wanted.includes(s.name)) await scenario(s);
}

main().then(
  async () => { killAll(); await stopAllNetdata(); process.exit(0); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
