/**
 * Compression on a stream link (reference §11: netdata 1.37's lz4, 1.44's zstd, gzip, brotli):
 * bytes on the wire per value and CPU per value, on two feeds: a real netdata 1.37 child's stream
 * (the lz4 capture, decoded) and a generated 100 charts x 10 dimensions (counters and gauges from
 * a seeded random walk, one iteration a second).
 *   1. The codecs in this process: each feed encoded as a sender does (one write per second, cut
 *      into frames at newlines), one stream per connection: lz4 (linked blocks, 1.37's
 *      dictionary, and standalone ones), zstd at several levels, and gzip and brotli as netdata
 *      1.44 runs them (one deflate / brotli stream, flushed per chunk; here through node:zlib's
 *      streams, which is how this agent could run them); µs per value to encode and to decode.
 *      The capture's own bytes are netdata 1.37's lz4 of that feed. The issue's target: zstd at
 *      least 5x smaller than plain text.
 *   2. A parent process fed the generated feed flat out over 127.0.0.1 by a raw child, plain, as
 *      lz4 and as zstd frames (encoded before the clock starts): its CPU per value, Tributary
 *      next to netdata 1.37 (which has no zstd), the best of alternating runs. The target: a
 *      compressed parent within 1.3x of an uncompressed one.
 *   3. Senders: a Tributary child (zstd, lz4, off) and a netdata 1.37 child (lz4, off) streaming
 *      the generated feed from the same plugin at 1 s, through a byte-counting relay: the wire
 *      bytes per value and the child's CPU per value.
 *   4. What zstd costs in memory: a fresh node process's RSS before and after loading zstd-napi,
 *      and per link (an encoder and a decoder that carried the feed), next to lz4's.
 *   5. A real netdata 1.37 child with its own collectors (proc and the rest its test setup keeps
 *      on) streaming plain text into a Tributary parent for RECORD_SECS through a relay that
 *      records it, after its connect burst of definitions; the recorded steady stream is then
 *      coded as in part 1. The capture of part 1 is its first seconds only, mostly definitions.
 *
 * Run: npx tsc -p . && node dist/bench/compression.js [part...]   (e.g. `2 4`; all parts by default)
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { DEFAULT_COMPRESSION_LEVELS } from '../src/config/stream.js';
import type { InboundTransport, OutboundTransport } from '../src/streaming/transport.js';
import { Lz4FrameDecoder, Lz4FrameEncoder } from '../src/streaming/transport-lz4.js';
import { ZSTD_MAX_TEXT_BYTES, ZstdFrameDecoder, ZstdFrameEncoder } from '../src/streaming/transport-zstd.js';
import { zstdMissing } from '../src/streaming/zstd-binding.js';
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
/** VCAPS HLABELS CLAIM CLABELS, with COMPRESSION or ZSTD or neither; no REPLICATION, so no replay conversation. */
const VER_PLAIN = (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9);
const COMPRESSION_BITS = (1 << 10) | (1 << 19);
const VER_LZ4 = VER_PLAIN | (1 << 10);
const VER_ZSTD = VER_PLAIN | (1 << 19);
/** The zstd levels part 1 measures (netdata 1.44's default is 3). */
const ZSTD_LEVELS = [1, 2, 3, 5, 9];
/** `[stream] zstd compression level` by default: what parts 2 to 4 run. */
const ZSTD_LEVEL = DEFAULT_COMPRESSION_LEVELS.zstd;
/** netdata 1.44's default gzip and brotli levels. */
const GZIP_LEVEL = 1;
const BROTLI_LEVEL = 3;
/** The issue's targets. */
const TARGET_ZSTD_RATIO = 5;
const TARGET_PARENT_CPU_RATIO = 1.3;
/** Links part 4 opens in one process to see what each costs. */
const MEMORY_LINKS = 50;
const ZSTD_MISSING = zstdMissing();
/** How long part 5 records a real 1.37 child's steady stream, after RECORD_WARMUP_SECS. */
const RECORD_SECS = 60;
const RECORD_WARMUP_SECS = 15;
/** The parts asked for on the command line (all when none). */
const PARTS = new Set(process.argv.slice(2).map(Number));
const part = (n: number): boolean => PARTS.size === 0 || PARTS.has(n);

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

// ---- 1. the codecs -----------------------------------------------------------------------------

