import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../protocol/index.js';
import { FRAME_MAX_TEXT_BYTES, frameHeader } from './transport-frames.js';
import { ZSTD_LINK_WINDOW_LOG, ZSTD_MAX_BLOCK_BYTES, ZSTD_MAX_TEXT_BYTES, ZstdFrameDecoder, ZstdFrameEncoder } from './transport-zstd.js';
import { zstdBinding, zstdMissing } from './zstd-binding.js';

const missing = zstdMissing();
if (missing) console.log(`# skipping the zstd transport tests: ${missing}`);

/** A seeded feed of BEGIN/SET/END blocks, as a sender queues them. */
function feed(iterations: number, charts = 40): Buffer[] {
  let x = 88172645;
  const random = (n: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
  const writes: Buffer[] = [];
  for (let i = 0; i < iterations; i++) {
    let text = '';
    for (let c = 0; c < charts; c++) {
      text += `BEGIN "zstd.c${c}" 1000000\n`;
      for (let d = 0; d < 8; d++) text += `SET "dim${d}" = ${random(100000)}\n`;
      text += 'END\n';
    }
    writes.push(Buffer.from(text));
  }
  return writes;
}

function decodeAll(wire: Buffer, cut: (i: number) => number): Buffer {
  const parts: Buffer[] = [];
  const decoder = new ZstdFrameDecoder((b) => parts.push(b));
  for (let i = 0, k = 0; i < wire.length; k++) {
    const n = Math.max(1, cut(k));
    decoder.push(wire.subarray(i, i + n));
    i += n;
  }
  decoder.end();
  return Buffer.concat(parts);
}

/** Decodes `wire` on a fresh decoder; the ProtocolError it throws, or null. */
function refusal(wire: Buffer, endIt = false): ProtocolError | null {
  const decoder = new ZstdFrameDecoder(() => undefined);
  try {
    decoder.push(wire);
    if (endIt) decoder.end();
    return null;
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `a ProtocolError: ${String(err)}`);
    return err;
  }
}

