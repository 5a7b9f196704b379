/**
 * What fan-out costs a proxy: a Tributary proxy (memory mode none) takes 10 simulated children x
 * 100 charts x 10 dimensions at 1 s and re-streams every host to 1, 2 and 4 parents at once
 * (`proxy destination` + `proxy also send to`); then to 2 parents of which one stops reading
 * after its handshake (a stalled parent). The parents are sinks in this process that answer the
 * version-1 prompt and count what arrives. For each run: the proxy's CPU per million values
 * received, its RSS growth, and the bytes each parent got (every link carries the same stream;
 * the stalled one's bytes stop where the kernel's buffers filled).
 *
 * Run: npx tsc -p . && node dist/bench/fan-out.js
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PROMPT_V1 } from '../src/streaming/index.js';
import { API_KEY, killAll, startNode } from '../test/streaming/nodes.js';
import { cpuSecs } from './parents.js';
import { connectFeed } from './stream-feed.js';

const CHILDREN = 10;
const CHARTS = 100;
const DIMENSIONS = 10;
const SECONDS_STEADY = 15;
const WARMUP_SECS = 3;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A parent that answers every STREAM request with the version-1 prompt and counts the bytes after it. */
interface Sink {
  port: number;
  bytes: number;
  connections: number;
  close(): void;
}

async function sink(stalled: boolean): Promise<Sink> {
  const sockets = new Set<net.Socket>();
  const s: Sink = { port: 0, bytes: 0, connections: 0, close: () => { for (const k of sockets) k.destroy(); server.close(); } };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    s.connections++;
    let head = '';
    let answered = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (answered) { s.bytes += chunk.length; return; }
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      answered = true;
      socket.write(PROMPT_V1);
      // a stalled parent reads nothing more: the proxy's writes pile up in the kernel, then in its buffer
      if (stalled) socket.pause();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  s.port = (server.address() as net.AddressInfo).port;
  return s;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

interface Run {
  label: string;
  cpuMsPerMillionValues: number;
  rssGrowthMb: number;
  sinkMb: number[];
  sinkConnections: number[];
}

async function run(label: string, parents: number, stalledLast: boolean): Promise<Run> {
  const sinks = await Promise.all(Array.from({ length: parents }, (_, k) => sink(stalledLast && k === parents - 1)));
  const [first, ...also] = sinks.map((s) => `127.0.0.1:${s.port}`);
  const proxy = await startNode({
    hostname: `bench-fanout-${parents}`, memoryMode: 'none', plugin: false,
    receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = ${first}\n` +
      (also.length ? `\tdefault proxy also send to = ${also.join(' ')}\n` : '') + `\tdefault proxy api key = ${API_KEY}\n`,
  });
  try {
    const pid = proxy.child.pid!;
    await sleep(1000);
    const rss0 = rssMb(pid);
    const start = await connectFeed(proxy.port, `fo${parents}-child`, { hosts: CHILDREN, charts: CHARTS, dimensions: DIMENSIONS });
    const feed = start(1);
    await sleep(WARMUP_SECS * 1000);
    const cpu0 = cpuSecs(pid);
    const sent0 = feed.values();
    await sleep(SECONDS_STEADY * 1000);
    const cpu1 = cpuSecs(pid);
    const sent = feed.values() - sent0;
    await sleep(500);
    const result = {
      label,
      cpuMsPerMillionValues: ((cpu1 - cpu0) * 1000) / (sent / 1e6),
      rssGrowthMb: rssMb(pid) - rss0,
      sinkMb: sinks.map((s) => s.bytes / 1e6),
      sinkConnections: sinks.map((s) => s.connections),
    };
    await feed.stop();
    return result;
  } finally {
    proxy.kill();
    for (const s of sinks) s.close();
  }
}

async function main(): Promise<void> {
  console.log(`fan-out: a proxy (memory mode none) re-streams ${CHILDREN} children x ${CHARTS} charts x ${DIMENSIONS} dims at 1 s ` +
    `for ${SECONDS_STEADY} s to N parents (version-1 links, no compression); proxy process only`);
  const runs = [
    await run('1 parent', 1, false),
    await run('2 parents', 2, false),
    await run('4 parents', 4, false),
    await run('2 parents, 1 stalled', 2, true),
  ];
  console.log(`\n${'run'.padEnd(24)}${'CPU ms / M values'.padStart(19)}${'RSS growth MB'.padStart(15)}  MB each parent got (connections)`);
  for (const r of runs) {
    const got = r.sinkMb.map((m, k) => `${m.toFixed(2)} (${r.sinkConnections[k]})`).join(' / ');
    console.log(`${r.label.padEnd(24)}${r.cpuMsPerMillionValues.toFixed(0).padStart(19)}${r.rssGrowthMb.toFixed(1).padStart(15)}  ${got}`);
  }
}

main().then(
  () => { killAll(); process.exit(0); },
  (err: unknown) => { console.error(err); killAll(); process.exit(1); },
);
