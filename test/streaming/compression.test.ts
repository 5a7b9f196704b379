/**
 * Compressed links between real agents on 127.0.0.1 (reference §11: netdata 1.37's lz4, 1.44's
 * zstd): a Tributary child and parent negotiate ZSTD (lz4 where zstd is not installed) and the
 * parent stores the child's exact values; a parent whose `compression algorithms order` puts
 * lz4 first gets lz4, and a proxy takes lz4 in and sends zstd on; `enable compression = no` on
 * the sender, or for the child's key at the parent, leaves the link plain. A raw child that negotiated compression sends plain text
 * between its frames (taken, as 1.37 takes it), then bad frames: each closes its link with an
 * error naming the child, what was stored stays, and the port goes on serving.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lz4FrameEncoder, lz4FrameHeader } from '../../src/streaming/transport-lz4.js';
import { frameHeader } from '../../src/streaming/transport-frames.js';
import { ZstdFrameEncoder } from '../../src/streaming/transport-zstd.js';
import { zstdBinding, zstdMissing } from '../../src/streaming/zstd-binding.js';
import { connect, request, until, type RawClient } from './in-process.js';
import { API_KEY, eventually, killAll, newGuid, startNode, type TestNode } from './nodes.js';

after(killAll);

const COMPRESSION = 1 << 10;
const ZSTD = 1 << 19;
const noZstd = zstdMissing();
if (noZstd) console.log(`# the zstd links are tested as lz4 and the raw zstd child is skipped: ${noZstd}`);
/** What two Tributary agents negotiate by default: zstd first (lz4 without its package). */
const BETWEEN_TRIBUTARIES = noZstd ? 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ' : 'VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ZSTD ';
const LZ4_LINK = 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ';
const nowS = (): number => Math.floor(Date.now() / 1000);

/** `/api/v1/data` of one chart at native resolution: time → values (a row with a null is incomplete). */
async function rows(node: TestNode, prefix: string, chart: string, afterS: number, beforeS: number): Promise<Map<number, Array<number | null>>> {
  const d = await node.api(`${prefix}/api/v1/data?chart=${chart}&after=${afterS}&before=${beforeS}&format=json&options=unaligned`);
  return new Map((d.data as Array<Array<number | null>>).map(([t, ...v]) => [t as number, v]));
}

/**
 * The seconds [fromS, toS] are at the parent with exactly the child's values. `streamtest.values`
 * says its duration in BEGIN, so the child has every second; `streamtest.other` does not, so an
 * agent stalled for 2 s stores a gap there, as netdata's `gap when lost iterations above = 1`
 * does: `gapsAllowed` takes the child's gaps, which the parent must then have too.
 */
async function sameValues(parent: TestNode, child: TestNode, chart: string, fromS: number, toS: number, gapsAllowed = false): Promise<void> {
  const [atParent, atChild] = await Promise.all([
    rows(parent, `/host/${child.hostname}`, chart, fromS - 1, toS), rows(child, '', chart, fromS - 1, toS),
  ]);
  let complete = 0;
  for (let t = fromS; t <= toS; t++) {
    const c = atChild.get(t);
    assert.ok(c, `the child has a row at ${t}`);
    if (c.every((v) => v !== null)) complete++;
    else assert.ok(gapsAllowed, `the child has ${t}: ${JSON.stringify(c)}`);
    assert.deepEqual(atParent.get(t), c, `${chart} at ${t}: the parent has the child's values`);
  }
  assert.ok(complete > (toS - fromS + 1) / 2, `${chart}: ${complete} of ${toS - fromS + 1} seconds complete at the child`);
}

/** Waits until `node` has a complete row of `chart` at `t`. */
function untilRow(node: TestNode, prefix: string, chart: string, t: number): Promise<unknown> {
  return eventually(`${node.hostname}${prefix} ${chart} at ${t}`, async () => {
    const r = (await rows(node, prefix, chart, t - 1, t + 1)).get(t);
    return r && r.every((v) => v !== null) ? r : undefined;
  }, 20_000);
}

function negotiated(hostname: string, side: 'send to' | 'receive from'): RegExp {
  const where = side === 'send to' ? 'send to 127\\.0\\.0\\.1:\\d+' : 'receive from \\[127\\.0\\.0\\.1\\]:\\d+';
  return new RegExp(`STREAM ${hostname} \\[${where}\\]: established link with negotiated capabilities: ([A-Z ]+)\n`);
}