describe('ZstdFrameEncoder and ZstdFrameDecoder', { skip: missing ?? false }, () => {
  it('round-trips a long feed in one zstd stream, whatever the socket cuts, in frames that a 1.44 receiver takes', () => {
    const writes = feed(120);
    const encoder = new ZstdFrameEncoder(3);
    const wire = Buffer.concat(writes.map((w) => encoder.encode(w)));
    const plain = Buffer.concat(writes);
    assert.ok(wire.length * 2 < plain.length, `smaller (${plain.length} -> ${wire.length}; bench/compression.ts measures how much)`);
    for (const cut of [() => 1, (i: number) => (i * 7919) % 3000, () => 65536]) assert.ok(decodeAll(wire, cut).equals(plain));
    // every frame: a header, a block of at most 16255 bytes, at most 16000 bytes of text
    let frames = 0;
    for (let p = 0; p < wire.length; frames++) {
      assert.equal(wire[p], 0xfa);
      const size = (wire[p + 1]! & 0x7f) | ((wire[p + 2]! & 0x7f) << 7);
      assert.ok(size > 0 && size <= ZSTD_MAX_BLOCK_BYTES);
      p += 4 + size;
    }
    assert.equal(frames, encoder.stats.frames);
    assert.ok(frames >= Math.ceil(plain.length / ZSTD_MAX_TEXT_BYTES));
  });

  it('keeps a chunk that does not compress within the frame limit, at every level', () => {
    const noise = Buffer.alloc(3 * ZSTD_MAX_TEXT_BYTES);
    let x = 1;
    for (let i = 0; i < noise.length; i++) { x = (x * 1103515245 + 12345) >>> 0; noise[i] = x >>> 24; }
    for (const level of [1, 3, 19, 22]) {
      const wire = new ZstdFrameEncoder(level).encode(noise);
      assert.ok(decodeAll(wire, () => 4096).equals(noise), `level ${level}`);
    }
  });

  it('announces a window of 128 KiB at every level, so the receiver allocates no more for the link', () => {
    for (const level of [1, 3, 19, 22]) {
      const wire = new ZstdFrameEncoder(level).encode(feed(1)[0]!);
      // after the 4-byte transport frame header: the zstd magic, the frame header descriptor
      // (no single segment: the stream's length is unknown) and the window descriptor (RFC 8878 3.1.1.1.2)
      assert.equal(wire.readUInt32LE(4), 0xfd2fb528, `level ${level}: a zstd frame`);
      assert.equal(wire[8]! & 0x20, 0, `level ${level}: not a single segment`);
      const descriptor = wire[9]!;
      assert.equal(10 + (descriptor >> 3), ZSTD_LINK_WINDOW_LOG, `level ${level}: window log`);
      assert.equal(descriptor & 7, 0, `level ${level}: a window of a power of two`);
    }
    assert.equal(1 << ZSTD_LINK_WINDOW_LOG, 128 * 1024);
  });

  it('refuses a corrupt block, naming the frame and where it was', () => {
    const err = refusal(Buffer.concat([frameHeader(6), Buffer.from([1, 2, 3, 4, 5, 6])]));
    assert.match(err!.message, /^corrupt zstd stream: frame 1 \(6 bytes at byte 0 of the stream\): /);
  });

  it('refuses a block that decodes to more than 16 KiB (a decompression bomb) after 16 KiB', () => {
    const zstd = zstdBinding();
    const cctx = new zstd.CCtx();
    const out = Buffer.alloc(1000);
    const [, produced] = cctx.compressStream2(out, Buffer.alloc(1 << 20, 'a'), zstd.EndDirective.flush);
    assert.ok(produced < 200, 'a megabyte in a few bytes');
    const err = refusal(Buffer.concat([frameHeader(produced), out.subarray(0, produced)]));
    assert.match(err!.message, new RegExp(`frame 1 \\(${produced} bytes at byte 0 of the stream\\): the block decodes to more than ${FRAME_MAX_TEXT_BYTES} bytes`));
  });

  it('refuses a length that lies, short or long', () => {
    const encoder = new ZstdFrameEncoder(3);
    const [first, second] = feed(2).map((w) => encoder.encode(w));
    const short = Buffer.concat([frameHeader(first!.length - 4 - 5), first!.subarray(4, first!.length - 5)]);
    assert.match(refusal(short)!.message, /frame 1 \(\d+ bytes at byte 0 of the stream\): the block ends inside a zstd block \(5 more bytes expected\)/);
    const long = Buffer.concat([frameHeader(first!.length - 4 + 6), first!.subarray(4), second!]);
    assert.match(refusal(long)!.message, /^corrupt zstd stream: frame 1 /);
  });

  it('refuses a stream that ends inside a frame or its header, and a header of 0 bytes', () => {
    const frame = new ZstdFrameEncoder(3).encode(feed(1)[0]!);
    assert.match(refusal(frame.subarray(0, 100), true)!.message, /^zstd stream: the connection ended inside frame 1 \(96 of its \d+ bytes came\)$/);
    assert.match(refusal(frame.subarray(0, 2), true)!.message, /^zstd stream: the connection ended inside a frame header \(2 of its 4 bytes came\)$/);
    assert.match(refusal(Buffer.from([0xfa, 0x80, 0x80, 0x0a]))!.message, /its header says 0 bytes/);
  });

  it('refuses a stream that asks for a window of more than 8 MiB', () => {
    const zstd = zstdBinding();
    const cctx = new zstd.CCtx();
    cctx.setParameter(zstd.CParameter.windowLog, 27);
    const out = Buffer.alloc(1000);
    const [, produced] = cctx.compressStream2(out, Buffer.from('SET "a" = 1\n'), zstd.EndDirective.flush);
    const err = refusal(Buffer.concat([frameHeader(produced), out.subarray(0, produced)]));
    assert.match(err!.message, /^corrupt zstd stream: frame 1 .*: .*(memory|window)/i);
  });
});
