/**
 * A parent's streaming ingest, Tributary next to netdata 1.37, fed the same stream over real
 * sockets on 127.0.0.1 (bench/stream-feed.ts: v1 children, BEGIN with 1,000,000 µs, values
 * `K*1000 + i%60`). Three scenarios, each run on a fresh parent in the order Tributary,
 * netdata, netdata, Tributary, so a load that drifts over the run weighs on both alike:
 *   1. 10 children x 100 charts x 10 dimensions at 1 Hz;
 *   2. 500 children x 10 charts x 10 dimensions at 1 Hz;
 *   3. 1 child x 100 x 10 flat out.
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
 * Run: npx tsc -p . && node dist/bench/stream.js [steady10 steady500 flat]
 * STREAM_BENCH_WINDOW_SECS overrides every window (e.g. 10 for a quick look).
 */
import { readFileSync } from 'node:fs';
import { killAll } from '../test/streaming/nodes.js';
import { stopAllNetdata } from '../test/streaming/netdata.js';
import { cpuSecs, onNetdataParent, onTributaryParent } from './parents.js';
import { connectFeed, type FeedShape } from './stream-feed.js';

interface Scenario extends FeedShape {
  name: string;
  title: string;
  rate: number | 'max';
  warmupSecs: number;
  windowSecs: number;
  /** Seconds after the feed starts when the steady-state window opens; none flat out. */
  lateWindowAtSecs?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'steady10', title: '10 children x 100 charts x 10 dims at 1 Hz', hosts: 10, charts: 100, dimensions: 10, rate: 1, warmupSecs: 5, windowSecs: 30, lateWindowAtSecs: 45 },
  { name: 'steady500', title: '500 children x 10 charts x 10 dims at 1 Hz', hosts: 500, charts: 10, dimensions: 10, rate: 1, warmupSecs: 10, windowSecs: 30, lateWindowAtSecs: 50 },
  { name: 'flat', title: '1 child x 100 x 10 flat out', hosts: 1, charts: 100, dimensions: 10, rate: 'max', warmupSecs: 2, windowSecs: 10 },
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

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const mean = (runs: Run[], f: (r: Run) => number): number => runs.reduce((a, r) => a + f(r), 0) / runs.length;

async function scenario(s: Scenario): Promise<void> {
  const window = Number(process.env.STREAM_BENCH_WINDOW_SECS) || s.windowSecs;
  const sc = { ...s, windowSecs: window };
  const late = s.lateWindowAtSecs === undefined ? '' : `; steady state: the same window from ${s.lateWindowAtSecs} s`;
  console.log(`\n## ${s.title} (warm-up ${s.warmupSecs} s, window ${window} s${late})`);
  const trib: Run[] = [];
  const nd: Run[] = [];
  let skipped = '';
  const runTrib = async (): Promise<void> => {
    trib.push(await onTributaryParent(`tb-${s.name}`, (pid, port) => measure(sc, pid, port, 'tb')));
    print('tributary', trib[trib.length - 1]);
  };
  const runNd = async (): Promise<void> => {
    const r = await onNetdataParent(`nd-${s.name}`, (pid, port) => measure(sc, pid, port, 'nd'));
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
