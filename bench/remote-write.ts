/**
 * Prometheus remote write: 100 charts x 10 dimensions (1,000 series) on a host collecting every
 * second for an hour, exported as `average` every 10 s (360 iterations, 360,000 samples).
 * Prints, for the exporting side alone:
 * - build + protobuf + snappy: samples per second and CPU per sample;
 * - delivery to a real VictoriaMetrics on 127.0.0.1 (Debian's `victoria-metrics`, skipped
 *   without it): samples per second end to end and this process's CPU per sample;
 * - the disk queue: bytes per sample on disk, and the CPU per sample of queueing.
 *
 *   node dist/bench/remote-write.js [iterations, default 360]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { createHostRegistry } from '../src/database/index.js';
import { createParser } from '../src/protocol/index.js';
import { setLogSink } from '../src/log.js';
import { MemoryQueue, type QueuedBatch } from '../src/exporting/batch-queue.js';
import { DiskQueue } from '../src/exporting/disk-queue.js';
import { HttpDestination } from '../src/exporting/http-destination.js';
import { RemoteWriteBuilder } from '../src/exporting/remote-write.js';
import { Selection } from '../src/exporting/selection.js';
import { emptyCounters } from '../src/exporting/self-charts.js';
import { compress } from '../src/exporting/snappy.js';
import { encodeWriteRequest } from '../src/exporting/write-request.js';
import { missing, VICTORIA_METRICS, VictoriaMetrics } from '../src/exporting/test-receivers.js';

const CHARTS = 100;
const DIMENSIONS = 10;
const UPDATE_EVERY_SECS = 10;
const ITERATIONS = Number(process.argv[2] ?? 360);
const START_S = Math.floor(Date.now() / 1000) - ITERATIONS * UPDATE_EVERY_SECS - 60;

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** A host with the bench's charts and `seconds` of data, through the real parser. */
function filledRegistry(seconds: number): ReturnType<typeof createHostRegistry> {
  let nowMs = START_S * 1000;
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: '00000000-0000-0000-0000-00000000beef', programName: 'netdata', programVersion: 'bench' },
    { memoryMode: 'ram', historyEntries: seconds + 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: () => Math.floor(nowMs / 1000) },
  );
  const parser = createParser({
    source: 'bench', host: registry.localhost, trustedDurations: false, defaultUpdateEverySecs: 1,
    defaultPluginName: 'bench.plugin', nowUs: () => nowMs * 1000,
  });
  let defs = '';
  for (let c = 0; c < CHARTS; c++) {
    defs += `CHART bench.chart${c} '' 'Bench ${c}' 'requests/s' family${c % 10} bench.context${c} line ${1000 + c} 1\n`;
    for (let d = 0; d < DIMENSIONS; d++) defs += `DIMENSION dim${d} 'dimension ${d}' absolute 1 1\n`;
  }
  parser.feed(Buffer.from(defs));
  for (let i = 0; i <= seconds; i++) {
    nowMs = (START_S + i) * 1000;
    let block = '';
    for (let c = 0; c < CHARTS; c++) {
      block += `BEGIN bench.chart${c}\n`;
      for (let d = 0; d < DIMENSIONS; d++) block += `SET dim${d} = ${1000 + c * 10 + d + Math.round(Math.sin(i / 30 + d) * 50)}\n`;
      block += 'END\n';
    }
    parser.feed(Buffer.from(block));
  }
  return registry;
}

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const registry = filledRegistry(ITERATIONS * UPDATE_EVERY_SECS + 30);
  const builder = new RemoteWriteBuilder({
    prefix: 'netdata', localHostname: 'bench', dataSource: 'average', sendNames: true,
    sendConfiguredLabels: true, sendAutomaticLabels: false, selection: new Selection(() => true, () => true),
  });
  const batches: QueuedBatch[] = [];
  let samples = 0;
  let rawBytes = 0;
  builder.build(registry.hosts(), START_S, START_S + UPDATE_EVERY_SECS, 0); // labels encoded once, as in a running agent
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 1; i <= ITERATIONS; i++) {
    const afterS = START_S + i * UPDATE_EVERY_SECS;
    const series = builder.build(registry.hosts(), afterS, afterS + UPDATE_EVERY_SECS, (afterS + UPDATE_EVERY_SECS) * 1000);
    const raw = encodeWriteRequest(series);
    rawBytes += raw.length;
    batches.push({ body: compress(raw), samples: series.length });
    samples += series.length;
  }
  const buildCpu = cpuMs(cpu0);
  const buildMs = performance.now() - t0;
  const compressed = batches.reduce((n, b) => n + b.body.length, 0);
  console.log(`remote write: ${ITERATIONS} iterations of ${CHARTS * DIMENSIONS} series (${samples} samples, netdata_info included)`);
  console.log(`  build + protobuf + snappy: ${Math.round(samples / (buildMs / 1000)).toLocaleString('en')} samples/s, `
    + `${((buildCpu * 1000) / samples).toFixed(2)} us CPU per sample; ${(rawBytes / samples).toFixed(1)} bytes/sample `
    + `encoded, ${(compressed / samples).toFixed(1)} after snappy`);

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-remote-write-'));
  try {
    const cpu1 = process.cpuUsage();
    const queue = new DiskQueue(path.join(root, 'queue'), 1024 * 1024 * 1024, 'bench', () => undefined);
    for (const b of batches) {
      queue.push(b);
      await turn();
    }
    queue.close();
    const queueCpu = cpuMs(cpu1);
    const onDisk = fs.readdirSync(path.join(root, 'queue')).reduce((n, f) => n + fs.statSync(path.join(root, 'queue', f)).size, 0);
    console.log(`  disk queue: ${(onDisk / samples).toFixed(2)} bytes per sample on disk (${(onDisk / 1024 / 1024).toFixed(1)} MiB for `
      + `${samples} samples), ${((queueCpu * 1000) / samples).toFixed(3)} us CPU per sample to queue`);

    const reason = missing(VICTORIA_METRICS);
    if (reason) {
      console.log(`  delivery: skipped (${reason})`);
      return;
    }
    const vm = await VictoriaMetrics.start(path.join(root, 'vm'));
    try {
      const memory = new MemoryQueue(batches.length, () => undefined);
      const counters = emptyCounters();
      const destination = new HttpDestination({
        urls: [new URL(`http://127.0.0.1:${vm.httpPort}/api/v1/write`)],
        headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
        timeoutMs: 30_000, tag: 'bench', queue: memory,
        counters: () => counters,
      });
      for (const b of batches) memory.push(b);
      const t2 = performance.now();
      const cpu2 = process.cpuUsage();
      destination.kick();
      while (memory.batches > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const sendMs = performance.now() - t2;
      const sendCpu = cpuMs(cpu2);
      destination.stop();
      console.log(`  delivery to VictoriaMetrics (one request at a time): ${Math.round(samples / (sendMs / 1000)).toLocaleString('en')} samples/s, `
        + `${((sendCpu * 1000) / samples).toFixed(3)} us CPU per sample in this process`);
    } finally {
      await vm.stop();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
