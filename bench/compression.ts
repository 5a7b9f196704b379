/**
 * Compression on a stream link (reference §11, netdata 1.37's lz4): bytes on the wire per value
 * and CPU per value, for none and lz4, on two feeds: a real netdata 1.37 child's stream (the lz4
 * capture, decoded) and a generated 100 charts x 10 dimensions (counters and gauges from a
 * seeded random walk, one iteration a second).
 *   1. The codec in this process: each feed encoded as the sender does (one write per second,
 *      cut into frames of at most 16 KiB at newlines), linked blocks (1.37's dictionary) and
 *      standalone ones; µs per value to encode and to decode. The capture's own bytes are
 *      netdata 1.37's lz4 of that feed.
 *   2. A parent process fed the generated feed flat out over 127.0.0.1 by a raw child, plain and
 *      as lz4 frames (encoded before the clock starts): its CPU per value, Tributary next to
 *      netdata 1.37, the best of alternating none / lz4 runs. The issue's target: lz4 within
 *      1.3x of none.
 *   3. Senders: a Tributary child and a netdata 1.37 child streaming the generated feed from the
 *      same plugin at 1 s, through a byte-counting relay, lz4 on and off: the wire bytes per value
 *      and the child's CPU per value.
 *
 * Run: npx tsc -p . && node dist/bench/compression.js
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lz4FrameDecoder, Lz4FrameEncoder } from '../src/streaming/transport-lz4.js';
import { API_KEY, killAll, startNode } from '../test/streaming/nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from '../test/streaming/netdata.js';
import { cpuSecs, onNetdataParent, onTributaryParent } from './parents.js';

const CHARTS = 100;
const DIMENSIONS = 10;
const VALUES_PER_ITERATION = CHARTS * DIMENSIONS;
const CODEC_SECONDS = 300;
/** Each feed is coded at least this many times and for at least CODEC_MIN_MS; the best run counts. */
const CODEC_REPEATS = 5;
const CODEC_MIN_MS = 500;
const FLAT_OUT_ITERATIONS = 3000;
const FLAT_OUT_BATCH = 50;
const PARENT_ROUNDS = 4;
const SENDER_SECS = 30;
const SENDER_WARMUP_SECS = 5;
/** VCAPS HLABELS CLAIM CLABELS, with COMPRESSION or without; no REPLICATION, so no replay conversation. */
const VER_PLAIN = (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9);
const VER_LZ4 = VER_PLAIN | (1 << 10);