interface CodecFigures { wireBytes: number; encodeUsPerValue: number; decodeUsPerValue: number }

function cpuUs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return t.user + t.system;
}

/** A codec of this agent: one connection's encoder and decoder. */
interface SyncCodec { encoder: () => OutboundTransport; decoder: (sink: (b: Buffer) => void) => InboundTransport }

/** Encodes `writes` as one connection's stream; the best run (the code is warm by then). */
function codec(writes: Buffer[], values: number, c: SyncCodec): CodecFigures {
  let best: CodecFigures | null = null;
  const until = performance.now() + CODEC_MIN_MS;
  for (let r = 0; r < CODEC_REPEATS || performance.now() < until; r++) {
    const encoder = c.encoder();
    let wire: Buffer[] = [];
    const encodeUs = cpuUs(() => { wire = writes.map((w) => encoder.encode(w)); });
    const stream = Buffer.concat(wire);
    const parts: Buffer[] = [];
    const decoder = c.decoder((b) => { parts.push(b); });
    const decodeUs = cpuUs(() => {
      for (let i = 0; i < stream.length; i += 65536) decoder.push(stream.subarray(i, i + 65536));
    });
    if (!Buffer.concat(parts).equals(Buffer.concat(writes))) throw new Error('the round trip changed the text');
    const f = { wireBytes: stream.length, encodeUsPerValue: encodeUs / values, decodeUsPerValue: decodeUs / values };
    if (!best || f.encodeUsPerValue + f.decodeUsPerValue < best.encodeUsPerValue + best.decodeUsPerValue) best = f;
  }
  return best!;
}

/** The chunks a sender cuts `write` into (at most `maxBytes`, at the last newline that fits). */
function chunksOf(write: Buffer, maxBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < write.length;) {
    let end = write.length;
    if (end - pos > maxBytes) {
      const newline = write.lastIndexOf(0x0a, pos + maxBytes - 1);
      end = newline > pos ? newline + 1 : pos + maxBytes;
    }
    chunks.push(write.subarray(pos, end));
    pos = end;
  }
  return chunks;
}

/** Writes `chunk` and flushes it through a node:zlib stream; resolves with what came out. */
function flushThrough(stream: zlib.Gzip | zlib.BrotliCompress, chunk: Buffer, kind: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (b: Buffer): void => { out.push(b); };
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(chunk);
    stream.flush(kind, () => { stream.off('data', onData); stream.off('error', reject); resolve(Buffer.concat(out)); });
  });
}

/** gzip or brotli as netdata 1.44 streams them, through node:zlib's (asynchronous) streams; the best run. */
async function zlibCodec(writes: Buffer[], values: number, kind: 'gzip' | 'brotli'): Promise<CodecFigures> {
  const chunks = writes.flatMap((w) => chunksOf(w, ZSTD_MAX_TEXT_BYTES));
  let best: CodecFigures | null = null;
  for (let r = 0; r < CODEC_REPEATS; r++) {
    const encoder = kind === 'gzip'
      ? zlib.createGzip({ level: GZIP_LEVEL, windowBits: 15 })
      : zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_LEVEL } });
    const flush = kind === 'gzip' ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.BROTLI_OPERATION_FLUSH;
    const t0 = process.cpuUsage();
    const blocks: Buffer[] = [];
    for (const chunk of chunks) blocks.push(await flushThrough(encoder, chunk, flush));
    const te = process.cpuUsage(t0);
    encoder.destroy();
    const decoder = kind === 'gzip' ? zlib.createGunzip() : zlib.createBrotliDecompress();
    let plain = 0;
    decoder.on('data', (b: Buffer) => { plain += b.length; });
    const t1 = process.cpuUsage();
    for (const block of blocks) await new Promise<void>((resolve) => { decoder.write(block, () => resolve()); });
    await new Promise<void>((resolve) => { decoder.flush(() => resolve()); });
    const td = process.cpuUsage(t1);
    decoder.destroy();
    if (plain !== chunks.reduce((n, c) => n + c.length, 0)) throw new Error(`${kind}: the round trip lost bytes`);
    // each block in netdata's 4-byte frame header
    const f = {
      wireBytes: blocks.reduce((n, b) => n + 4 + b.length, 0),
      encodeUsPerValue: (te.user + te.system) / values, decodeUsPerValue: (td.user + td.system) / values,
    };
    if (!best || f.encodeUsPerValue + f.decodeUsPerValue < best.encodeUsPerValue + best.decodeUsPerValue) best = f;
  }
  return best!;
}

