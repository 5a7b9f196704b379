/**
 * /api/v1/data over an hour of data, Tributary alone (netdata serves only points fed in real
 * time, so an hour fed at once cannot be compared; bench/api.ts compares the last 5 minutes):
 * one 10-dimension chart with 3,600 stored points, queried with points=600 over HTTP on
 * 127.0.0.1 by one client at a time (latency) and by 16 concurrent clients (requests/s); then
 * the process RSS with the web server idle. Run with `[web] query threads` at its default and at
 * 0 (queries on the main thread), in that order, on the same data. The clients run in the
 * server's process (on its main thread), so threads show less here than in bench/api.ts.
 *
 * Run: npx tsc -p . && node dist/bench/api-hour.js
 */
import * as http from 'node:http';
import { createHostRegistry } from '../src/database/index.js';
import { createParser } from '../src/protocol/index.js';
import { loadNetdataConfig } from '../src/config/index.js';
import { createWebServer } from '../src/web/index.js';

const POINTS_STORED = 3600;
const DIMENSIONS = 10;
const LATENCY_REQUESTS = 500;
const THROUGHPUT_SECS = 5;
const CONCURRENCY = 16;
const START_S = 1_672_531_200;

function feedChart(): ReturnType<typeof createHostRegistry> {
  const registry = createHostRegistry(
    { hostname: 'bench', machineGuid: '00000000-0000-0000-0000-00000000be4c' },
    { memoryMode: 'ram', historyEntries: POINTS_STORED, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  let nowS = START_S;
  const parser = createParser({
    source: 'bench', host: registry.localhost, trustedDurations: false, defaultUpdateEverySecs: 1,
    defaultPluginName: 'bench.plugin', nowUs: () => nowS * 1e6,
  });
  let text = 'CHART bench.ten "" "Ten" "things" ten bench.ten line 1 1\n';
  for (let d = 0; d < DIMENSIONS; d++) text += `DIMENSION d${d} "" absolute 1 1000\n`;
  parser.feed(Buffer.from(text));
  for (let i = 0; i <= POINTS_STORED; i++) {
    let block = 'BEGIN bench.ten\n';
    for (let d = 0; d < DIMENSIONS; d++) block += `SET d${d} = ${Math.round(1000 * Math.sin(i / 60 + d) * (d + 1))}\n`;
    parser.feed(Buffer.from(block + 'END\n'));
    nowS++;
  }
  return registry;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const registry = feedChart();
  for (const threads of [undefined, '0']) await measure(registry, threads);
}

async function measure(registry: ReturnType<typeof createHostRegistry>, threads: string | undefined): Promise<void> {
  const chart = registry.localhost.chart('bench.ten')!;
  const config = loadNetdataConfig(null, [['web', 'bind to', '127.0.0.1:0'],
    ...(threads === undefined ? [] : [['web', 'query threads', threads] as [string, string, string]])]);
  console.log(`\n[web] query threads = ${config.web.queryThreads}`);
  const server = createWebServer(config, { registry, version: 'bench', effectiveConfig: () => '', accessLog: null });
  await server.start();
  const port = server.ports()[0];
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const rssIdleMb = process.memoryUsage().rss / 1048576;
  const path = '/api/v1/data?chart=bench.ten&after=0&before=0&points=600&format=json&options=jsonwrap';
  const bytes = await request(port, path);
  console.log(`chart: ${DIMENSIONS} dimensions, ${chart.lastEntryS() - chart.firstEntryS() + 1} stored points; response ${bytes} bytes`);

  for (let i = 0; i < 50; i++) await request(port, path);
  const times: number[] = [];
  for (let i = 0; i < LATENCY_REQUESTS; i++) {
    const t0 = process.hrtime.bigint();
    await request(port, path);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`latency (1 client, ${LATENCY_REQUESTS} requests): p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms`);

  let done = 0;
  const until = Date.now() + THROUGHPUT_SECS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) { await request(port, path); done++; }
  }));
  console.log(`throughput (${CONCURRENCY} clients, ${THROUGHPUT_SECS} s): ${(done / THROUGHPUT_SECS).toFixed(0)} requests/s`);

  global.gc?.();
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`RSS with the web server idle: ${rssIdleMb.toFixed(1)} MB before the load, ` +
    `${(process.memoryUsage().rss / 1048576).toFixed(1)} MB after it (run with --expose-gc for a settled figure)`);
  await server.stop();
}

main().then(() => agent.destroy()).catch((err) => { console.error(err); process.exitCode = 1; });
