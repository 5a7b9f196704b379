/**
 * Worst-case memory of a parent at its default limits (docs/memory.md): a real agent on
 * 127.0.0.1 (memory mode save, whose rings are filled at creation, so every slot is resident as
 * after a whole history in ram) takes raw children until every total is full: the most hosts,
 * each on a stream connection of its own holding a partial line just under the line limit, and
 * the most charts and dimensions of all hosts together. Prints the documented worst case beside
 * the measured RSS.
 *
 *   node dist/bench/limits.js [history] [hosts] [dimensions per chart]
 *
 * history defaults to 3600 (netdata's default), hosts to the default limit; fewer hosts carry
 * the same charts and dimensions between them. Given dimensions per chart, the charts are only
 * as many as the dimensions need (to tell a chart's cost from a dimension's).
 */
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { API_KEY, newGuid, startNode, type TestNode } from '../test/streaming/nodes.js';

const HISTORY_ENTRIES = Number(process.argv[2] ?? 3600);
const HOSTS = Number(process.argv[3] ?? DEFAULT_LIMITS.hosts);
const DIMENSIONS_PER_CHART = process.argv[4] === undefined ? null : Number(process.argv[4]);

/**
 * docs/memory.md "The worst case": bytes per item beyond its samples, and the agent's own, as
 * this bench measured them (history 5 against 3600; 2 against 20 dimensions per chart; 100
 * against 1,000 hosts).
 */
export const MODEL = Object.freeze({
  bytesPerSample: 4,
  bytesPerDimension: 1600,
  bytesPerChart: 7000,
  /** A mirrored host with its stream connection, beyond the partial line its parser may carry. */
  bytesPerHost: 80_000,
  baselineBytes: 70 * 1024 * 1024,
});

/** The documented worst case for `history` entries, `hosts` hosts and connections, the totals full. */
export function documentedWorstCase(history: number, hosts: number): number {
  const m = MODEL;
  return DEFAULT_LIMITS.dimensions * (history * m.bytesPerSample + m.bytesPerDimension) +
    DEFAULT_LIMITS.charts * m.bytesPerChart +
    hosts * (m.bytesPerHost + DEFAULT_LIMITS.lineBytes) +
    m.baselineBytes;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function rssBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

/** One raw child: handshake (ver=1), its charts with their dimensions, one iteration each, a partial line. */
async function child(port: number, index: number, charts: number, dimsPerChart: number): Promise<net.Socket> {
  const link = net.connect(port, '127.0.0.1');
  link.on('error', () => undefined);
  await once(link, 'connect');
  link.write(`STREAM key=${API_KEY}&hostname=limits-${index}&machine_guid=${newGuid()}&update_every=1&ver=1 HTTP/1.1\r\n\r\n`);
  await once(link, 'data');
  const dims = Array.from({ length: dimsPerChart }, (_, d) => `DIMENSION dimension_${d} '' absolute 1 1\n`).join('');
  const sets = Array.from({ length: dimsPerChart }, (_, d) => `SET dimension_${d} = ${d}\n`).join('');
  let text = '';
  for (let c = 0; c < charts; c++) text += `CHART limits.chart_${c} '' 'Worst case' n limits limits.chart line ${1000 + c} 1\n${dims}`;
  for (let c = 0; c < charts; c++) text += `BEGIN limits.chart_${c}\n${sets}END\n`;
  // a line just under the limit, never ended: the parser carries it
  text += `VARIABLE ${'x'.repeat(DEFAULT_LIMITS.lineBytes - 20)}`;
  if (!link.write(text)) await once(link, 'drain');
  return link;
}

async function main(): Promise<void> {
  const parent: TestNode = await startNode({
    hostname: 'limits-parent', plugin: false, history: HISTORY_ENTRIES,
    receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = save\n\tdefault history = ${HISTORY_ENTRIES}\n` +
      '\thealth enabled by default = no\n',
    extraConf: '[global]\n\tsave every seconds = 0\n',
  });
  const links: net.Socket[] = [];
  try {
    await sleep(2000);
    const baseline = rssBytes(parent.child.pid!);
    const perHost = DEFAULT_LIMITS.dimensions / HOSTS;
    const charts = DIMENSIONS_PER_CHART === null ? Math.ceil(DEFAULT_LIMITS.charts / HOSTS) : Math.ceil(perHost / DIMENSIONS_PER_CHART);
    const dimsPerChart = DIMENSIONS_PER_CHART ?? Math.max(1, Math.ceil(perHost / charts));
    for (let i = 0; i < HOSTS; i++) links.push(await child(parent.port, i, charts, dimsPerChart));
    await parent.waitFor(/have the most dimensions allowed/, 300_000);
    let rss = rssBytes(parent.child.pid!);
    for (let stable = 0; stable < 5;) {
      await sleep(1000);
      const now = rssBytes(parent.child.pid!);
      stable = Math.abs(now - rss) < rss / 100 ? stable + 1 : 0;
      rss = now;
    }
    const open = links.filter((l) => !l.destroyed).length;
    const out = parent.output();
    console.log(`limits: ${HOSTS} hosts (${open} links open), ${charts} charts x ${dimsPerChart} dimensions offered by each, ` +
      `history ${HISTORY_ENTRIES}`);
    console.log(`limits: defaults ${DEFAULT_LIMITS.charts} charts, ${DEFAULT_LIMITS.dimensions} dimensions of all hosts, ` +
      `${DEFAULT_LIMITS.hosts} hosts, ${DEFAULT_LIMITS.lineBytes}-byte lines`);
    console.log(`limits: refusals logged: charts ${/have the most charts allowed/.test(out)}, dimensions ${/have the most dimensions allowed/.test(out)}`);
    console.log(`limits: RSS at start ${mib(baseline)}, filled ${mib(rss)}; documented worst case ${mib(documentedWorstCase(HISTORY_ENTRIES, HOSTS))}`);
  } finally {
    for (const l of links) l.destroy();
    parent.kill();
    await parent.exited;
    rmSync(parent.dir, { recursive: true, force: true });
  }
}

await main();