describe('compressed links between Tributary agents', { concurrency: true }, () => {
  it('a child streams zstd to a parent, which stores its exact values; the child sends fewer bytes than it queues', async () => {
    const parent = await startNode({ hostname: 'p-zstd', plugin: false });
    const child = await startNode({ hostname: 'c-zstd', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await child.waitFor(negotiated('c-zstd', 'send to'), 20_000);
    await parent.waitFor(negotiated('c-zstd', 'receive from'), 20_000);
    assert.equal(negotiated('c-zstd', 'send to').exec(child.output())![1], BETWEEN_TRIBUTARIES);
    assert.equal(negotiated('c-zstd', 'receive from').exec(parent.output())![1], BETWEEN_TRIBUTARIES);
    // a few seconds after the link is up, so the child has collected them
    const start = nowS() + 2;
    // each chart on both ends: a chart's slot is stored at its own next collection, not the other's
    for (const chart of ['streamtest.values', 'streamtest.other']) {
      await untilRow(parent, '/host/c-zstd', chart, start + 8);
      await untilRow(child, '', chart, start + 8);
    }
    await sameValues(parent, child, 'streamtest.values', start, start + 8);
    await sameValues(parent, child, 'streamtest.other', start, start + 8, true);
    const info = await child.api('/api/v1/info');
    const sent = info.stream.sent;
    assert.equal(sent.compression, noZstd ? 'lz4' : 'zstd');
    assert.equal(info['stream-compression'], true, 'as 1.37 shows a compressed sender');
    assert.ok(sent.bytes_sent > 0 && sent.bytes_sent < sent.bytes_queued, `bytes on the wire ${sent.bytes_sent} < bytes queued ${sent.bytes_queued}`);
    const atParent = await parent.api('/host/c-zstd/api/v1/info');
    assert.equal(atParent.stream.received.compression, noZstd ? 'lz4' : 'zstd');
  });

  it('a parent whose `compression algorithms order` puts lz4 first gets lz4 from a child that has zstd', async () => {
    const parent = await startNode({
      hostname: 'p-order', plugin: false, receive: `[${API_KEY}]\n\tenabled = yes\n\tcompression algorithms order = lz4 zstd\n`,
    });
    const child = await startNode({ hostname: 'c-order', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await child.waitFor(negotiated('c-order', 'send to'), 20_000);
    await parent.waitFor(negotiated('c-order', 'receive from'), 20_000);
    assert.equal(negotiated('c-order', 'send to').exec(child.output())![1], LZ4_LINK);
    assert.equal(negotiated('c-order', 'receive from').exec(parent.output())![1], LZ4_LINK);
    const start = nowS() + 2;
    await untilRow(parent, '/host/c-order', 'streamtest.values', start + 3);
    await untilRow(child, '', 'streamtest.values', start + 3);
    await sameValues(parent, child, 'streamtest.values', start, start + 3);
    assert.equal((await child.api('/api/v1/info')).stream.sent.compression, 'lz4');
  });

  it('a proxy takes lz4 from its child and sends the child\'s host on as zstd; the top stores the exact values', async () => {
    const top = await startNode({ hostname: 'p-px-top', plugin: false });
    const proxy = await startNode({
      hostname: 'p-px', plugin: false, sendTo: { destination: `127.0.0.1:${top.port}` },
      receive: `[${API_KEY}]\n\tenabled = yes\n\tcompression algorithms order = lz4\n`,
    });
    const child = await startNode({ hostname: 'c-px', sendTo: { destination: `127.0.0.1:${proxy.port}` } });
    await child.waitFor(negotiated('c-px', 'send to'), 20_000);
    await proxy.waitFor(negotiated('c-px', 'send to'), 20_000);
    assert.equal(negotiated('c-px', 'send to').exec(child.output())![1], LZ4_LINK, 'child -> proxy: lz4, the proxy\'s order');
    assert.equal(negotiated('c-px', 'send to').exec(proxy.output())![1], BETWEEN_TRIBUTARIES, 'proxy -> top: zstd');
    const start = nowS() + 2;
    await untilRow(top, '/host/c-px', 'streamtest.values', start + 4);
    await untilRow(child, '', 'streamtest.values', start + 4);
    await sameValues(top, child, 'streamtest.values', start, start + 4);
    const atProxy = (await proxy.api('/host/c-px/api/v1/info')).stream;
    assert.equal(atProxy.received.compression, 'lz4');
    assert.equal(atProxy.sent.compression, noZstd ? 'lz4' : 'zstd');
  });

  it('`enable compression = no` on the child\'s [stream], or for its key at the parent, leaves the link plain', async () => {
    const parent = await startNode({
      hostname: 'p-nolz4', plugin: false, receive: `[${API_KEY}]\n\tenabled = yes\n\tenable compression = no\n`,
    });
    const open = await startNode({ hostname: 'p-lz4-open', plugin: false });
    const byKey = await startNode({ hostname: 'c-key-off', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    const bySender = await startNode({
      hostname: 'c-sender-off', sendTo: { destination: `127.0.0.1:${open.port}`, extra: '\tenable compression = no\n' },
    });
    await byKey.waitFor(negotiated('c-key-off', 'send to'), 20_000);
    await bySender.waitFor(negotiated('c-sender-off', 'send to'), 20_000);
    assert.equal(negotiated('c-key-off', 'send to').exec(byKey.output())![1], 'VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ');
    assert.equal(negotiated('c-sender-off', 'send to').exec(bySender.output())![1], 'VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ');
    const info = await bySender.api('/api/v1/info');
    assert.equal(info['stream-compression'], false, 'a plain sender, as 1.37 shows it');
    assert.equal(info.stream.sent.compression, null);
    // a few seconds after the link is up, so the child has collected them
    const start = nowS() + 2;
    await untilRow(parent, '/host/c-key-off', 'streamtest.values', start + 3);
    await untilRow(open, '/host/c-sender-off', 'streamtest.values', start + 3);
    await sameValues(parent, byKey, 'streamtest.values', start, start + 3);
    await sameValues(open, bySender, 'streamtest.values', start, start + 3);
  });
});

const CHART = 'lz4.values';
const DEFINITION = `CHART "${CHART}" "" "lz4 input" "n" "lz4" "${CHART}" "line" 1000 1 "   " "lz4.plugin" ""\n` +
  'DIMENSION "a" "a" "absolute" 1 1 "  "\n';

/** A raw child that negotiated compression, with its own lz4 stream. */
async function compressedChild(parent: TestNode, hostname: string, guid: string): Promise<CompressedChild<Lz4FrameEncoder>> {
  // what a netdata 1.37 child offers, less REPLICATION: no REPLAY_CHART conversation to hold
  const client = await connect(parent.port, request({ key: API_KEY, hostname, machine_guid: guid, update_every: '1', os: 'linux', ver: String(16376 - 4096) }));
  await until('the prompt', () => /version=\d+/.test(client.received()) || client.socket.destroyed, 10_000);
  const version = Number(/version=(\d+)/.exec(client.received())![1]);
  assert.ok((version & COMPRESSION) !== 0, `COMPRESSION negotiated (${version})`);
  assert.equal(version & ZSTD, 0, 'a 1.37 ver= hears no ZSTD');
  return { client, encoder: new Lz4FrameEncoder(), tag: `STREAM ${hostname} [receive from [127.0.0.1]:${client.socket.localPort}]` };
}

function block(value: number, seconds: number): string {
  return `BEGIN "${CHART}" ${seconds * 1_000_000}\nSET "a" = ${value}\nEND\n`;
}

/** A raw child's link: its socket, the encoder of its compressed stream, and its log tag at the parent. */
interface CompressedChild<E> { client: RawClient; encoder: E; tag: string }
/** One bad input: what it is, its wire bytes, the error the parent logs, and whether the child then ends the connection. */
type BadInput<E> = [what: string, wire: (encoder: E) => Buffer, reason: RegExp, endIt: boolean];

/** The values of `hostname`'s chart at the parent, oldest first (empty slots left out). */
async function storedValues(parent: TestNode, hostname: string): Promise<number[]> {
  const d = await parent.api(`/host/${hostname}/api/v1/data?chart=${CHART}&after=-60&format=json&options=unaligned`);
  return (d.data as Array<[number, number | null]>).map((r) => r[1]).filter((v): v is number => v !== null).reverse();
}

/**
 * Each bad input on a fresh link of `hostname`: the parent closes it with the error naming the
 * child, and the values `kept` stay stored; then another host streams, so the port still serves.
 */
async function refusesEach<E extends { encode(plain: Buffer): Buffer }>(
  parent: TestNode, hostname: string, guid: string, kept: readonly number[],
  child: (hostname: string, guid: string) => Promise<CompressedChild<E>>, bad: ReadonlyArray<BadInput<E>>,
): Promise<void> {
  for (const [what, wire, reason, endIt] of bad) {
    const c = await child(hostname, guid);
    c.client.socket.write(wire(c.encoder));
    if (endIt) c.client.socket.end();
    await c.client.closed;
    const line = new RegExp(`ERROR: ${escape(c.tag)}: disconnected \\(completed \\d+ updates\\): ${reason.source}\\.\n`);
    await parent.waitFor(line, 10_000);
    const values = await storedValues(parent, hostname);
    assert.deepEqual(values.slice(values.indexOf(kept[0]!), values.indexOf(kept[0]!) + kept.length), kept, `what was stored stays after ${what}`);
  }
  const otherHost = `${hostname}-after`;
  const other = await child(otherHost, newGuid());
  other.client.socket.write(other.encoder.encode(Buffer.from(`${DEFINITION}${block(42, 0)}`)));
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    other.client.socket.write(other.encoder.encode(Buffer.from(block(42, 1))));
  }
  await eventually('the other child\'s value', async () => {
    const d = await parent.api(`/host/${otherHost}/api/v1/data?chart=${CHART}&after=-60&format=json`).catch(() => null);
    return d?.data.some((r: Array<number | null>) => r[1] === 42) ? true : undefined;
  }, 10_000);
  other.client.socket.destroy();
}

describe('a parent taking bad compressed input from a raw child', () => {
  it('takes plain text between frames, closes the link on each bad frame with the child named, and keeps what it stored', async () => {
    const parent = await startNode({ hostname: 'p-lz4-bad', plugin: false });
    const hostname = 'c-lz4-bad';
    const guid = newGuid();

    // plain lines between compressed ones, as a 1.37 parent takes them
    const first = await compressedChild(parent, hostname, guid);
    first.client.socket.write(first.encoder.encode(Buffer.from(`${DEFINITION}${block(1, 0)}`)));
    for (let i = 2; i <= 8; i++) {
      const text = Buffer.from(block(i, 1));
      first.client.socket.write(i % 2 === 0 ? text : first.encoder.encode(text));
      await new Promise((r) => setTimeout(r, 1000));
    }
    // the API leaves out the chart's first slots; the rest are every value, plain and compressed
    const KEPT = [3, 4, 5, 6, 7, 8];
    await eventually('the values', async () => ((await storedValues(parent, hostname)).at(-1) === 8 ? true : undefined), 10_000);
    assert.deepEqual((await storedValues(parent, hostname)).slice(-KEPT.length), KEPT, 'compressed and plain lines alike');
    first.client.socket.destroy();
    await parent.waitFor(new RegExp(`${escape(first.tag)}: disconnected`), 10_000);

    const bad: Array<BadInput<Lz4FrameEncoder>> = [
      ['a corrupt block', () => Buffer.concat([lz4FrameHeader(3), Buffer.from([0xf0, 0x40, 0x41])]),
        /corrupt compressed stream: frame 1 \(3 bytes at byte 0 of the stream\): 79 literals run past the end of the block/, false],
      ['a block decoding to more than 16 KiB', () => {
        const extra = [...Array<number>(64).fill(255), 60];
        return Buffer.concat([lz4FrameHeader(70), Buffer.from([0x1f, 0x61, 0x01, 0x00, ...extra, 0x00])]);
      }, /corrupt compressed stream: frame 1 \(70 bytes at byte 0 of the stream\): the block decodes to more than 16384 bytes/, false],
      ['a length that lies', (encoder) => {
        const frame = encoder.encode(Buffer.from(`${block(7, 1)}${block(7, 1)}`));
        return Buffer.concat([lz4FrameHeader(frame.length - 4 - 5), frame.subarray(4)]);
      }, /corrupt compressed stream: frame 1 \(\d+ bytes at byte 0 of the stream\): \d+ literals run past the end of the block/, false],
      ['a match reaching before the stream', () => Buffer.concat([lz4FrameHeader(5), Buffer.from([0x10, 0x61, 0xff, 0x00, 0x00])]),
        /corrupt compressed stream: frame 1 \(5 bytes at byte 0 of the stream\): a match reaches 255 bytes back, before the start of its window \(1 bytes of the stream\)/, false],
    ];
    await refusesEach(parent, hostname, guid, KEPT, (h, g) => compressedChild(parent, h, g), bad);
  });
});

/** A raw child that offers what a 1.37 child does, and ZSTD: the parent keeps only ZSTD. */
async function zstdChild(parent: TestNode, hostname: string, guid: string): Promise<CompressedChild<ZstdFrameEncoder>> {
  const ver = String(16376 - 4096 + ZSTD);
  const client = await connect(parent.port, request({ key: API_KEY, hostname, machine_guid: guid, update_every: '1', os: 'linux', ver }));
  await until('the prompt', () => /version=\d+/.test(client.received()) || client.socket.destroyed, 10_000);
  const version = Number(/version=(\d+)/.exec(client.received())![1]);
  assert.equal(version & (ZSTD | COMPRESSION), ZSTD, `only ZSTD kept of ZSTD and COMPRESSION (${version})`);
  return { client, encoder: new ZstdFrameEncoder(3), tag: `STREAM ${hostname} [receive from [127.0.0.1]:${client.socket.localPort}]` };
}

/** A zstd block of `bytes` bytes of 'a' in few bytes (one flushed block of a fresh stream). */
function zstdBomb(bytes: number): Buffer {
  const zstd = zstdBinding();
  const out = Buffer.alloc(4096);
  const [, produced] = new zstd.CCtx().compressStream2(out, Buffer.alloc(bytes, 'a'), zstd.EndDirective.flush);
  return Buffer.concat([frameHeader(produced), out.subarray(0, produced)]);
}

describe('a parent taking bad zstd input from a raw child', { skip: noZstd ?? false }, () => {
  it('stores its frames, closes the link on each bad frame with the child named, and keeps what it stored', async () => {
    const parent = await startNode({ hostname: 'p-zstd-bad', plugin: false });
    const hostname = 'c-zstd-bad';
    const guid = newGuid();
    const first = await zstdChild(parent, hostname, guid);
    first.client.socket.write(first.encoder.encode(Buffer.from(`${DEFINITION}${block(1, 0)}`)));
    for (let i = 2; i <= 8; i++) {
      first.client.socket.write(first.encoder.encode(Buffer.from(block(i, 1))));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const KEPT = [3, 4, 5, 6, 7, 8];
    await eventually('the values', async () => ((await storedValues(parent, hostname)).at(-1) === 8 ? true : undefined), 10_000);
    assert.deepEqual((await storedValues(parent, hostname)).slice(-KEPT.length), KEPT, 'every value, exact');
    first.client.socket.destroy();
    await parent.waitFor(new RegExp(`${escape(first.tag)}: disconnected`), 10_000);

    const bad: Array<BadInput<ZstdFrameEncoder>> = [
      ['a corrupt block', () => Buffer.concat([frameHeader(6), Buffer.from([1, 2, 3, 4, 5, 6])]),
        /corrupt zstd stream: frame 1 \(6 bytes at byte 0 of the stream\): [^\n]+/, false],
      ['a block decoding to more than 16 KiB', () => zstdBomb(1 << 20),
        /corrupt zstd stream: frame 1 \(\d+ bytes at byte 0 of the stream\): the block decodes to more than 16384 bytes/, false],
      ['a length that lies', (encoder) => {
        const frame = encoder.encode(Buffer.from(`${block(7, 1)}${block(7, 1)}`));
        return Buffer.concat([lz4FrameHeader(frame.length - 4 - 5), frame.subarray(4, frame.length - 5)]);
      }, /corrupt zstd stream: frame 1 \(\d+ bytes at byte 0 of the stream\): the block ends inside a zstd block \(5 more bytes expected\)/, false],
      ['a stream ending inside a frame', (encoder) => encoder.encode(Buffer.from(`${DEFINITION}${block(7, 1)}`)).subarray(0, 20),
        /zstd stream: the connection ended inside frame 1 \(16 of its \d+ bytes came\)/, true],
    ];
    await refusesEach(parent, hostname, guid, KEPT, (h, g) => zstdChild(parent, h, g), bad);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
