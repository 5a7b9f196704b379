/**
 * A parent's streaming ingest, Tributary next to netdata 1.37, fed the same generated stream
 * over real sockets on 127.0.0.1:
 *   1. 10 simulated children x 100 charts x 10 dimensions at 1 s, for SECONDS_STEADY seconds;
 *   2. one child pushing FLAT_OUT_ITERATIONS iterations of 100 x 10 as fast as it can.
 * For each: values per CPU-second of the parent process, and the parent's RSS growth per host.
 * Then the RSS of a headless collector running the bundled plugins next to a bare `node`.
 *
 * Run: npx tsc -p . && node dist/bench/stream.js
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { PROMPT_V1 } from '../src/streaming/index.js';
import { API_KEY, freePort, killAll, REPO, startNode } from '../test/streaming/nodes.js';
import { stopAllNetdata } from '../test/streaming/netdata.js';
import { cpuSecs, onNetdataParent, onTributaryParent } from './parents.js';

const CHILDREN = 10;
const CHARTS = 100;
const DIMENSIONS = 10;
const SECONDS_STEADY = 20;
const WARMUP_SECS = 3;
const FLAT_OUT_ITERATIONS = 3000;
const FLAT_OUT_BATCH = 50;
const HEADLESS_SETTLE_SECS = 10;

const VALUES_PER_ITERATION = CHARTS * DIMENSIONS;

// ---- the generated feed ------------------------------------------------------------------------

function definitions(): string {
  let text = '';
  for (let c = 0; c < CHARTS; c++) {
    text += `CHART "bench.c${c}" "" "Bench ${c}" "things" "bench" "bench.c" "line" ${1000 + c} 1 "" "bench.plugin" ""\n`;
    for (let d = 0; d < DIMENSIONS; d++) text += `DIMENSION "d${d}" "" "absolute" 1 1 ""\n`;
  }
  return text;
}

/** One iteration of every chart; values vary with the iteration. */
function iteration(i: number, microseconds: number): string {
  let text = '';
  for (let c = 0; c < CHARTS; c++) {
    text += `BEGIN "bench.c${c}" ${microseconds}\n`;
    for (let d = 0; d < DIMENSIONS; d++) text += `SET "d${d}" = ${(i * 7 + c * 13 + d * 31) % 100000}\n`;
    text += 'END\n';
  }
  return text;
}

/** Connects as a version-1 child and returns the socket once the parent gave the prompt. */
async function child(port: number, hostname: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`STREAM key=${API_KEY}&hostname=${hostname}&registry_hostname=${hostname}&machine_guid=${randomUUID()}` +
    '&update_every=1&os=linux&timezone=UTC HTTP/1.1\r\nUser-Agent: bench/1\r\nAccept: */*\r\n\r\n');
  const [reply] = await once(socket, 'data') as [Buffer];
  if (reply.toString() !== PROMPT_V1) throw new Error(`${hostname}: parent replied ${JSON.stringify(reply.toString())}`);
  socket.on('error', () => undefined);
  return socket;
}

function write(socket: net.Socket, text: string): Promise<void> {
  return socket.write(text) ? Promise.resolve() : once(socket, 'drain').then(() => undefined);
}

// ---- measuring a process -----------------------------------------------------------------------


function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the process uses less than 2% of a CPU over 300 ms; returns its CPU seconds then. */
async function untilIdle(pid: number): Promise<number> {
  let last = cpuSecs(pid);
  for (;;) {
    await sleep(300);
    const now = cpuSecs(pid);
    if (now - last < 0.006) return now;
    last = now;
  }
}

interface Result {
  steadyValuesPerCpuSec: number;
  steadyCpuPct: number;
  rssIdleMb: number;
  rssPerHostMb: number;
  flatValuesPerCpuSec: number;
  flatValuesPerSec: number;
  /** Slots the parent holds for the flat-out child's last chart: proof every iteration landed. */
  flatSlotsStored: number;
}

