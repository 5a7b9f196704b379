/**
 * Replication speed, Tributary parent next to a netdata 1.37 parent: a synthetic 1.37 child
 * (`replicating-child.ts`) that holds the last hour of 100 charts x 10 dimensions connects to a
 * fresh parent on 127.0.0.1, and the parent replays the whole gap, asking in its own steps
 * (`seconds per replication step`, 600 s by default). Measured per parent, from the first
 * REPLAY_CHART to the moment the parent has consumed the last chart's start-streaming REND:
 * wall time, points (charts x seconds) and values (points x dimensions) replayed, and the
 * parent process's CPU seconds (utime + stime of /proc/<pid>/stat). Then a few seconds of live
 * data, and a check that the parent really stored the gap: `/api/v1/data` for ten seconds near
 * the start of the hour must give the child's own values.
 *
 * Runs Tributary, netdata, netdata, Tributary (a fresh parent each), and averages each side.
 * It prints figures; it asserts nothing.
 *
 * Run: npx tsc -p . && node dist/bench/replication.js
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { API_KEY, freePort, killAll, startNode } from '../test/streaming/nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from '../test/streaming/netdata.js';
import { chartId, ReplicatingChild, valueAt } from './replicating-child.js';
import { CLOCK_TICKS_PER_SEC, cpuSecs } from './parents.js';

const CHARTS = 100;
const DIMENSIONS = 10;
/** The gap: the child holds this much, the fresh parent nothing. */
const GAP_SECS = 3600;
/** Both parents keep this many entries per dimension (1.37's ram mode rounds 3600 up to 4096). */
const HISTORY_ENTRIES = 4096;
const NETDATA_RETENTION_SECS = 3600;
/** Live data after replication, before the check. */
const LIVE_SECS = 3;
/** The chart and the seconds (after the child's first) the check reads back. */
const CHECK_CHART = 7;
const CHECK_FROM_SECS = 10;
const CHECK_TO_SECS = 20;
const REPLICATION_TIMEOUT_MS = 120_000;
/** The parent counts as done once it used at most one clock tick in this long. */
const QUIET_SAMPLE_MS = 50;
const QUIET_MAX_CPU_SECS = 0.01;
/** Before each run, wait (at most this long) until other work on the machine uses under QUIET_OTHERS_CPUS. */
const QUIET_WAIT_MAX_MS = 30_000;
const QUIET_OTHERS_CPUS = 0.25;
const QUIET_WINDOW_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU seconds the whole machine spent busy (all CPUs: everything but idle and iowait). */
function machineBusySecs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) / CLOCK_TICKS_PER_SEC;
}

/** CPU seconds of this process (the synthetic child). */
function ownCpuSecs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Sample { atMs: number; cpu: number; own: number; machine: number }

function sample(pid: number): Sample {
  return { atMs: performance.now(), cpu: cpuSecs(pid), own: ownCpuSecs(), machine: machineBusySecs() };
}


/**
 * Waits until the parent stops working (it has read and stored everything the child sent);
 * returns the time and CPU of the last busy sample.
 */
async function untilQuiet(pid: number): Promise<Sample> {
  let last = sample(pid);
  for (;;) {
    await sleep(QUIET_SAMPLE_MS);
    const now = sample(pid);
    if (now.cpu - last.cpu <= QUIET_MAX_CPU_SECS) return last;
    last = now;
  }
}

/** CPUs' worth of work outside the parent and this process over `a`..`b`. */
function othersCpus(a: Sample, b: Sample): number {
  return ((b.machine - a.machine) - (b.cpu - a.cpu) - (b.own - a.own)) / ((b.atMs - a.atMs) / 1000);
}

/**
 * The CPUs are shared: waits until other work on the machine is light (or QUIET_WAIT_MAX_MS
 * passed), so it takes as little as possible from the parent and the child; returns that load.
 */
