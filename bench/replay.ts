/**
 * Replication into the database: 100 charts x 10 dimensions get N replicated points each through
 * `storeReplayed` (memory mode ram, history 3600), then the same points again (every one `kept`).
 * Also the resident memory a headless host pays for `recentSlots` (memory mode none).
 *
 *   node --expose-gc dist/bench/replay.js [points]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHostRegistry } from '../src/database/index.js';
import type { Chart, HostSettings } from '../src/database/index.js';
import { defineBenchCharts } from './bench-charts.js';

const CHARTS = 100;
const DIMENSIONS = 10;
const POINTS = Number(process.argv[2] === 'rss' ? 0 : process.argv[2] ?? 3000);
const START_S = 1_700_000_000;
const SEC = 1_000_000;

function buildCharts(settings: Partial<HostSettings>, count = CHARTS): Chart[] {
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: 'bench-guid' },
    { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1, ...settings },
  );
  return defineBenchCharts(registry.localhost, count, DIMENSIONS);
}

/** Replays `points` slots into every chart; returns values per second. */
function replay(charts: Chart[], points: number): number {
  const values = new Float64Array(DIMENSIONS);
  const started = process.hrtime.bigint();
  for (let p = 0; p < points; p++) {
    for (let d = 0; d < DIMENSIONS; d++) values[d] = p * (d + 1);
    for (const chart of charts) chart.storeReplayed(START_S + p, values);
  }
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  return (points * charts.length * DIMENSIONS) / elapsedS;
}

function collect(charts: Chart[], iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const nowUs = (START_S + i) * SEC + 500_000;
    for (const chart of charts) {
      chart.begin(i === 0 ? 0 : SEC, true, nowUs);
      for (let d = 0; d < DIMENSIONS; d++) chart.set(d, i * d);
      chart.end(nowUs);
    }
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
const MIB = 1024 * 1024;

/** In a fresh process: RSS after 1000 charts x 10 dims of a mode none host collected 60 times. */
function rssOfHeadlessHost(recentSlots: number): number {
  collect(buildCharts({ memoryMode: 'none' }, 1000), 60); // the code and the heap warm up on a host dropped after
  gc?.();
  const before = process.memoryUsage().rss;
  const held = buildCharts({ memoryMode: 'none', recentSlots }, 1000);
  collect(held, 60);
  gc?.();
  return (process.memoryUsage().rss - before) / MIB;
}

/** Runs this file again with `rss <slots>` so each figure starts from a fresh heap. */
function measureApart(recentSlots: number): number {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'rss', String(recentSlots)]);
  return Number(out.toString().trim());
}

if (process.argv[2] === 'rss') {
  console.log(rssOfHeadlessHost(Number(process.argv[3])).toFixed(2));
} else {
  const charts = buildCharts({});
  replay(buildCharts({}, 10), 200); // warm up
  const appended = replay(charts, POINTS);
  const kept = replay(charts, POINTS);
  const none = measureApart(0);
  const recent = measureApart(60);
  console.log(`replay: ${CHARTS} charts x ${DIMENSIONS} dims, ${POINTS} points each, history 3600, one core`);
  console.log(`  storeReplayed appended ${(appended / 1e6).toFixed(2)} M values/s, kept (duplicates) ${(kept / 1e6).toFixed(2)} M values/s`);
  console.log(`  memory mode none, 10000 dims after 60 iterations${gc ? ' (after gc)' : ''}: RSS +${none.toFixed(2)} MiB,` +
    ` with recentSlots 60 +${recent.toFixed(2)} MiB (its rings alone ${((60 * 4 * 10000) / MIB).toFixed(2)} MiB)`);
}
