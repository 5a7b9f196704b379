/**
 * Compressed links between real agents on 127.0.0.1 (reference §11: netdata 1.37's lz4): a
 * Tributary child and parent negotiate COMPRESSION and the parent stores the child's exact
 * values; `enable compression = no` on the sender, or for the child's key at the parent,
 * leaves the link plain. A raw child that negotiated compression sends plain text between its
 * frames (taken, as 1.37 takes it), then bad frames: each closes its link with an error naming
 * the child, what was stored stays, and the port goes on serving.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lz4FrameEncoder, lz4FrameHeader } from '../../src/streaming/transport-lz4.js';
import { connect, request, until, type RawClient } from './in-process.js';
import { API_KEY, eventually, killAll, newGuid, startNode, type TestNode } from './nodes.js';

after(killAll);

const COMPRESSION = 1 << 10;
const nowS = (): number => Math.floor(Date.now() / 1000);

/** `/api/v1/data` of one chart at native resolution: time → values (a row with a null is incomplete). */
async function rows(node: TestNode, prefix: string, chart: string, afterS: number, beforeS: number): Promise<Map<number, Array<number | null>>> {
  const d = await node.api(`${prefix}/api/v1/data?chart=${chart}&after=${afterS}&before=${beforeS}&format=json&options=unaligned`);
  return new Map((d.data as Array<Array<number | null>>).map(([t, ...v]) => [t as number, v]));
}