async function quietMachine(pid: number): Promise<number> {
  const deadline = performance.now() + QUIET_WAIT_MAX_MS;
  for (;;) {
    const a = sample(pid);
    await sleep(QUIET_WINDOW_MS);
    const others = othersCpus(a, sample(pid));
    if (others < QUIET_OTHERS_CPUS || performance.now() > deadline) return others;
  }
}

interface Run {
  parent: string;
  wallSecs: number;
  cpuSecs: number;
  points: number;
  values: number;
  requests: number;
  /** Bytes of the child's answers (RBEGIN .. REND). */
  answerBytes: number;
  /** CPU seconds of the synthetic child (this process) over the window. */
  childCpuSecs: number;
  /** CPU seconds of everything else on the machine over the window (other work sharing the CPUs). */
  otherCpuSecs: number;
  /** CPUs' worth of other work just before the run. */
  othersBeforeCpus: number;
  /** Where the child's time went: building answers, waiting for the parent to read, waiting to be asked. */
  childMs: { build: number; drainWait: number; idle: number };
  /** What the check read back. */
  check: string;
  /** The parent's own account, where it gives one. */
  parentSays: string;
}

interface Parent {
  pid: number;
  port: number;
  api(path: string): Promise<any>;
  /** The parent's log so far. */
  log(): string;
}