const NETDATA_PLUGINS = ['/usr/libexec/netdata/plugins.d', '/usr/lib/netdata/plugins.d'].find((d) => existsSync(join(d, 'system-info.sh'))) ?? '';
const CAPTURE = fileURLToPath(new URL('../../test/fixtures/captures/netdata-1.37-lz4.child-to-parent.bin', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the feeds ---------------------------------------------------------------------------------

function definitions(): string {
  let text = '';
  for (let c = 0; c < CHARTS; c++) {
    text += `CHART "gen.c${c}" "" "Generated ${c}" "things" "gen" "gen.c" "line" ${1000 + c} 1 "   " "gen.plugin" ""\n`;
    for (let d = 0; d < DIMENSIONS; d++) text += `DIMENSION "dim${d}" "" "${d < 5 ? 'incremental' : 'absolute'}" 1 1 "  "\n`;
  }
  return text;
}

/** Counters (dims 0-4) grow by a random step; gauges (5-9) wander around their level. */
class Feed {
  #x = 2463534242;
  readonly #values = Array.from({ length: VALUES_PER_ITERATION }, (_, i) => (i % DIMENSIONS < 5 ? 1_000_000 * (i % 7) : 500 + i));

  #random(n: number): number {
    this.#x ^= this.#x << 13; this.#x ^= this.#x >>> 17; this.#x ^= this.#x << 5;
    return (this.#x >>> 0) % n;
  }

  iteration(microseconds: number): string {
    let text = '';
    for (let c = 0; c < CHARTS; c++) {
      text += `BEGIN "gen.c${c}" ${microseconds}\n`;
      for (let d = 0; d < DIMENSIONS; d++) {
        const i = c * DIMENSIONS + d;
        this.#values[i] = d < 5 ? this.#values[i]! + this.#random(5000) : Math.max(0, this.#values[i]! + this.#random(41) - 20);
        text += `SET "dim${d}" = ${this.#values[i]}\n`;
      }
      text += 'END\n';
    }
    return text;
  }
}

/** The capture after its request: netdata 1.37's lz4 frames, and the text they decode to. */
function captureFeed(): { wire: Buffer; text: Buffer } {
  const bytes = readFileSync(CAPTURE);
  const wire = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
  const parts: Buffer[] = [];
  const decoder = new Lz4FrameDecoder((b) => parts.push(b));
  decoder.push(wire);
  decoder.end();
  return { wire, text: Buffer.concat(parts) };
}

function countValues(text: Buffer): number {
  return (text.toString('latin1').match(/^R?SET /gm) ?? []).length;
}

// ---- 1. the codec ------------------------------------------------------------------------------

interface CodecFigures { wireBytes: number; encodeUsPerValue: number; decodeUsPerValue: number }

function cpuUs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return t.user + t.system;
}

/** Encodes `writes` as one connection's stream; the best run (the code is warm by then). */
function codec(writes: Buffer[], values: number, linked: boolean): CodecFigures {
  let best: CodecFigures | null = null;
  const until = performance.now() + CODEC_MIN_MS;
  for (let r = 0; r < CODEC_REPEATS || performance.now() < until; r++) {
    const encoder = new Lz4FrameEncoder({ linked });
    let wire: Buffer[] = [];
    const encodeUs = cpuUs(() => { wire = writes.map((w) => encoder.encode(w)); });
    const stream = Buffer.concat(wire);
    let plain = 0;
    const decoder = new Lz4FrameDecoder((b) => { plain += b.length; });
    const decodeUs = cpuUs(() => {
      for (let i = 0; i < stream.length; i += 65536) decoder.push(stream.subarray(i, i + 65536));
    });
    if (plain !== writes.reduce((n, w) => n + w.length, 0)) throw new Error('the round trip lost bytes');
    const f = { wireBytes: stream.length, encodeUsPerValue: encodeUs / values, decodeUsPerValue: decodeUs / values };
    if (!best || f.encodeUsPerValue + f.decodeUsPerValue < best.encodeUsPerValue + best.decodeUsPerValue) best = f;
  }
  return best!;
}

function codecPart(): void {
  const capture = captureFeed();
  const feed = new Feed();
  const generated = [Buffer.from(definitions() + feed.iteration(0))];
  for (let s = 1; s < CODEC_SECONDS; s++) generated.push(Buffer.from(feed.iteration(1_000_000)));
  // the capture as the sender queued it: one write per line group (1.37 commits per chart)
  const captureWrites = capture.text.toString('latin1').split(/(?<=\nEND\n|\nREND [^\n]*\n|\nOVERWRITE labels\n)/).map((t) => Buffer.from(t, 'latin1'));
  const feeds: Array<[string, Buffer[], number, Buffer | null]> = [
    [`generated ${CHARTS}x${DIMENSIONS}, ${CODEC_SECONDS} s`, generated, CODEC_SECONDS * VALUES_PER_ITERATION, null],
    ['1.37 child capture', captureWrites, countValues(capture.text), capture.wire],
  ];
  console.log(`\n1. codec in this process (best run over ${CODEC_MIN_MS} ms): bytes on the wire per value, µs of CPU per value`);
  console.log(`${'feed'.padEnd(28)}${'plain B/v'.padStart(10)}${'nd lz4 B/v'.padStart(11)}${'lz4 B/v'.padStart(9)}${'ratio'.padStart(7)}` +
    `${'enc µs/v'.padStart(10)}${'dec µs/v'.padStart(10)}${'alone B/v'.padStart(11)}${'enc µs/v'.padStart(10)}${'dec µs/v'.padStart(10)}`);
  for (const [name, writes, values, netdataWire] of feeds) {
    const plain = writes.reduce((n, w) => n + w.length, 0);
    const linked = codec(writes, values, true);
    const alone = codec(writes, values, false);
    console.log(`${name.padEnd(28)}${fmt(plain / values, 2).padStart(10)}${(netdataWire ? fmt(netdataWire.length / values, 2) : '-').padStart(11)}` +
      `${fmt(linked.wireBytes / values, 2).padStart(9)}${fmt(plain / linked.wireBytes, 2).padStart(7)}` +
      `${fmt(linked.encodeUsPerValue, 3).padStart(10)}${fmt(linked.decodeUsPerValue, 3).padStart(10)}` +
      `${fmt(alone.wireBytes / values, 2).padStart(11)}${fmt(alone.encodeUsPerValue, 3).padStart(10)}${fmt(alone.decodeUsPerValue, 3).padStart(10)}`);
  }
  console.log('(lz4 = linked blocks, one lz4 stream per connection as 1.37; alone = every block standalone; nd lz4 = the capture\'s own bytes)');
}

// ---- measuring a process -----------------------------------------------------------------------


/** Waits until the process uses less than 2% of a CPU over 300 ms; returns its CPU seconds then. */
async function untilIdle(pid: number): Promise<number> {
  let last = cpuSecs(pid);
  for (;;) {
    await sleep(300);
    const now = cpuSecs(pid);
    if (now - last < 0.006) return now;
    last = now;
  }
}

function write(socket: net.Socket, bytes: Buffer): Promise<void> {
  return socket.write(bytes) ? Promise.resolve() : once(socket, 'drain').then(() => undefined);
}

// ---- 2. a parent fed flat out ------------------------------------------------------------------

/** The whole flat-out stream, plain, and as one connection's lz4 frames, in writes of FLAT_OUT_BATCH iterations. */
function flatOutFeed(): { plain: Buffer[]; lz4: Buffer[] } {
  const feed = new Feed();
  const plain = [Buffer.from(definitions() + feed.iteration(0))];
  for (let b = 0; b < FLAT_OUT_ITERATIONS; b += FLAT_OUT_BATCH) {
    let text = '';
    for (let k = 0; k < FLAT_OUT_BATCH; k++) text += feed.iteration(1_000_000);
    plain.push(Buffer.from(text));
  }
  const encoder = new Lz4FrameEncoder();
  return { plain, lz4: plain.map((p) => encoder.encode(p)) };
}

/** One raw child's stream into the parent at `port`; returns the parent's CPU seconds for it. */
async function feedParent(pid: number, port: number, hostname: string, version: number, writes: Buffer[]): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  socket.write(`STREAM key=${API_KEY}&hostname=${hostname}&registry_hostname=${hostname}&machine_guid=${randomUUID()}` +
    `&update_every=1&os=linux&timezone=UTC&ver=${version} HTTP/1.1\r\nUser-Agent: bench/1\r\nAccept: */*\r\n\r\n`);
  const [reply] = await once(socket, 'data') as [Buffer];
  const bits = Number(/version=(\d+)/.exec(reply.toString())?.[1]);
  if ((bits & (1 << 10)) !== (version & (1 << 10))) throw new Error(`${hostname}: parent replied ${JSON.stringify(reply.toString())}`);
  await write(socket, writes[0]!);
  await sleep(1000);
  const cpu0 = await untilIdle(pid);
  for (const w of writes.slice(1)) await write(socket, w);
  const cpu1 = await untilIdle(pid);
  socket.destroy();
  return cpu1 - cpu0;
}

