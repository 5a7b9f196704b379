/**
 * Ingest benchmark: plugins.d text for 100 charts x 10 dimensions (definitions, then many
 * iterations of BEGIN/SET/END with microseconds) through the tokenizer, the parser and a ram
 * database on one core. Prints lines/s, values/s and RSS per 1,000 dimensions at history 3600.
 *
 *   node --expose-gc dist/bench/ingest.js [iterations]
 */
import { createHostRegistry } from '../src/database/index.js';
import { createParser } from '../src/protocol/index.js';

const CHARTS = 100;
const DIMENSIONS_PER_CHART = 10;
const HISTORY_ENTRIES = 3600;
const DEFAULT_ITERATIONS = 3000;
/** Iterations per generated buffer (re-fed with advancing clocks). */
const ITERATIONS_PER_BUFFER = 100;
/** The chunk size a socket typically hands over. */
const CHUNK_BYTES = 64 * 1024;
const USEC_PER_SEC = 1_000_000;

function definitions(): string {
  let text = '';
  for (let c = 0; c < CHARTS; c++) {
    text += `CHART "bench.chart_${c}" "" "Bench chart ${c}" "units" "family" "bench.context" "line" ${1000 + c} 1 "   " "bench.plugin" ""\n`;
    for (let d = 0; d < DIMENSIONS_PER_CHART; d++) {
      text += `DIMENSION "dim_${d}" "dim_${d}" "${d % 2 ? 'incremental' : 'absolute'}" 1 1 "  "\n`;
    }
  }
  return text;
}

/** `count` iterations of every chart, values growing with the iteration number. */
function iterations(first: number, count: number): Buffer {
  const parts: string[] = [];
  for (let i = first; i < first + count; i++) {
    for (let c = 0; c < CHARTS; c++) {
      parts.push(`BEGIN "bench.chart_${c}" ${USEC_PER_SEC}\n`);
      for (let d = 0; d < DIMENSIONS_PER_CHART; d++) parts.push(`SET "dim_${d}" = ${i * (d + 1) * 1000 + c}\n`);
      parts.push('END\n');
    }
  }
  return Buffer.from(parts.join(''));
}

function feedInChunks(feed: (chunk: Buffer) => void, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) feed(bytes.subarray(at, at + CHUNK_BYTES));
}

/** RSS in MB, after a full GC when node runs with --expose-gc. */
function rssMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1e6;
}

function main(): void {
  const totalIterations = Number(process.argv[2] ?? DEFAULT_ITERATIONS);
  // the same text is fed again and again; values still change per dimension and iteration
  const block = iterations(1, ITERATIONS_PER_BUFFER);
  const rssBeforeMB = rssMB();
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: '00000000-0000-0000-0000-0000000000be' },
    { memoryMode: 'ram', historyEntries: HISTORY_ENTRIES, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  let nowUs = Math.floor(Date.now() / 1000) * USEC_PER_SEC;
  const parser = createParser({
    source: 'bench',
    host: registry.localhost,
    trustedDurations: true,
    defaultUpdateEverySecs: 1,
    defaultPluginName: 'bench.plugin',
    // the wall clock moves one second per iteration of all charts (a BEGIN and an END each)
    nowUs: () => (nowUs += USEC_PER_SEC / (2 * CHARTS)),
    onStop: (stop) => {
      throw new Error(stop.message);
    },
  });
  parser.feed(Buffer.from(definitions()));
  const feed = (chunk: Buffer): void => parser.feed(chunk);
  const linesBefore = parser.stats.lines;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let done = 0; done < totalIterations; done += ITERATIONS_PER_BUFFER) {
    feedInChunks(feed, block);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const stats = parser.stats;
  const lines = stats.lines - linesBefore;
  const rssAfterMB = rssMB();
  const dimensions = CHARTS * DIMENSIONS_PER_CHART;
  console.log(`ingest: ${CHARTS} charts x ${DIMENSIONS_PER_CHART} dimensions, ${stats.iterations / CHARTS} iterations, history ${HISTORY_ENTRIES}`);
  console.log(`  ${(stats.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} CPU-s`);
  console.log(`  lines/s:  ${Math.round(lines / seconds).toLocaleString('en-US')}`);
  console.log(`  values/s: ${Math.round(stats.values / seconds).toLocaleString('en-US')} (${Math.round(stats.values / cpuSeconds).toLocaleString('en-US')} per CPU-second)`);
  console.log(`  RSS: ${rssAfterMB.toFixed(1)} MB (${rssBeforeMB.toFixed(1)} MB before the host), ` +
    `${((rssAfterMB - rssBeforeMB) / (dimensions / 1000)).toFixed(1)} MB per 1,000 dimensions` +
    `${'gc' in globalThis ? '' : ' (run with --expose-gc for a steadier figure)'}`);
  console.log(`  database memoryBytes(): ${(registry.localhost.memoryBytes() / 1e6).toFixed(1)} MB`);
}

main();
