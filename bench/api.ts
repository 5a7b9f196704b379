/**
 * /api/v1/data, Tributary next to netdata 1.37: two fresh parents on 127.0.0.1 fed the same
 * stream at the same moment in real time (bench/stream-feed.ts: one child, CHARTS x DIMENSIONS
 * at 1 Hz), since netdata clamps a query's `before` to now and serves no point fed ahead of the
 * wall clock. After FEED_SECS, while the feed goes on, each parent is asked what a dashboard
 * asks: the last WINDOW_SECS at points=WINDOW_POINTS, format json with jsonwrap, rotating over
 * the charts (no two consecutive requests alike), by 1 connection and then by 16, in the order
 * Tributary, Tributary with `[web] query threads = 0`, netdata, netdata, the same Tributary
 * without threads, Tributary (three parents fed at once). Printed: requests per second and p99
 * latency, and the ratio to netdata. Every parent runs without an access log (`[logs] access =
 * none`), as netdata's does here.
 *
 * Run: npx tsc -p . && node dist/bench/api.js
 * API_BENCH_FEED_SECS overrides the 5 minutes of feed first (a shorter window is then asked).
 */
import * as http from 'node:http';
import { killAll } from '../test/streaming/nodes.js';
import { stopAllNetdata } from '../test/streaming/netdata.js';
import { onNetdataParent, onTributaryParent } from './parents.js';
import { connectFeed } from './stream-feed.js';

const CHARTS = 10;
const DIMENSIONS = 10;
const WINDOW_SECS = 300;
const WINDOW_POINTS = 300;
/** Seconds fed before the first request: the window plus a margin for the first iterations. */
const FEED_SECS = Number(process.env.API_BENCH_FEED_SECS) || WINDOW_SECS + 15;
/** Seconds each (peer, connections) load lasts, after LOAD_WARMUP_SECS unmeasured. */
const LOAD_SECS = 10;
const LOAD_WARMUP_SECS = 2;
const CONNECTIONS = [1, 16];
/** The netdata parent runs with `[logs] access = none` (bench/parents.ts): so do these. */
const NO_ACCESS_LOG = '[logs]\n\taccess = none\n';

interface Load {
  requestsPerSec: number;
  p99Ms: number;
  bytes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function get(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** `connections` clients asking in a loop for `secs`; latencies of the measured part only. */
async function load(port: number, host: string, connections: number): Promise<Load> {
  const window = Math.min(WINDOW_SECS, FEED_SECS - 10);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const path = (k: number) => `/host/${host}/api/v1/data?chart=feed.c${k % CHARTS}&after=-${window}&before=0` +
    `&points=${Math.min(WINDOW_POINTS, window)}&group=average&format=json&options=jsonwrap`;
  const bytes = await get(agent, port, path(0));
  const measureFrom = performance.now() + LOAD_WARMUP_SECS * 1000;
  const until = measureFrom + LOAD_SECS * 1000;
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      await get(agent, port, path(next++));
      if (t0 >= measureFrom) latencies.push(performance.now() - t0);
    }
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSec: latencies.length / LOAD_SECS,
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))],
    bytes,
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  console.log(`feeding both parents ${CHARTS} charts x ${DIMENSIONS} dimensions at 1 Hz for ${FEED_SECS} s first`);
  const results = new Map<string, Load[]>();
  const record = (key: string, r: Load): void => {
    results.set(key, [...(results.get(key) ?? []), r]);
    console.log(`  ${key.padEnd(26)} ${fmt(r.requestsPerSec).padStart(7)} req/s  p99 ${fmt(r.p99Ms, 2).padStart(7)} ms  (${r.bytes} bytes a response)`);
  };
  /** Feeds the parents (netdata's port null when it cannot run), then loads them A B C C B A. */
  const feedAndLoad = async (tbPort: number, tb0Port: number, ndPort: number | null): Promise<void> => {
    const starts = await Promise.all([
      connectFeed(tbPort, 'tb-api', { hosts: 1, charts: CHARTS, dimensions: DIMENSIONS }),
      connectFeed(tb0Port, 'tb0-api', { hosts: 1, charts: CHARTS, dimensions: DIMENSIONS }),
      ...(ndPort === null ? [] : [connectFeed(ndPort, 'nd-api', { hosts: 1, charts: CHARTS, dimensions: DIMENSIONS })]),
    ]);
    const feeds = starts.map((start) => start(1));
    await sleep(FEED_SECS * 1000);
    for (const connections of CONNECTIONS) {
      const tb = (): Promise<void> => load(tbPort, 'tb-api-0', connections).then((r) => record(`tributary, ${connections} conn`, r));
      const tb0 = (): Promise<void> => load(tb0Port, 'tb0-api-0', connections)
        .then((r) => record(`no threads, ${connections} conn`, r));
      const nd = (): Promise<void> => (ndPort === null ? Promise.resolve()
        : load(ndPort, 'nd-api-0', connections).then((r) => record(`netdata 1.37, ${connections} conn`, r)));
      await tb();
      await tb0();
      await nd();
      await nd();
      await tb0();
      await tb();
    }
    await Promise.all(feeds.map((f) => f.stop()));
  };
  const skipped = await onTributaryParent('tb-api', (_tbPid, tbPort) => onTributaryParent('tb0-api', async (_pid, tb0Port) => {
    const nd = await onNetdataParent('nd-api', (_ndPid, ndPort) => feedAndLoad(tbPort, tb0Port, ndPort));
    if (typeof nd === 'string') await feedAndLoad(tbPort, tb0Port, null);
    return typeof nd === 'string' ? nd : '';
  }, `[web]\n\tquery threads = 0\n${NO_ACCESS_LOG}`), NO_ACCESS_LOG);
  const mean = (key: string, f: (r: Load) => number): number => {
    const rs = results.get(key) ?? [];
    return rs.reduce((a, r) => a + f(r), 0) / rs.length;
  };
  console.log(`\n${'mean of 2'.padEnd(28)}${'tributary'.padStart(12)}${'no threads'.padStart(12)}` +
    `${'netdata 1.37'.padStart(14)}${'ratio'.padStart(9)}`);
  for (const c of CONNECTIONS) {
    for (const [name, f] of [['req/s', (r: Load) => r.requestsPerSec], ['p99 ms', (r: Load) => r.p99Ms]] as const) {
      const digits = name === 'req/s' ? 0 : 2;
      const t = mean(`tributary, ${c} conn`, f);
      const t0 = mean(`no threads, ${c} conn`, f);
      const n = mean(`netdata 1.37, ${c} conn`, f);
      const label = `${c} connection${c > 1 ? 's' : ''}: ${name}`;
      console.log(`${label.padEnd(28)}${fmt(t, digits).padStart(12)}${fmt(t0, digits).padStart(12)}` +
        `${(Number.isNaN(n) ? 'n/a' : fmt(n, digits)).padStart(14)}${(Number.isNaN(n) ? '' : `${fmt(t / n, 2)}x`).padStart(9)}`);
    }
  }
  if (skipped) console.log(`netdata skipped: ${skipped}`);
}

main().then(
  async () => { killAll(); await stopAllNetdata(); process.exit(0); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
