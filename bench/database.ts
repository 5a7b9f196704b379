/**
 * Database hot path: 100 charts x 10 dimensions through begin/set/end for N iterations, one
 * update-every slot per iteration (memory mode ram, history 3600). Prints values per second on
 * one core and resident memory per 1000 dimensions, of a fresh host and, with --expose-gc, of
 * one made after a 4 MiB buffer was freed (glibc then serves smaller blocks from its brk heap,
 * see src/database/ring-slabs.ts).
 *
 *   node --expose-gc dist/bench/database.js [iterations]
 */
import { createHostRegistry } from '../src/database/index.js';
import type { Chart } from '../src/database/index.js';
import { defineBenchCharts } from './bench-charts.js';

const CHARTS = 100;
const DIMENSIONS = 10;
const HISTORY_ENTRIES = 3600;
const ITERATIONS = Number(process.argv[2] ?? 20000);
const START_US = 1_700_000_000_000_000;
const SEC = 1_000_000;

function buildCharts(count = CHARTS): Chart[] {
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: 'bench-guid' },
    { memoryMode: 'ram', historyEntries: HISTORY_ENTRIES, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  return defineBenchCharts(registry.localhost, count, DIMENSIONS, (c) => c % 2 === 0 ? 'incremental' : 'absolute');
}

function run(charts: Chart[], iterations: number, fromIteration: number): void {
  for (let i = fromIteration; i < fromIteration + iterations; i++) {
    const nowUs = START_US + i * SEC + 500_000;
    for (let c = 0; c < charts.length; c++) {
      const chart = charts[c];
      chart.begin(SEC, true, nowUs);
      for (let d = 0; d < DIMENSIONS; d++) chart.set(d, i * (d + 1) * 1000 + c);
      chart.end(nowUs);
    }
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Iterations a fresh host collects before its RSS is measured (a minute at update every 1). */
const MEMORY_ITERATIONS = 60;

/** RSS growth per 1000 dimensions for a fresh host of `charts` x 10 dims after a minute of data. */
function memoryPer1000Dimensions(charts: number): number {
  gc?.();
  const before = process.memoryUsage().rss;
  const held = buildCharts(charts);
  run(held, MEMORY_ITERATIONS, 0);
  gc?.();
  const grown = process.memoryUsage().rss - before;
  return (grown / (held.length * DIMENSIONS)) * 1000;
}

/** The same after a 4 MiB buffer was used and freed; NaN without gc. */
function memoryAfterFreedBuffer(charts: number): number {
  if (!gc) return NaN;
  let block: ArrayBuffer | null = new ArrayBuffer(4 * 1024 * 1024);
  new Uint8Array(block).fill(1);
  block = null;
  gc();
  return memoryPer1000Dimensions(charts);
}

const MEMORY_CHARTS = 1000;
const perThousand = memoryPer1000Dimensions(MEMORY_CHARTS);
const perThousandAfterFree = memoryAfterFreedBuffer(MEMORY_CHARTS);
const charts = buildCharts();
run(charts, 200, 0); // warm up
const started = process.hrtime.bigint();
run(charts, ITERATIONS, 200);
const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
const values = ITERATIONS * CHARTS * DIMENSIONS;
const host = charts[0].host;
const MIB = 1024 * 1024;

console.log(`database: ${CHARTS} charts x ${DIMENSIONS} dims, ${ITERATIONS} iterations, history ${HISTORY_ENTRIES}, one core`);
console.log(`  ${(values / elapsedS / 1e6).toFixed(2)} M values/s (${elapsedS.toFixed(2)} s for ${values} values)`);
console.log(`  RSS ${(perThousand / MIB).toFixed(1)} MiB per 1000 dimensions (${MEMORY_CHARTS * DIMENSIONS} dims after ${MEMORY_ITERATIONS} iterations${gc ? ', after gc' : ''});` +
  ` rings alone ${((HISTORY_ENTRIES * 4 * 1000) / MIB).toFixed(1)} MiB`);
if (gc) console.log(`  RSS ${(perThousandAfterFree / MIB).toFixed(1)} MiB per 1000 dimensions of a host made after a 4 MiB buffer was freed`);
console.log(`  memoryBytes() ${((host.memoryBytes() / (CHARTS * DIMENSIONS)) * 1000 / MIB).toFixed(1)} MiB per 1000 dimensions`);