/** Replays the hour into `parent` and measures it. */
async function replicate(label: string, parent: Parent): Promise<Run> {
  const hostname = `${label}-rchild`;
  const othersBefore = await quietMachine(parent.pid);
  let started: Sample | null = null;
  const child = new ReplicatingChild({
    port: parent.port, apiKey: API_KEY, hostname, machineGuid: randomUUID(), charts: CHARTS, dimensions: DIMENSIONS, historySecs: GAP_SECS,
    onFirstRequest: () => { started = sample(parent.pid); },
  });
  try {
    await child.connect();
    child.sendDefinitions();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      child.finished,
      new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${label}: replication did not finish in ${REPLICATION_TIMEOUT_MS / 1000} s ` +
        `(${child.counts.finishedCharts} of ${CHARTS} charts, ${child.counts.requests} requests)`)), REPLICATION_TIMEOUT_MS); }),
    ]).finally(() => clearTimeout(timer));
    const ended = await untilQuiet(parent.pid);
    const begun = started as Sample | null;
    if (!begun) throw new Error(`${label}: no REPLAY_CHART was read`);
    await sleep(LIVE_SECS * 1000);
    const check = await checkGap(parent, hostname, child.firstS);
    return {
      parent: label,
      wallSecs: (ended.atMs - begun.atMs) / 1000,
      cpuSecs: ended.cpu - begun.cpu,
      points: child.counts.points,
      values: child.counts.points * DIMENSIONS,
      requests: child.counts.requests,
      answerBytes: child.counts.answerBytes,
      childCpuSecs: ended.own - begun.own,
      otherCpuSecs: (ended.machine - begun.machine) - (ended.cpu - begun.cpu) - (ended.own - begun.own),
      othersBeforeCpus: othersBefore,
      childMs: { build: child.counts.buildMs, drainWait: child.counts.drainWaitMs, idle: child.counts.idleMs },
      check,
      parentSays: /replication finished: [^\n]*/.exec(parent.log())?.[0] ?? '',
    };
  } finally {
    child.close();
  }
}

/**
 * Reads CHECK_CHART's seconds first+CHECK_FROM..first+CHECK_TO back and compares each returned
 * second with the child's value for it; where they differ, says whether every value sits a
 * whole second or two away from its own time instead.
 */
async function checkGap(parent: Parent, hostname: string, firstS: number): Promise<string> {
  const after = firstS + CHECK_FROM_SECS;
  const before = firstS + CHECK_TO_SECS;
  const path = `/host/${hostname}/api/v1/data?chart=${chartId(CHECK_CHART)}&after=${after}&before=${before}&format=json`;
  let d: { labels: string[]; data: (number | null)[][] };
  try {
    d = await parent.api(path);
  } catch (err) {
    return `FAILED: ${(err as Error).message}`;
  }
  const rows = d.data.filter((r) => (r[0] as number) >= after && (r[0] as number) <= before);
  const dims = d.labels.slice(1).map((l) => Number(l.slice(1)));
  const equalAt = (shiftS: number): number => rows.reduce((n, r) =>
    n + dims.filter((dim, i) => r[i + 1] === valueAt(CHECK_CHART, dim, (r[0] as number) + shiftS)).length, 0);
  const times = rows.map((r) => (r[0] as number) - firstS).sort((a, b) => a - b);
  const values = rows.length * dims.length;
  const equal = equalAt(0);
  let text = `${chartId(CHECK_CHART)} after=first+${CHECK_FROM_SECS} before=first+${CHECK_TO_SECS}: ` +
    `${rows.length} seconds returned (first+${times[0]}..first+${times[times.length - 1]}), ${equal}/${values} values equal the child's`;
  if (values > 0 && equal < values) {
    const shift = [-1, 1, -2, 2].find((s) => equalAt(s) === values);
    if (shift !== undefined) text += `; every value is the child's for ${Math.abs(shift)} s ${shift < 0 ? 'earlier' : 'later'} (stored one slot off)`;
  }
  return (values > 0 && equal === values ? 'ok: ' : 'DIFFERS: ') + text;
}

// ---- the parents -------------------------------------------------------------------------------

async function tributaryRun(): Promise<Run> {
  const node = await startNode({ hostname: 'rbench-parent', plugin: false, memoryMode: 'ram', history: HISTORY_ENTRIES });
  const parent: Parent = { pid: node.child.pid!, port: node.port, api: (p) => node.api(p), log: () => node.output() };
  try {
    return await replicate('tributary', parent);
  } finally {
    node.kill();
  }
}

async function netdataRun(): Promise<Run> {
  const port = await freePort();
  const nd = startNetdata({
    hostname: 'nd-rbench-parent', port, retention: NETDATA_RETENTION_SECS, memoryMode: 'ram', alsoOff: ['proc'],
    streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\tdefault history = ${NETDATA_RETENTION_SECS}\n` +
      '\thealth enabled by default = no\n',
  });
  const parent: Parent = { pid: nd.child.pid!, port, api: (p) => nd.api(p), log: () => '' };
  try {
    for (let k = 0; ; k++) {
      try { await nd.api('/api/v1/info'); break; } catch { if (k > 60) throw new Error('netdata did not start'); await sleep(500); }
    }
    return await replicate('netdata 1.37', parent);
  } finally {
    await nd.stop();
  }
}

// ---- the table ---------------------------------------------------------------------------------

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

interface Figures { wallSecs: number; cpuSecs: number; points: number; values: number; pointsPerSec: number; valuesPerSec: number; valuesPerCpuSec: number }

function figures(r: Run): Figures {
  return { ...r, pointsPerSec: r.points / r.wallSecs, valuesPerSec: r.values / r.wallSecs, valuesPerCpuSec: r.values / r.cpuSecs };
}

function mean(runs: Figures[]): Figures {
  const m = (f: (x: Figures) => number) => runs.reduce((s, x) => s + f(x), 0) / runs.length;
  return {
    wallSecs: m((x) => x.wallSecs), cpuSecs: m((x) => x.cpuSecs), points: m((x) => x.points), values: m((x) => x.values),
    pointsPerSec: m((x) => x.pointsPerSec), valuesPerSec: m((x) => x.valuesPerSec), valuesPerCpuSec: m((x) => x.valuesPerCpuSec),
  };
}

const COLUMNS: Array<[string, number]> = [['run', 22], ['wall s', 8], ['CPU s', 8], ['points', 10], ['values', 12],
  ['points/s', 11], ['values/s', 12], ['values/CPU-s', 14]];

function row(name: string, f: Figures): string {
  const cells = [fmt(f.wallSecs, 2), fmt(f.cpuSecs, 2), fmt(f.points), fmt(f.values), fmt(f.pointsPerSec), fmt(f.valuesPerSec), fmt(f.valuesPerCpuSec)];
  return name.padEnd(COLUMNS[0][1]) + cells.map((c, i) => c.padStart(COLUMNS[i + 1][1])).join('');
}

async function main(): Promise<void> {
  const missing = netdataMissing();
  console.log(`replication: a synthetic 1.37 child (ver=15352) holding ${GAP_SECS} s of ${CHARTS} charts x ${DIMENSIONS} dimensions ` +
    `replays the hour into a fresh parent on 127.0.0.1 (memory mode ram, ${HISTORY_ENTRIES} entries, step 600 s);\n` +
    'from the first REPLAY_CHART to the last start-streaming REND consumed; CPU of the parent process only');
  const order: Array<() => Promise<Run>> = missing
    ? [tributaryRun, tributaryRun]
    : [tributaryRun, netdataRun, netdataRun, tributaryRun];
  const runs: Array<Run | { parent: string; error: string }> = [];
  for (const [i, run] of order.entries()) {
    const name = run === tributaryRun ? 'tributary' : 'netdata 1.37';
    try {
      runs.push(await run());
    } catch (err) {
      runs.push({ parent: name, error: (err as Error).message });
    }
    const r = runs[i];
    console.error(`  run ${i + 1} (${name}): ${'error' in r ? `error: ${r.error}` : `${fmt(r.wallSecs, 2)} s, ${r.requests} requests`}`);
  }
  console.log(`\n${COLUMNS.map(([n, w], i) => (i === 0 ? n.padEnd(w) : n.padStart(w))).join('')}`);
  const side = (name: string) => runs.filter((r): r is Run => r.parent === name && !('error' in r)).map(figures);
  runs.forEach((r, i) => {
    console.log('error' in r ? `${`${i + 1}. ${r.parent}`.padEnd(COLUMNS[0][1])}  error: ${r.error}` : row(`${i + 1}. ${r.parent}`, figures(r)));
  });
  const t = side('tributary');
  const n = side('netdata 1.37');
  if (t.length) console.log(row('mean tributary', mean(t)));
  if (n.length) console.log(row('mean netdata 1.37', mean(n)));
  if (t.length && n.length) {
    const a = mean(t);
    const b = mean(n);
    const ratio = (x: number, y: number) => `${fmt(x / y, 2)}x`;
    const cells = ['', '', '', '', ratio(a.pointsPerSec, b.pointsPerSec), ratio(a.valuesPerSec, b.valuesPerSec), ratio(a.valuesPerCpuSec, b.valuesPerCpuSec)];
    console.log('ratio tributary/netdata'.padEnd(COLUMNS[0][1]) + cells.map((c, i) => c.padStart(COLUMNS[i + 1][1])).join(''));
  }
  if (missing) console.log(`netdata skipped: ${missing}`);
  console.log('\nper run: REPLAY_CHART answered and MB of answers; CPU s of the synthetic child and of other work on the machine (the CPUs are\n' +
    'shared) over the window, and other work just before it in CPUs; the child\'s time building answers / waiting for the\n' +
    'parent to read them / waiting to be asked; the parent\'s own account');
  runs.forEach((r, i) => {
    if ('error' in r) return;
    const ms = (x: number) => fmt(x / 1000, 2);
    console.log(`  ${i + 1}. ${r.parent}: ${r.requests} requests, ${fmt(r.answerBytes / 1e6, 1)} MB; child ${fmt(r.childCpuSecs, 2)} CPU s, others ${fmt(r.otherCpuSecs, 2)} CPU s (${fmt(Math.max(0, r.othersBeforeCpus), 2)} CPUs before); ` +
      `child ${ms(r.childMs.build)} / ${ms(r.childMs.drainWait)} / ${ms(r.childMs.idle)} s${r.parentSays ? `; "${r.parentSays}"` : ''}`);
  });
  console.log('\nthe gap stored (the parent\'s /api/v1/data against the child\'s values):');
  runs.forEach((r, i) => {
    if ('error' in r) return;
    console.log(`  ${i + 1}. ${r.parent}: ${r.check}`);
  });
}

main().then(
  async () => { killAll(); await stopAllNetdata(); process.exit(0); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