interface ParentFigures { noneUsPerValue: number; lz4UsPerValue: number }

async function measureParent(pid: number, port: number, label: string): Promise<ParentFigures> {
  const feed = flatOutFeed();
  const values = FLAT_OUT_ITERATIONS * VALUES_PER_ITERATION;
  const none: number[] = [];
  const lz4: number[] = [];
  for (let r = 0; r < PARENT_ROUNDS; r++) {
    none.push(await feedParent(pid, port, `${label}-none-${r}`, VER_PLAIN, feed.plain));
    lz4.push(await feedParent(pid, port, `${label}-lz4-${r}`, VER_LZ4, feed.lz4));
  }
  // the CPUs are shared: the least disturbed run of each says what the work costs
  return { noneUsPerValue: (Math.min(...none) / values) * 1e6, lz4UsPerValue: (Math.min(...lz4) / values) * 1e6 };
}

function tributaryParent(): Promise<ParentFigures> {
  return onTributaryParent('bench-lz4-parent', (pid, port) => measureParent(pid, port, 'trib'));
}

function netdataParent(): Promise<ParentFigures | string> {
  return onNetdataParent('nd-lz4-bench-parent', (pid, port) => measureParent(pid, port, 'nd'));
}

// ---- 3. senders through a counting relay -------------------------------------------------------

