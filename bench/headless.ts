/**
 * What a Tributary process costs in memory next to a bare `node` on the same machine, in one run:
 *   1. a headless collector ([web] mode none, memory mode none, streaming on) running the bundled
 *      plugins.d, streaming to a Tributary parent on 127.0.0.1, SETTLE_SECS after its link is up;
 *   2. an idle parent (web on, memory mode ram, no children, no plugins), SETTLE_SECS after start;
 *   3. netdata 1.37 as the same idle parent, for reference, when it is installed.
 * Each next to `node -e 'setInterval(()=>{},1e9)'` started at the same moment. RSS is VmRSS from
 * /proc/<pid>/status, split into anonymous and file-backed pages from /proc/<pid>/smaps_rollup
 * (file-backed: the node binary's code that the process has touched, such as the optimizing
 * compiler). Figures only: the goals are printed as met or not, never asserted.
 *
 * Run: npx tsc -p . && node dist/bench/headless.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, REPO, startNode, type TestNode } from '../test/streaming/nodes.js';
import { stopAllNetdata } from '../test/streaming/netdata.js';
import { onNetdataParent } from './parents.js';

/** Seconds a process runs in its steady state before it is measured. */
const SETTLE_SECS = 20;
/** RSS samples taken one second apart at the end of the settle time; the largest is reported. */
const SAMPLES = 5;
/** The headless collector's goal: at most this much RSS over a bare node (issue 14). */
const HEADLESS_GOAL_MB = 8;
/** The idle parent's goal: at most this much RSS over a bare node (issue 14). */
const IDLE_PARENT_GOAL_MB = 15;
/** The bare node every figure is compared with. */
const BARE_NODE_ARGS = ['-e', 'setInterval(()=>{},1e9)'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A process's resident memory in MB: all of it, and its anonymous and file-backed parts. */
interface Rss {
  totalMb: number;
  anonMb: number;
  fileMb: number;
}

function kbField(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
}

function rss(pid: number): Rss {
  const totalKb = kbField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  const anonKb = kbField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Anonymous');
  return { totalMb: totalKb / 1024, anonMb: anonKb / 1024, fileMb: (totalKb - anonKb) / 1024 };
}

/** The largest of SAMPLES readings one second apart (the total decides). */
async function peakRss(pid: number): Promise<Rss> {
  let peak = rss(pid);
  for (let i = 1; i < SAMPLES; i++) {
    await sleep(1000);
    const now = rss(pid);
    if (now.totalMb > peak.totalMb) peak = now;
  }
  return peak;
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

async function headless(): Promise<Pair> {
  const parent = await startNode({ hostname: 'bench-mem-parent', plugin: false });
  let collector: TestNode | null = null;
  try {
    return await besideBareNode(async (bare) => {
      collector = await startNode({
        hostname: 'bench-mem-headless', memoryMode: 'none', web: false, plugin: false,
        pluginsDir: join(REPO, 'plugins.d'), sendTo: { destination: `127.0.0.1:${parent.port}` },
      });
      await collector.waitFor('established communication', 30_000);
      await sleep(SETTLE_SECS * 1000);
      const [measured, bareRss] = await Promise.all([peakRss(collector.child.pid!), peakRss(bare.pid!)]);
      const charts = await parent.api('/host/bench-mem-headless/api/v1/charts');
      return {
        label: 'headless collector', measured, bare: bareRss,
        note: `${Object.keys(charts.charts).length} charts of it on the parent`,
      };
    });
  } finally {
    (collector as TestNode | null)?.kill();
    parent.kill();
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
  return `${name.padEnd(30)}${mb(r.totalMb).padStart(9)}${mb(r.anonMb).padStart(9)}${mb(r.fileMb).padStart(9)}`;
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
  console.log(`${'process'.padEnd(30)}${'RSS MB'.padStart(9)}${'anon'.padStart(9)}${'file'.padStart(9)}`);
  report(await headless(), HEADLESS_GOAL_MB);
  report(await idleParent(), IDLE_PARENT_GOAL_MB);
  const nd = await netdataIdleParent();
  if (typeof nd === 'string') console.log(`netdata 1.37 idle parent: skipped (${nd})`);
  else console.log(row('netdata 1.37 idle parent', nd));
}

main().then(
  async () => { killAll(); await stopAllNetdata(); process.exit(0); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