/** The feeds of part 1: name, writes, values, and netdata 1.37's own lz4 bytes where there are. */
function codecFeeds(): Array<[string, Buffer[], number, Buffer | null]> {
  const capture = captureFeed();
  const feed = new Feed();
  const generated = [Buffer.from(definitions() + feed.iteration(0))];
  for (let s = 1; s < CODEC_SECONDS; s++) generated.push(Buffer.from(feed.iteration(1_000_000)));
  // the capture as the sender queued it: one write per line group (1.37 commits per chart)
  const captureWrites = capture.text.toString('latin1').split(/(?<=\nEND\n|\nREND [^\n]*\n|\nOVERWRITE labels\n)/).map((t) => Buffer.from(t, 'latin1'));
  return [
    [`generated ${CHARTS}x${DIMENSIONS}, ${CODEC_SECONDS} s`, generated, CODEC_SECONDS * VALUES_PER_ITERATION, null],
    ['1.37 child capture', captureWrites, countValues(capture.text), capture.wire],
  ];
}

/** Part 1; returns the generated feed's zstd ratio at the default level (null without zstd). */
async function codecPart(): Promise<number | null> {
  console.log(`\n1. codecs in this process (best run over ${CODEC_MIN_MS} ms): bytes on the wire per value, µs of CPU per value`);
  console.log(`${'feed'.padEnd(28)}${'codec'.padEnd(20)}${'B/v'.padStart(8)}${'ratio'.padStart(8)}${'enc µs/v'.padStart(10)}${'dec µs/v'.padStart(10)}`);
  let zstdRatio: number | null = null;
  const lz4 = (linked: boolean): SyncCodec => ({ encoder: () => new Lz4FrameEncoder({ linked }), decoder: (sink) => new Lz4FrameDecoder(sink) });
  for (const [name, writes, values, netdataWire] of codecFeeds()) {
    const plain = writes.reduce((n, w) => n + w.length, 0);
    const row = (codecName: string, f: CodecFigures | null, wireBytes = f?.wireBytes ?? 0): void => {
      console.log(`${name.padEnd(28)}${codecName.padEnd(20)}${fmt(wireBytes / values, 2).padStart(8)}${fmt(plain / wireBytes, 2).padStart(8)}` +
        `${(f ? fmt(f.encodeUsPerValue, 3) : '-').padStart(10)}${(f ? fmt(f.decodeUsPerValue, 3) : '-').padStart(10)}`);
    };
    row('none', null, plain);
    if (netdataWire) row('netdata 1.37 lz4', null, netdataWire.length);
    row('lz4', codec(writes, values, lz4(true)));
    row('lz4 standalone', codec(writes, values, lz4(false)));
    if (ZSTD_MISSING) console.log(`${name.padEnd(28)}${'zstd'.padEnd(20)}skipped: ${ZSTD_MISSING}`);
    else {
      for (const level of ZSTD_LEVELS) {
        const f = codec(writes, values, { encoder: () => new ZstdFrameEncoder(level), decoder: (sink) => new ZstdFrameDecoder(sink) });
        row(`zstd ${level}${level === ZSTD_LEVEL ? ' (default)' : ''}`, f);
        if (level === ZSTD_LEVEL && netdataWire === null) zstdRatio = plain / f.wireBytes;
      }
    }
    row(`gzip ${GZIP_LEVEL} (node:zlib)`, await zlibCodec(writes, values, 'gzip'));
    row(`brotli ${BROTLI_LEVEL} (node:zlib)`, await zlibCodec(writes, values, 'brotli'));
  }
  console.log('(ratio = plain bytes / wire bytes, frame headers included; lz4 = one lz4 stream per connection as 1.37, standalone =\n' +
    'every block alone; gzip and brotli run on node:zlib\'s thread pool, their µs include its hand-offs)');
  if (zstdRatio !== null) {
    console.log(`target: zstd ${fmt(zstdRatio, 2)}x smaller than plain text on the generated feed (>= ${TARGET_ZSTD_RATIO}x): ${zstdRatio >= TARGET_ZSTD_RATIO ? 'met' : 'NOT met'}`);
  }
  return zstdRatio;
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

/** The whole flat-out stream, plain, and as one connection's lz4 and zstd frames, in writes of FLAT_OUT_BATCH iterations. */
function flatOutFeed(): { plain: Buffer[]; lz4: Buffer[]; zstd: Buffer[] | null } {
  const feed = new Feed();
  const plain = [Buffer.from(definitions() + feed.iteration(0))];
  for (let b = 0; b < FLAT_OUT_ITERATIONS; b += FLAT_OUT_BATCH) {
    let text = '';
    for (let k = 0; k < FLAT_OUT_BATCH; k++) text += feed.iteration(1_000_000);
    plain.push(Buffer.from(text));
  }
  const lz4 = new Lz4FrameEncoder();
  const zstd = ZSTD_MISSING ? null : new ZstdFrameEncoder(ZSTD_LEVEL);
  return { plain, lz4: plain.map((p) => lz4.encode(p)), zstd: zstd ? plain.map((p) => zstd.encode(p)) : null };
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
  if ((bits & COMPRESSION_BITS) !== (version & COMPRESSION_BITS)) throw new Error(`${hostname}: parent replied ${JSON.stringify(reply.toString())}`);
  await write(socket, writes[0]!);
  await sleep(1000);
  const cpu0 = await untilIdle(pid);
  for (const w of writes.slice(1)) await write(socket, w);
  const cpu1 = await untilIdle(pid);
  socket.destroy();
  return cpu1 - cpu0;
}

/** µs of the parent's CPU per value, per link kind; null where the parent has no such link. */
interface ParentFigures { noneUsPerValue: number; lz4UsPerValue: number; zstdUsPerValue: number | null }

async function measureParent(pid: number, port: number, label: string, withZstd: boolean): Promise<ParentFigures> {
  const feed = flatOutFeed();
  const values = FLAT_OUT_ITERATIONS * VALUES_PER_ITERATION;
  const none: number[] = [];
  const lz4: number[] = [];
  const zstd: number[] = [];
  for (let r = 0; r < PARENT_ROUNDS; r++) {
    none.push(await feedParent(pid, port, `${label}-none-${r}`, VER_PLAIN, feed.plain));
    lz4.push(await feedParent(pid, port, `${label}-lz4-${r}`, VER_LZ4, feed.lz4));
    if (withZstd && feed.zstd) zstd.push(await feedParent(pid, port, `${label}-zstd-${r}`, VER_ZSTD, feed.zstd));
  }
  // the CPUs are shared: the least disturbed run of each says what the work costs
  const usPerValue = (runs: number[]): number => (Math.min(...runs) / values) * 1e6;
  return { noneUsPerValue: usPerValue(none), lz4UsPerValue: usPerValue(lz4), zstdUsPerValue: zstd.length ? usPerValue(zstd) : null };
}

function tributaryParent(): Promise<ParentFigures> {
  return onTributaryParent('bench-lz4-parent', (pid, port) => measureParent(pid, port, 'trib', true));
}

function netdataParent(): Promise<ParentFigures | string> {
  // netdata 1.37 has no zstd: it would answer a ZSTD child with lz4 or nothing
  return onNetdataParent('nd-lz4-bench-parent', (pid, port) => measureParent(pid, port, 'nd', false));
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

/** A relay on 127.0.0.1 to `target`, counting the child's bytes (and keeping them in `record` when given). */
async function relay(target: number, record?: Buffer[]): Promise<{ port: number; bytes: () => number; close: () => void }> {
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    sockets.add(inbound); sockets.add(outbound);
    inbound.on('data', (d) => { bytes += d.length; record?.push(d); });
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

/** A Tributary child of the plugin's feed, through the relay at `port`, with `[stream]` lines `extra`. */
function tributaryChild(dir: string, plugin: string, name: string, extra: string): (port: number) => Promise<{ pid: number; stop: () => Promise<void> }> {
  return async (port) => {
    const pluginsDir = mkdtempSync(join(dir, 'plugins-'));
    writeFileSync(join(pluginsDir, 'gen.plugin'), readFileSync(plugin));
    chmodSync(join(pluginsDir, 'gen.plugin'), 0o755);
    const node = await startNode({ hostname: name, web: false, pluginsDir, sendTo: { destination: `127.0.0.1:${port}`, extra } });
    return { pid: node.child.pid!, stop: () => node.stop() };
  };
}

async function senderPart(): Promise<Map<string, SenderFigures | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-lz4-'));
  const plugin = feedPlugin(dir);
  // a Tributary parent picks zstd where both have it; the other one prefers lz4
  const parent = await startNode({ hostname: 'bench-lz4-sink', plugin: false });
  const lz4Parent = await startNode({
    hostname: 'bench-lz4-sink-lz4', plugin: false, receive: `[${API_KEY}]\n\tenabled = yes\n\tcompression algorithms order = lz4\n`,
  });
  const results = new Map<string, SenderFigures | string>();
  try {
    if (ZSTD_MISSING) results.set('tributary child, zstd', ZSTD_MISSING);
    else results.set('tributary child, zstd', await measureSender(parent.port, tributaryChild(dir, plugin, 'bench-zstd-t', '')));
    results.set('tributary child, lz4', await measureSender(lz4Parent.port, tributaryChild(dir, plugin, 'bench-lz4-t', '')));
    results.set('tributary child, off', await measureSender(parent.port, tributaryChild(dir, plugin, 'bench-off-t', '\tenable compression = no\n')));
    for (const compression of ['yes', 'no']) {
      const name = `netdata 1.37 child, ${compression === 'yes' ? 'lz4' : 'off'}`;
      const missing = netdataMissing();
      if (missing) { results.set(name, missing); continue; }
      results.set(name, await measureSender(parent.port, async (port) => {
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
    lz4Parent.kill();
  }
  return results;
}

// ---- 4. what zstd costs in memory -------------------------------------------------------------

/**
 * A fresh node process: RSS at start, after loading zstd-napi, and after MEMORY_LINKS links
 * (an encoder and a decoder each, every one carrying 60 s of the generated feed), then the same
 * for lz4 in another fresh process. Prints one JSON line per codec.
 */
function memoryPart(): void {
  console.log('\n4. memory: RSS of a fresh process, loading the codec, and per link on each side');
  const script = join(mkdtempSync(join(tmpdir(), 'tributary-bench-mem-')), 'mem.mjs');
  const dist = fileURLToPath(new URL('../src/streaming/', import.meta.url));
  writeFileSync(script, `
const kind = process.argv[2];
const feed = Buffer.from(${JSON.stringify(new Feed().iteration(1_000_000))});
// enough text for every window to fill
const SECONDS = 30;
const N = ${MEMORY_LINKS};
const rss = () => process.memoryUsage().rss;
const buffers = () => process.memoryUsage().arrayBuffers;
// V8 frees dead buffers' memory on a thread of its own: collect, let it, collect again
const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 300)); globalThis.gc(); };
await settle();
const start = rss();
const m = await import(${JSON.stringify(dist)} + 'transport-' + kind + '.js');
const zstd = kind === 'zstd' ? (await import(${JSON.stringify(`${dist}zstd-binding.js`)})).zstdBinding() : null;
const encoder = () => zstd ? new m.ZstdFrameEncoder(${ZSTD_LEVEL}) : new m.Lz4FrameEncoder();
const decoder = () => zstd ? new m.ZstdFrameDecoder(() => {}) : new m.Lz4FrameDecoder(() => {});
const one = encoder();
const wire = Array.from({ length: SECONDS }, () => one.encode(feed));
await settle();
const loaded = rss();
// the JavaScript buffers each end keeps (exact: their ArrayBuffers)
const keep = [];
let b0 = buffers();
for (let i = 0; i < N; i++) { const e = encoder(); for (let s = 0; s < SECONDS; s++) e.encode(feed); keep.push(e); }
await settle();
const senderJs = (buffers() - b0) / N;
b0 = buffers();
for (let i = 0; i < N; i++) { const d = decoder(); for (const w of wire) d.push(w); keep.push(d); }
await settle();
const receiverJs = (buffers() - b0) / N;
// zstd's own state (native memory, only the RSS shows it): bare contexts fed into one shared buffer, no garbage
let senderNative = 0, receiverNative = 0;
if (zstd) {
  const out = Buffer.allocUnsafe(1 << 20);
  let r0 = rss();
  for (let i = 0; i < N; i++) {
    const c = new zstd.CCtx();
    c.setParameter(zstd.CParameter.compressionLevel, ${ZSTD_LEVEL});
    for (let s = 0; s < SECONDS; s++) c.compressStream2(out, feed, zstd.EndDirective.flush);
    keep.push(c);
  }
  senderNative = (rss() - r0) / N;
  const blocks = [];
  for (const w of wire) for (let p = 0; p < w.length;) { const n = (w[p + 1] & 0x7f) | ((w[p + 2] & 0x7f) << 7); blocks.push(w.subarray(p + 4, p + 4 + n)); p += 4 + n; }
  r0 = rss();
  for (let i = 0; i < N; i++) { const d = new zstd.DCtx(); for (const b of blocks) d.decompressStream(out, b); keep.push(d); }
  receiverNative = (rss() - r0) / N;
}
console.log(JSON.stringify({ startMiB: start / 1048576, libraryMiB: (loaded - start) / 1048576,
  senderKiB: (senderJs + senderNative) / 1024, receiverKiB: (receiverJs + receiverNative) / 1024 }));
`);
  console.log(`${'codec'.padEnd(8)}${'start MiB'.padStart(11)}${'library MiB'.padStart(13)}${'sender KiB'.padStart(12)}${'receiver KiB'.padStart(14)}`);
  for (const kind of ['lz4', 'zstd']) {
    if (kind === 'zstd' && ZSTD_MISSING) { console.log(`zstd    skipped: ${ZSTD_MISSING}`); continue; }
    const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', script, kind], {
      encoding: 'utf8',
      // glibc hands freed memory back at once, so the RSS is what the links keep, not the garbage they made
      env: { ...process.env, MALLOC_TRIM_THRESHOLD_: '0', MALLOC_TOP_PAD_: '0' },
    })) as
      { startMiB: number; libraryMiB: number; senderKiB: number; receiverKiB: number };
    console.log(`${kind.padEnd(8)}${fmt(r.startMiB, 1).padStart(11)}${fmt(r.libraryMiB, 1).padStart(13)}` +
      `${fmt(r.senderKiB, 0).padStart(12)}${fmt(r.receiverKiB, 0).padStart(14)}`);
  }
  console.log(`(library = RSS of the transport module and one link, for zstd with the native binding loaded; sender, receiver = per\n` +
    `link's encoder or decoder after 30 s of the feed: its buffers, and zstd's own state at level ${ZSTD_LEVEL} (RSS of ${MEMORY_LINKS} contexts))`);
}

// ---- report ------------------------------------------------------------------------------------

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  if (part(1)) await codecPart();
  if (part(2)) await parentPart();
  if (part(3)) await senderReport();
  if (part(4)) memoryPart();
  if (part(5)) await recordedPart();
}

// ---- 5. a real 1.37 child's steady stream -----------------------------------------------------

async function recordedPart(): Promise<void> {
  console.log(`\n5. a real netdata 1.37 child's own collectors, plain text recorded for ${RECORD_SECS} s after ${RECORD_WARMUP_SECS} s`);
  const missing = netdataMissing();
  if (missing) { console.log(`skipped: ${missing}`); return; }
  const parent = await startNode({ hostname: 'bench-record-sink', plugin: false });
  const recorded: Buffer[] = [];
  const r = await relay(parent.port, recorded);
  const nd = startNetdata({
    hostname: 'bench-record-nd', port: 0,
    streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${r.port}\n\tapi key = ${API_KEY}\n\tenable compression = no\n`,
  });
  try {
    await sleep(RECORD_WARMUP_SECS * 1000);
    recorded.length = 0;
    await sleep(RECORD_SECS * 1000);
  } finally {
    await nd.stop();
    r.close();
    parent.kill();
  }
  const writes = recorded.slice();
  const text = Buffer.concat(writes);
  const values = countValues(text);
  if (values === 0) { console.log('skipped: the child sent no values'); return; }
  const plain = text.length;
  console.log(`${values} values, ${fmt(plain / values, 2)} bytes of text each`);
  console.log(`${'codec'.padEnd(20)}${'B/v'.padStart(8)}${'ratio'.padStart(8)}${'enc µs/v'.padStart(10)}${'dec µs/v'.padStart(10)}`);
  const row = (name: string, f: CodecFigures): void => console.log(`${name.padEnd(20)}${fmt(f.wireBytes / values, 2).padStart(8)}` +
    `${fmt(plain / f.wireBytes, 2).padStart(8)}${fmt(f.encodeUsPerValue, 3).padStart(10)}${fmt(f.decodeUsPerValue, 3).padStart(10)}`);
  row('lz4', codec(writes, values, { encoder: () => new Lz4FrameEncoder(), decoder: (sink) => new Lz4FrameDecoder(sink) }));
  if (ZSTD_MISSING) { console.log(`zstd skipped: ${ZSTD_MISSING}`); return; }
  for (const level of ZSTD_LEVELS) {
    const f = codec(writes, values, { encoder: () => new ZstdFrameEncoder(level), decoder: (sink) => new ZstdFrameDecoder(sink) });
    row(`zstd ${level}${level === ZSTD_LEVEL ? ' (default)' : ''}`, f);
    if (level === ZSTD_LEVEL) {
      const ratio = plain / f.wireBytes;
      console.log(`target: zstd ${fmt(ratio, 2)}x smaller than plain text on a real 1.37 child's steady stream (>= ${TARGET_ZSTD_RATIO}x): ${ratio >= TARGET_ZSTD_RATIO ? 'met' : 'NOT met'}`);
    }
  }
}

async function parentPart(): Promise<void> {
  console.log(`\n2. parent CPU per value, a raw child flat out: ${FLAT_OUT_ITERATIONS} iterations of ${CHARTS}x${DIMENSIONS}, best of ${PARENT_ROUNDS} alternating runs`);
  console.log(`${'parent'.padEnd(16)}${'none µs/v'.padStart(11)}${'lz4 µs/v'.padStart(11)}${'zstd µs/v'.padStart(11)}${'lz4/none'.padStart(10)}${'zstd/none'.padStart(11)}${'none v/CPU-s'.padStart(14)}`);
  const parents: Array<[string, ParentFigures | string]> = [['tributary', await tributaryParent()], ['netdata 1.37', await netdataParent()]];
  for (const [name, f] of parents) {
    if (typeof f === 'string') { console.log(`${name.padEnd(16)}skipped: ${f}`); continue; }
    const zstd = f.zstdUsPerValue;
    console.log(`${name.padEnd(16)}${fmt(f.noneUsPerValue, 3).padStart(11)}${fmt(f.lz4UsPerValue, 3).padStart(11)}${(zstd === null ? '-' : fmt(zstd, 3)).padStart(11)}` +
      `${fmt(f.lz4UsPerValue / f.noneUsPerValue, 2).padStart(10)}${(zstd === null ? '-' : fmt(zstd / f.noneUsPerValue, 2)).padStart(11)}${fmt(1e6 / f.noneUsPerValue).padStart(14)}`);
    if (name !== 'tributary') continue;
    for (const [codecName, us] of [['lz4', f.lz4UsPerValue], ['zstd', zstd]] as const) {
      if (us === null) continue;
      const ratio = us / f.noneUsPerValue;
      console.log(`target: a ${codecName} parent at ${fmt(ratio, 2)}x the CPU per value of a plain one (<= ${TARGET_PARENT_CPU_RATIO}x): ${ratio <= TARGET_PARENT_CPU_RATIO ? 'met' : 'NOT met'}`);
    }
  }
}

async function senderReport(): Promise<void> {
  console.log(`\n3. senders: the generated feed from a plugin at 1 s for ${SENDER_SECS} s, through a counting relay`);
  console.log(`${'sender'.padEnd(30)}${'wire B/v'.padStart(10)}${'off/this'.padStart(10)}${'CPU µs/v'.padStart(10)}`);
  const senders = await senderPart();
  for (const [name, f] of senders) {
    if (typeof f === 'string') { console.log(`${name.padEnd(30)}skipped: ${f}`); continue; }
    const off = senders.get(name.replace(/, \w+$/, ', off'));
    const ratio = !name.endsWith(', off') && off && typeof off !== 'string' ? fmt(off.bytesPerValue / f.bytesPerValue, 2) : '';
    console.log(`${name.padEnd(30)}${fmt(f.bytesPerValue, 2).padStart(10)}${ratio.padStart(10)}${fmt(f.cpuUsPerValue, 3).padStart(10)}`);
  }
  console.log('(per value of the plugin\'s feed; each agent\'s own charts ride along, more of them on netdata. A sender\'s CPU\n' +
    'includes reading its plugin and its database, at 10 ms ticks; part 1 has the codec\'s own cost)');
}

main().then(
  async () => { killAll(); await stopAllNetdata(); },
  async (err: unknown) => { console.error(err); killAll(); await stopAllNetdata(); process.exit(1); },
);
