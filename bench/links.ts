/**
 * What the stream's own statistics cost when read, once per second by the self-monitoring loop
 * (the links themselves only count on the data path): for 100, 1,000 and 2,000 links, one pass
 * of the `netdata.streaming_*` charts (six charts, a dimension per link) with each link's two
 * rates read, and the lag of one host (its newest stored second, kept by the host as its 100 charts store). Prints the
 * time of a pass and per link, and the share of one core it takes at 1 Hz.
 *
 *   node dist/bench/links.js [passes]
 */
import { createHostRegistry } from '../src/database/index.js';
import { createLinkCharts, type LinkFigures } from '../src/link-charts.js';
import { RateMeter } from '../src/streaming/link-stats.js';

const DEFAULT_PASSES = 120;
const LINK_COUNTS = [100, 1000, 2000];
const CHARTS_PER_HOST = 100;
const USEC_PER_SEC = 1_000_000;

function registry(hostname: string) {
  return createHostRegistry(
    { hostname, machineGuid: '00000000-0000-4000-8000-000000000001', registryHostname: hostname, os: 'linux',
      timezone: 'UTC', tags: '', programName: 'bench', programVersion: '0', hops: 0 },
    { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    {},
  );
}

/** A link as the streaming part reports it, with its rates read from real meters. */
function figures(i: number, meters: [RateMeter, RateMeter], counts: number, nowMs: number): LinkFigures {
  return {
    direction: i % 2 ? 'in' : 'out', host: `host-${i}`, peer: '127.0.0.1:19999',
    valuesPerSecond: meters[0].read(counts * 1000, nowMs), bytesPerSecond: meters[1].read(counts * 20_000, nowMs),
    lagSeconds: 0, bufferFill: i % 2 ? null : 0.01, reconnects: 0, replication: { chartsPending: 0 },
  };
}

function chartsPass(links: number, passes: number): number {
  const host = registry(`bench-${links}`).localhost;
  const charts = createLinkCharts(host, 1);
  const meters = Array.from({ length: links }, (): [RateMeter, RateMeter] => [new RateMeter(0), new RateMeter(0)]);
  const t0 = 1_800_000_000;
  let busyNs = 0n;
  for (let p = 0; p < passes; p++) {
    const nowMs = (t0 + p) * 1000;
    const start = process.hrtime.bigint();
    const all = meters.map((m, i) => figures(i, m, p, nowMs));
    charts.collect(all, (t0 + p) * USEC_PER_SEC);
    // the first pass defines every dimension: not what a steady second costs
    if (p > 0) busyNs += process.hrtime.bigint() - start;
  }
  return Number(busyNs) / 1000 / (passes - 1);
}

function lagOfHost(passes: number): number {
  const host = registry('bench-lag').localhost;
  for (let c = 0; c < CHARTS_PER_HOST; c++) {
    const chart = host.defineChart({
      id: `bench.c${c}`, type: 'bench', name: null, title: '', units: '', family: '', context: 'bench', chartType: 'line',
      priority: 1, updateEverySecs: 1, plugin: 'bench', module: '',
      options: { obsolete: false, detail: false, hidden: false, storeFirst: false },
    });
    chart.defineDimension({ id: 'd', name: 'd', algorithm: 'absolute', multiplier: 1, divisor: 1,
      options: { hidden: false, noReset: false, obsolete: false } });
    for (let s = 1; s <= 3; s++) {
      chart.begin(s === 1 ? 0 : USEC_PER_SEC, true, (1_800_000_000 + s) * USEC_PER_SEC);
      chart.set(0, s);
      chart.end((1_800_000_000 + s) * USEC_PER_SEC);
    }
  }
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let p = 0; p < passes * 100; p++) sink += host.newestStoredS;
  const us = Number(process.hrtime.bigint() - start) / 1000 / (passes * 100);
  if (sink === 0) throw new Error('no stored second');
  return us;
}

function main(): void {
  const passes = Math.max(2, Number(process.argv[2] ?? DEFAULT_PASSES));
  console.log(`link statistics read side: ${passes} passes, one per simulated second`);
  console.log(`${'links'.padStart(8)}${'µs per pass'.padStart(14)}${'µs per link'.padStart(14)}${'core at 1 Hz'.padStart(14)}`);
  for (const links of LINK_COUNTS) {
    const us = chartsPass(links, passes);
    console.log(`${String(links).padStart(8)}${us.toFixed(0).padStart(14)}${(us / links).toFixed(2).padStart(14)}${`${(us / 1e4).toFixed(2)} %`.padStart(14)}`);
  }
  console.log(`lag of one host with ${CHARTS_PER_HOST} charts (newest stored second): ${lagOfHost(passes).toFixed(2)} µs`);
}

main();
