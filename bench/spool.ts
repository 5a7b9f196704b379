/**
 * The streaming spool of a host without a database: 100 charts x 10 dimensions (1,000
 * dimensions) collected every second, simulated in a tight loop with one event-loop turn per
 * second of data (the spool writes once per turn, as it would at 1 Hz). Prints bytes on disk per
 * stored value, CPU per second of data (the run minus the same loop without the spool), the
 * resident memory the spool adds, how long opening a full spool takes, and read speed for a
 * 1-hour and a 10-minute (one replication step) window.
 *
 *   node --expose-gc dist/bench/spool.js [seconds of data, default 3600]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { setLogSink } from '../src/log.js';
import { Spool } from '../src/streaming/spool.js';

const CHARTS = 100;
const DIMENSIONS = 10;
const SECONDS = Number(process.argv[2] ?? 3600);
const MAX_BYTES = 64 * 1024 * 1024; // holds the whole run: nothing is dropped while measuring
const START_S = 1_700_000_000;
const ids = Array.from({ length: DIMENSIONS }, (_, d) => `dim${d}`);
const chartIds = Array.from({ length: CHARTS }, (_, c) => `bench.chart${c}`);
const values = new Float64Array(DIMENSIONS);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One second of data for every chart (values like a collector's: a wandering level). */
function second(i: number, spool: Spool | null): void {
  for (let c = 0; c < CHARTS; c++) {
    for (let d = 0; d < DIMENSIONS; d++) values[d] = 1000 + c * 10 + d + Math.sin(i / 30 + d) * 50;
    spool?.append(chartIds[c], 1, START_S + i, ids, values);
  }
}

async function run(spool: Spool | null): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < SECONDS; i++) {
    second(i, spool);
    await tick(); // the spool's write for this second happens here
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function readWindow(spool: Spool, charts: readonly string[], afterS: number, beforeS: number): { points: number; ms: number } {
  let points = 0;
  const t = performance.now();
  for (const id of charts) points += spool.read(id, afterS, beforeS, () => undefined);
  return { points, ms: performance.now() - t };
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-spool-'));
  const directory = path.join(root, 'spool');
  const logs: string[] = [];
  setLogSink((line) => logs.push(line));
  try {
    const baseMs = await run(null);
    gc();
    const rssBefore = process.memoryUsage().rss;
    const spool = Spool.open({ directory, maxBytes: MAX_BYTES, label: 'bench' });
    const spoolMs = await run(spool);
    spool.flush();
    gc();
    const rssAfter = process.memoryUsage().rss;
    const stats = spool.stats;
    const storedValues = stats.points * DIMENSIONS;
    const lastS = START_S + SECONDS - 1;
    const hour = Math.min(3600, SECONDS);
    readWindow(spool, [chartIds[0]], lastS - hour, lastS); // warm-up (compiles the read path)
    const oneChart = readWindow(spool, [chartIds[7]], lastS - hour, lastS);
    const allCharts = readWindow(spool, chartIds, lastS - hour, lastS);
    const step = readWindow(spool, [chartIds[7]], lastS - Math.min(600, SECONDS), lastS);
    spool.close();
    const t = performance.now();
    const reopened = Spool.open({ directory, maxBytes: MAX_BYTES, label: 'bench' });
    const openMs = performance.now() - t;
    reopened.close();

    const perSecondMs = (spoolMs - baseMs) / SECONDS;
    const bytesPerSecond = stats.bytesOnDisk / SECONDS;
    console.log(`${CHARTS * DIMENSIONS} dimensions (${CHARTS} charts x ${DIMENSIONS}), ${SECONDS} s of data at 1 Hz, ${stats.segments} segments`);
    console.log(`disk: ${(stats.bytesOnDisk / storedValues).toFixed(3)} bytes per stored value (${(stats.bytesOnDisk / 1e6).toFixed(1)} MB, ${(bytesPerSecond / 1024).toFixed(2)} KiB per second; 16 MiB holds ${((16 * 1024 * 1024) / bytesPerSecond / 60).toFixed(0)} minutes)`);
    console.log(`CPU: ${perSecondMs.toFixed(3)} ms per second of 1,000 dimensions (${(perSecondMs / 10).toFixed(3)} % of a core; loop without the spool ${(baseMs / SECONDS).toFixed(3)} ms)`);
    console.log(`RSS added by the spool: ${((rssAfter - rssBefore) / 1024 / 1024).toFixed(1)} MiB`);
    console.log(`read 1 h of one chart: ${oneChart.points} points in ${oneChart.ms.toFixed(1)} ms (${((oneChart.points / oneChart.ms) * 1000).toFixed(0)} points/s)`);
    console.log(`read 1 h of all ${CHARTS} charts: ${allCharts.points} points in ${allCharts.ms.toFixed(0)} ms (${((allCharts.points / allCharts.ms) * 1000).toFixed(0)} points/s, ${((allCharts.points * DIMENSIONS / allCharts.ms) * 1000).toFixed(0)} values/s)`);
    console.log(`read 10 min of one chart (one replication step): ${step.points} points in ${step.ms.toFixed(1)} ms`);
    console.log(`open (check and index) of the full spool: ${openMs.toFixed(0)} ms`);
    if (logs.some((l) => l.includes('ERROR'))) console.log(`log: ${logs.filter((l) => l.includes('ERROR')).join('')}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