/** `last_entry - first_entry + 1` of a chart on a mirrored host, from the parent's API. */
async function slotsStored(port: number, host: string, chart: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/host/${host}/api/v1/chart?chart=${chart}`);
  if (res.status !== 200) return 0;
  const c = await res.json() as { first_entry: number; last_entry: number };
  return c.last_entry - c.first_entry + 1;
}

async function measure(pid: number, port: number, label: string): Promise<Result> {
  await sleep(1000);
  const rssIdle = rssMb(pid);
  const sockets = await Promise.all(Array.from({ length: CHILDREN }, (_, k) => child(port, `${label}-child${k}`)));
  const defs = definitions();
  await Promise.all(sockets.map((s) => write(s, defs)));
  let i = 0;
  const tick = async (): Promise<void> => {
    i++;
    const text = iteration(i, i <= 2 ? 0 : 1_000_000);
    await Promise.all(sockets.map((s) => write(s, text)));
  };
  for (let s = 0; s < WARMUP_SECS; s++) { await tick(); await sleep(1000); }
  const cpu0 = cpuSecs(pid);
  const t0 = Date.now();
  for (let s = 0; s < SECONDS_STEADY; s++) {
    const next = t0 + (s + 1) * 1000;
    await tick();
    await sleep(Math.max(0, next - Date.now()));
  }
  const cpu1 = cpuSecs(pid);
  const wallSecs = (Date.now() - t0) / 1000;
  const rssLoaded = rssMb(pid);
  const steadyValues = SECONDS_STEADY * CHILDREN * VALUES_PER_ITERATION;
  for (const s of sockets) s.destroy();

  // one child, flat out
  const flat = await child(port, `${label}-flat`);
  await write(flat, defs);
  await sleep(1000);
  const cpuA = await untilIdle(pid);
  const start = Date.now();
  for (let b = 0; b < FLAT_OUT_ITERATIONS; b += FLAT_OUT_BATCH) {
    let text = '';
    for (let k = 0; k < FLAT_OUT_BATCH; k++) text += iteration(b + k + 1, b + k < 2 ? 0 : 1_000_000);
    await write(flat, text);
  }
  const cpuB = await untilIdle(pid);
  const flatWall = (Date.now() - start) / 1000 - 0.3;
  flat.destroy();
  const flatSlotsStored = await slotsStored(port, `${label}-flat`, `bench.c${CHARTS - 1}`);
  const flatValues = FLAT_OUT_ITERATIONS * VALUES_PER_ITERATION;
  return {
    steadyValuesPerCpuSec: steadyValues / (cpu1 - cpu0),
    steadyCpuPct: ((cpu1 - cpu0) / wallSecs) * 100,
    rssIdleMb: rssIdle,
    rssPerHostMb: (rssLoaded - rssIdle) / CHILDREN,
    flatValuesPerCpuSec: flatValues / (cpuB - cpuA),
    flatValuesPerSec: flatValues / flatWall,
    flatSlotsStored,
  };
}

// ---- the peers ---------------------------------------------------------------------------------

function tributaryParent(): Promise<Result> {
  return onTributaryParent('bench-parent', (pid, port) => measure(pid, port, 'trib'));
}

function netdataParent(): Promise<Result | string> {
  return onNetdataParent('nd-bench-parent', (pid, port) => measure(pid, port, 'nd'));
}

async function headlessRss(): Promise<{ headlessMb: number; bareNodeMb: number }> {
  const deadPort = await freePort();
  const headless = await startNode({
    hostname: 'bench-headless', memoryMode: 'none', web: false, plugin: false, pluginsDir: join(REPO, 'plugins.d'),
    sendTo: { destination: `127.0.0.1:${deadPort}` },
  });
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(HEADLESS_SETTLE_SECS * 1000);
  const result = { headlessMb: rssMb(headless.child.pid!), bareNodeMb: rssMb(bare.pid!) };
  bare.kill('SIGKILL');
  headless.kill();
  return result;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  console.log(`stream ingest: ${CHILDREN} children x ${CHARTS} charts x ${DIMENSIONS} dims at 1 s for ${SECONDS_STEADY} s, ` +
    `then 1 child x ${FLAT_OUT_ITERATIONS} iterations flat out; parent process only, memory mode ram, history 3600`);
  const trib = await tributaryParent();
  const nd = await netdataParent();
  const rows: Array<[string, (r: Result) => string]> = [
    ['10 children: values / CPU-second', (r) => fmt(r.steadyValuesPerCpuSec)],
    ['10 children: parent CPU %', (r) => fmt(r.steadyCpuPct, 1)],
    ['idle parent RSS (MB)', (r) => fmt(r.rssIdleMb, 1)],
    ['RSS per child host (MB)', (r) => fmt(r.rssPerHostMb, 2)],
    ['flat out: values / CPU-second', (r) => fmt(r.flatValuesPerCpuSec)],
    ['flat out: values / second', (r) => fmt(r.flatValuesPerSec)],
    [`flat out: slots stored (of ${FLAT_OUT_ITERATIONS - 1})`, (r) => fmt(r.flatSlotsStored)],
  ];
  const ratio = (a: number, b: number) => `${fmt(a / b, 2)}x`;
  console.log(`\n${'metric'.padEnd(36)}${'tributary'.padStart(14)}${'netdata 1.37'.padStart(14)}${'ratio'.padStart(9)}`);
  for (const [name, f] of rows) {
    const ndText = typeof nd === 'string' ? 'n/a' : f(nd);
    let r = '';
    if (typeof nd !== 'string') {
      const key = { '10 children: values / CPU-second': 'steadyValuesPerCpuSec', 'flat out: values / CPU-second': 'flatValuesPerCpuSec', 'flat out: values / second': 'flatValuesPerSec' }[name] as keyof Result | undefined;
      if (key) r = ratio(trib[key], nd[key]);
    }
    console.log(`${name.padEnd(36)}${f(trib).padStart(14)}${ndText.padStart(14)}${r.padStart(9)}`);
  }
  if (typeof nd === 'string') console.log(`netdata skipped: ${nd}`);
  const h = await headlessRss();
  console.log(`\nheadless collector (memory mode none, web none, stream on, the bundled plugins.d): RSS ${fmt(h.headlessMb, 1)} MB after ${HEADLESS_SETTLE_SECS} s`);
  console.log(`bare node process doing nothing: RSS ${fmt(h.bareNodeMb, 1)} MB`);
}

main().then(
  async () => { killAll(); await stopAllNetdata(); process.exit(0); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
