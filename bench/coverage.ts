/**
 * The coverage ledger walks stored slots on request: how long `/api/v1/coverage` takes for a
 * host of 100 charts x 10 dimensions with a full ring of history 3600 (memory mode ram), once
 * with every slot held and once with every tenth second a gap in every dimension. Prints
 * milliseconds per request and slots walked per second.
 *
 *   node dist/bench/coverage.js [charts]
 */
import { createHostRegistry } from '../src/database/index.js';
import { hostCoverage } from '../src/streaming/index.js';
import { defineBenchCharts } from './bench-charts.js';

const CHARTS = Number(process.argv[2] ?? 100);
const DIMENSIONS = 10;
const HISTORY_ENTRIES = 3600;
const START_US = 1_700_000_000_000_000;
const SEC = 1_000_000;
const REPEATS = 5;

function buildHost(gapEvery: number) {
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: 'bench-guid' },
    { memoryMode: 'ram', historyEntries: HISTORY_ENTRIES, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const charts = defineBenchCharts(registry.localhost, CHARTS, DIMENSIONS);
  for (let i = 0; i < HISTORY_ENTRIES; i++) {
    const nowUs = START_US + i * SEC;
    for (const chart of charts) {
      chart.begin(SEC, true, nowUs);
      // a dimension not SET stores an empty slot: every `gapEvery`th second none is
      if (gapEvery === 0 || i % gapEvery !== 0) for (let d = 0; d < DIMENSIONS; d++) chart.set(d, i + d);
      chart.end(nowUs);
    }
  }
  return registry.localhost;
}

function measure(label: string, gapEvery: number): void {
  const host = buildHost(gapEvery);
  const nowS = START_US / SEC + HISTORY_ENTRIES;
  let best = Infinity;
  let report = hostCoverage(host, nowS);
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    report = hostCoverage(host, nowS);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const slots = report.charts.reduce((n, c) => n + (c.last_entry! - c.first_entry! + 1), 0);
  const gaps = report.charts.reduce((n, c) => n + c.gaps.length, 0);
  process.stdout.write(`${label}: ${CHARTS} charts x ${DIMENSIONS} dims x ${HISTORY_ENTRIES} s: ${best.toFixed(1)} ms per request ` +
    `(best of ${REPEATS}), ${(slots / best / 1000).toFixed(2)} M chart-seconds/s, held ${report.totals.held_seconds} s, ${gaps} gaps\n`);
}

measure('all held', 0);
measure('a gap every 10 s', 10);