/** The feed as a plugin (a node script): the definitions, then one iteration a second with its real µs. */
function feedPlugin(dir: string): string {
  const path = join(dir, 'gen.plugin');
  writeFileSync(path, `#!/usr/bin/env node
const CHARTS = ${CHARTS}, DIMENSIONS = ${DIMENSIONS}, VALUES_PER_ITERATION = ${VALUES_PER_ITERATION};
${Feed.toString()}
const feed = new Feed();
process.stdout.write(${JSON.stringify(definitions())});
let last = 0;
setInterval(() => {
  const now = Date.now();
  process.stdout.write(feed.iteration(last ? (now - last) * 1000 : 0));
  last = now;
}, 1000);
process.stdout.on('error', () => process.exit(0));
`);
  chmodSync(path, 0o755);
  return path;
}

/** A relay on 127.0.0.1 to `target`, counting the child's bytes. */
async function relay(target: number): Promise<{ port: number; bytes: () => number; close: () => void }> {
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    sockets.add(inbound); sockets.add(outbound);
    inbound.on('data', (d) => { bytes += d.length; });
    inbound.pipe(outbound).pipe(inbound);
    for (const s of [inbound, outbound]) s.on('error', () => { inbound.destroy(); outbound.destroy(); });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    bytes: () => bytes,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

interface SenderFigures { bytesPerValue: number; cpuUsPerValue: number }

/** Streams the plugin's feed from `start(relayPort)`'s child for SENDER_SECS; returns its figures. */
async function measureSender(parentPort: number, start: (relayPort: number) => Promise<{ pid: number; stop: () => Promise<void> }>): Promise<SenderFigures> {
  const r = await relay(parentPort);
  const child = await start(r.port);
  try {
    await sleep(SENDER_WARMUP_SECS * 1000);
    const bytes0 = r.bytes();
    const cpu0 = cpuSecs(child.pid);
    await sleep(SENDER_SECS * 1000);
    const values = SENDER_SECS * VALUES_PER_ITERATION;
    return { bytesPerValue: (r.bytes() - bytes0) / values, cpuUsPerValue: ((cpuSecs(child.pid) - cpu0) / values) * 1e6 };
  } finally {
    await child.stop();
    r.close();
  }
}

async function senderPart(): Promise<Map<string, SenderFigures | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-lz4-'));
  const plugin = feedPlugin(dir);
  const parent = await startNode({ hostname: 'bench-lz4-sink', plugin: false });
  const results = new Map<string, SenderFigures | string>();
  try {
    for (const compression of ['yes', 'no']) {
      results.set(`tributary child, lz4 ${compression === 'yes' ? 'on' : 'off'}`, await measureSender(parent.port, async (port) => {
        const pluginsDir = mkdtempSync(join(dir, 'plugins-'));
        writeFileSync(join(pluginsDir, 'gen.plugin'), readFileSync(plugin));
        chmodSync(join(pluginsDir, 'gen.plugin'), 0o755);
        const node = await startNode({
          hostname: `bench-lz4-t-${compression}`, web: false, pluginsDir,
          sendTo: { destination: `127.0.0.1:${port}`, extra: `\tenable compression = ${compression}\n` },
        });
        return { pid: node.child.pid!, stop: () => node.stop() };
      }));
      const missing = netdataMissing();
      if (missing) { results.set(`netdata child, lz4 ${compression}`, missing); continue; }
      results.set(`netdata 1.37 child, lz4 ${compression === 'yes' ? 'on' : 'off'}`, await measureSender(parent.port, async (port) => {
        const nd = startNetdata({
          hostname: `bench-lz4-nd-${compression}`, port: 0, alsoOff: ['proc'],
          // the plugin's directory after netdata's own (its system-info.sh, reference §9); the later key wins
          extraConf: `[directories]\n\tplugins = "${NETDATA_PLUGINS}" "${dir}"\n[plugins]\n\tgen = yes\n`,
          streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${port}\n\tapi key = ${API_KEY}\n\tenable compression = ${compression}\n`,
        });
        return { pid: nd.child.pid!, stop: () => nd.stop() };
      }));
    }
  } finally {
    parent.kill();
  }
  return results;
}

// ---- report ------------------------------------------------------------------------------------

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  codecPart();

  console.log(`\n2. parent CPU per value, a raw child flat out: ${FLAT_OUT_ITERATIONS} iterations of ${CHARTS}x${DIMENSIONS}, best of ${PARENT_ROUNDS} alternating runs`);
  console.log(`${'parent'.padEnd(16)}${'none µs/v'.padStart(11)}${'lz4 µs/v'.padStart(11)}${'lz4/none'.padStart(10)}${'none v/CPU-s'.padStart(14)}${'lz4 v/CPU-s'.padStart(14)}`);
  const parents: Array<[string, ParentFigures | string]> = [['tributary', await tributaryParent()], ['netdata 1.37', await netdataParent()]];
  for (const [name, f] of parents) {
    if (typeof f === 'string') { console.log(`${name.padEnd(16)}skipped: ${f}`); continue; }
    console.log(`${name.padEnd(16)}${fmt(f.noneUsPerValue, 3).padStart(11)}${fmt(f.lz4UsPerValue, 3).padStart(11)}` +
      `${fmt(f.lz4UsPerValue / f.noneUsPerValue, 2).padStart(10)}${fmt(1e6 / f.noneUsPerValue).padStart(14)}${fmt(1e6 / f.lz4UsPerValue).padStart(14)}`);
  }

  console.log(`\n3. senders: the generated feed from a plugin at 1 s for ${SENDER_SECS} s, through a counting relay`);
  console.log(`${'sender'.padEnd(30)}${'wire B/v'.padStart(10)}${'off/on'.padStart(8)}${'CPU µs/v'.padStart(10)}`);
  const senders = await senderPart();
  for (const [name, f] of senders) {
    if (typeof f === 'string') { console.log(`${name.padEnd(30)}skipped: ${f}`); continue; }
    const off = senders.get(name.replace('lz4 on', 'lz4 off'));
    const ratio = name.endsWith('lz4 on') && off && typeof off !== 'string' ? fmt(off.bytesPerValue / f.bytesPerValue, 2) : '';
    console.log(`${name.padEnd(30)}${fmt(f.bytesPerValue, 2).padStart(10)}${ratio.padStart(8)}${fmt(f.cpuUsPerValue, 3).padStart(10)}`);
  }
  console.log('(per value of the plugin\'s feed; each agent\'s own charts ride along, more of them on netdata. A sender\'s CPU\n' +
    'includes reading its plugin and its database, at 10 ms ticks; part 1 has the codec\'s own cost)');
}

main().then(
  async () => { killAll(); await stopAllNetdata(); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