/** The seconds [fromS, toS] are at the parent with exactly the child's values. */
async function sameValues(parent: TestNode, child: TestNode, chart: string, fromS: number, toS: number): Promise<void> {
  const [atParent, atChild] = await Promise.all([
    rows(parent, `/host/${child.hostname}`, chart, fromS - 1, toS), rows(child, '', chart, fromS - 1, toS),
  ]);
  for (let t = fromS; t <= toS; t++) {
    const c = atChild.get(t);
    assert.ok(c && c.every((v) => v !== null), `the child has ${t}`);
    assert.deepEqual(atParent.get(t), c, `${chart} at ${t}: the parent has the child's values`);
  }
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
  it('a child streams lz4 to a parent, which stores its exact values; the child sends fewer bytes than it queues', async () => {
    const parent = await startNode({ hostname: 'p-lz4', plugin: false });
    const child = await startNode({ hostname: 'c-lz4', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await child.waitFor(negotiated('c-lz4', 'send to'), 20_000);
    await parent.waitFor(negotiated('c-lz4', 'receive from'), 20_000);
    assert.equal(negotiated('c-lz4', 'send to').exec(child.output())![1], 'VCAPS HLABELS CLAIM CLABELS COMPRESSION REPLICATION ');
    assert.equal(negotiated('c-lz4', 'receive from').exec(parent.output())![1], 'VCAPS HLABELS CLAIM CLABELS COMPRESSION REPLICATION ');
    // a few seconds after the link is up, so the child has collected them
    const start = nowS() + 2;
    await untilRow(parent, '/host/c-lz4', 'streamtest.values', start + 8);
    await untilRow(child, '', 'streamtest.values', start + 8);
    await sameValues(parent, child, 'streamtest.values', start, start + 8);
    await sameValues(parent, child, 'streamtest.other', start, start + 8);
    const sent = (await child.api('/api/v1/info')).stream.sent;
    assert.match(sent.capabilities, /COMPRESSION/);
    assert.ok(sent.bytes_sent > 0 && sent.bytes_sent < sent.bytes_queued, `bytes on the wire ${sent.bytes_sent} < bytes queued ${sent.bytes_queued}`);
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
    assert.equal(negotiated('c-key-off', 'send to').exec(byKey.output())![1], 'VCAPS HLABELS CLAIM CLABELS REPLICATION ');
    assert.equal(negotiated('c-sender-off', 'send to').exec(bySender.output())![1], 'VCAPS HLABELS CLAIM CLABELS REPLICATION ');
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
async function compressedChild(parent: TestNode, hostname: string, guid: string): Promise<{ client: RawClient; encoder: Lz4FrameEncoder; tag: string }> {
  // what a netdata 1.37 child offers, less REPLICATION: no REPLAY_CHART conversation to hold
  const client = await connect(parent.port, request({ key: API_KEY, hostname, machine_guid: guid, update_every: '1', os: 'linux', ver: String(16376 - 4096) }));
  await until('the prompt', () => /version=\d+/.test(client.received()) || client.socket.destroyed, 10_000);
  const version = Number(/version=(\d+)/.exec(client.received())![1]);
  assert.ok((version & COMPRESSION) !== 0, `COMPRESSION negotiated (${version})`);
  return { client, encoder: new Lz4FrameEncoder(), tag: `STREAM ${hostname} [receive from [127.0.0.1]:${client.socket.localPort}]` };
}

function block(value: number, seconds: number): string {
  return `BEGIN "${CHART}" ${seconds * 1_000_000}\nSET "a" = ${value}\nEND\n`;
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
    const storedValues = async (): Promise<number[]> => {
      const d = await parent.api(`/host/${hostname}/api/v1/data?chart=${CHART}&after=-60&format=json&options=unaligned`);
      return (d.data as Array<[number, number | null]>).map((r) => r[1]).filter((v): v is number => v !== null).reverse();
    };
    // the API leaves out the chart's first slots; the rest are every value, plain and compressed
    const KEPT = [3, 4, 5, 6, 7, 8];
    await eventually('the values', async () => ((await storedValues()).at(-1) === 8 ? true : undefined), 10_000);
    assert.deepEqual((await storedValues()).slice(-KEPT.length), KEPT, 'compressed and plain lines alike');
    first.client.socket.destroy();
    await parent.waitFor(new RegExp(`${escape(first.tag)}: disconnected`), 10_000);

    const bad: Array<[what: string, wire: (encoder: Lz4FrameEncoder) => Buffer, reason: RegExp]> = [
      ['a corrupt block', () => Buffer.concat([lz4FrameHeader(3), Buffer.from([0xf0, 0x40, 0x41])]),
        /corrupt compressed stream: frame 1 \(3 bytes at byte 0 of the stream\): 79 literals run past the end of the block/],
      ['a block decoding to more than 16 KiB', () => {
        const extra = [...Array<number>(64).fill(255), 60];
        return Buffer.concat([lz4FrameHeader(70), Buffer.from([0x1f, 0x61, 0x01, 0x00, ...extra, 0x00])]);
      }, /corrupt compressed stream: frame 1 \(70 bytes at byte 0 of the stream\): the block decodes to more than 16384 bytes/],
      ['a length that lies', (encoder) => {
        const frame = encoder.encode(Buffer.from(`${block(7, 1)}${block(7, 1)}`));
        return Buffer.concat([lz4FrameHeader(frame.length - 4 - 5), frame.subarray(4)]);
      }, /corrupt compressed stream: frame 1 \(\d+ bytes at byte 0 of the stream\): \d+ literals run past the end of the block/],
      ['a match reaching before the stream', () => Buffer.concat([lz4FrameHeader(5), Buffer.from([0x10, 0x61, 0xff, 0x00, 0x00])]),
        /corrupt compressed stream: frame 1 \(5 bytes at byte 0 of the stream\): a match reaches 255 bytes back, before the start of its window \(1 bytes of the stream\)/],
    ];
    for (const [what, wire, reason] of bad) {
      const child = await compressedChild(parent, hostname, guid);
      child.client.socket.write(wire(child.encoder));
      await child.client.closed;
      const line = new RegExp(`ERROR: ${escape(child.tag)}: disconnected \\(completed \\d+ updates\\): ${reason.source}\\.\n`);
      await parent.waitFor(line, 10_000);
      const values = await storedValues();
      assert.deepEqual(values.slice(values.indexOf(3), values.indexOf(3) + KEPT.length), KEPT, `what was stored stays after ${what}`);
    }
    // the port still serves: a child of another host streams after all that
    const other = await compressedChild(parent, 'c-lz4-after', newGuid());
    other.client.socket.write(other.encoder.encode(Buffer.from(`${DEFINITION}${block(42, 0)}`)));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      other.client.socket.write(other.encoder.encode(Buffer.from(block(42, 1))));
    }
    await eventually('the other child\'s value', async () => {
      const d = await parent.api(`/host/c-lz4-after/api/v1/data?chart=${CHART}&after=-60&format=json`).catch(() => null);
      return d?.data.some((r: Array<number | null>) => r[1] === 42) ? true : undefined;
    }, 10_000);
    other.client.socket.destroy();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
