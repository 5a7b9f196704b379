import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ProtocolError } from '../protocol/index.js';
import { LZ4_WINDOW_BYTES, Lz4BlockEncoder, lz4CompressBound, lz4DecodeBlock } from './lz4-block.js';

/** Text like a child's stream: BEGIN/SET/END of `charts` charts × `dims` dimensions, `seconds` times. */
function metricsText(charts: number, dims: number, seconds: number): Buffer {
  let text = '';
  let x = 12345;
  for (let s = 0; s < seconds; s++) {
    for (let c = 0; c < charts; c++) {
      text += `BEGIN "gen.chart_${c}" 1000000\n`;
      for (let d = 0; d < dims; d++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        text += `SET "dim_${d}" = ${x % 100000}\n`;
      }
      text += 'END\n';
    }
  }
  return Buffer.from(text);
}

/** Bytes that do not compress. */
function noise(n: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Compresses `data` as blocks of at most `blockBytes`; returns the blocks. */
function compressAll(data: Buffer, blockBytes: number, linked: boolean): Buffer[] {
  const encoder = new Lz4BlockEncoder({ maxBlockBytes: blockBytes, linked });
  const blocks: Buffer[] = [];
  const dst = Buffer.alloc(lz4CompressBound(blockBytes));
  for (let pos = 0; pos < data.length; pos += blockBytes) {
    const end = Math.min(data.length, pos + blockBytes);
    const n = encoder.compress(data, pos, end, dst, 0);
    assert.ok(n <= lz4CompressBound(end - pos), 'a block is never over the bound');
    blocks.push(Buffer.from(dst.subarray(0, n)));
  }
  return blocks;
}

/** Decodes blocks as one stream, the whole output as the window. */
function decodeAll(blocks: Buffer[], total: number): Buffer {
  const out = Buffer.alloc(total + 16);
  let pos = 0;
  for (const b of blocks) pos = lz4DecodeBlock(b, 0, b.length, out, pos, total, 0);
  return out.subarray(0, pos);
}

/** The lz4 command line tool's frame format with dependent blocks of up to 64 KiB and no checksums. */
const LZ4_FRAME_LINKED_64K = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0]);
const lz4Cli = spawnSync('lz4', ['--version']).status === 0;

function frameOf(blocks: Buffer[]): Buffer {
  const parts: Buffer[] = [LZ4_FRAME_LINKED_64K];
  for (const b of blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(b.length);
    parts.push(size, b);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

function blocksOf(frame: Buffer): Buffer[] {
  assert.deepEqual(frame.subarray(0, 7), LZ4_FRAME_LINKED_64K);
  const blocks: Buffer[] = [];
  for (let p = 7; ;) {
    const size = frame.readUInt32LE(p);
    p += 4;
    if (size === 0) return blocks;
    assert.equal(size & 0x80000000, 0, 'the tool stored a block uncompressed');
    blocks.push(frame.subarray(p, p + size));
    p += size;
  }
}

describe('lz4 block codec', () => {
  it('round-trips text and noise of every size class, linked and standalone', () => {
    const text = metricsText(30, 10, 20);
    for (const linked of [true, false]) {
      for (const blockBytes of [1, 7, 12, 13, 100, 4096, 16304]) {
        const data = text.subarray(0, Math.min(text.length, blockBytes * 40));
        assert.deepEqual(decodeAll(compressAll(data, blockBytes, linked), data.length), data, `text, ${blockBytes}, linked ${linked}`);
      }
      const random = noise(50_000);
      assert.deepEqual(decodeAll(compressAll(random, 16304, linked), random.length), random, `noise, linked ${linked}`);
    }
  });

  it('reaches back across blocks when linked, so a repeated feed costs less', () => {
    const text = metricsText(100, 10, 4);
    const bytes = (linked: boolean): number => compressAll(text, 4096, linked).reduce((n, b) => n + b.length, 0);
    assert.ok(bytes(true) < bytes(false), `${bytes(true)} linked < ${bytes(false)} standalone`);
  });

  it('slides its window: a long stream keeps decoding through many window lengths', () => {
    const text = metricsText(100, 10, 60);
    assert.ok(text.length > 16 * LZ4_WINDOW_BYTES, `${text.length} bytes`);
    assert.deepEqual(decodeAll(compressAll(text, 16304, true), text.length), text);
  });

  it('refuses a match before the window, offset 0, truncated blocks and output past the limit', () => {
    const out = Buffer.alloc(100);
    const fails = (block: number[], pattern: RegExp, limit = 100, pos = 0): void => {
      const b = Buffer.from(block);
      assert.throws(() => lz4DecodeBlock(b, 0, b.length, out, pos, limit, 0), (e: unknown) => e instanceof ProtocolError && pattern.test(e.message));
    };
    // 1 literal 'a', then a match of 4 at offset 2: one byte before the stream began
    fails([0x10, 0x61, 0x02, 0x00, 0x00], /reaches 2 bytes back, before the start of its window \(1 bytes/);
    fails([0x10, 0x61, 0x00, 0x00, 0x00], /offset 0/);
    fails([0x50, 0x61, 0x62], /5 literals run past the end/);
    fails([0x10, 0x61, 0x01], /ends inside a match offset/);
    fails([0x10, 0x61, 0x01, 0x00], /last sequence must be literals/);
    fails([0xf0], /ends inside a literal length/);
    fails([], /empty/);
    // 'a' then 19 more by an overlapping match, 20 bytes into a 10-byte limit
    fails([0x1f, 0x61, 0x01, 0x00, 0x00, 0x00], /decodes to more than 10 bytes/, 10);
    // the same match is fine where 1 byte of history lies before the block
    out[0] = 0x7a;
    const ok = Buffer.from([0x01, 0x01, 0x00, 0x00]);
    assert.equal(lz4DecodeBlock(ok, 0, ok.length, out, 1, 100, 0), 6);
    assert.equal(out.subarray(0, 6).toString(), 'zzzzzz');
  });

  it('decodes what the lz4 tool compresses as one stream of dependent blocks', { skip: lz4Cli ? false : 'the lz4 command line tool is not installed' }, () => {
    const text = metricsText(100, 10, 12);
    const r = spawnSync('lz4', ['-B4', '-BD', '--no-frame-crc', '-c'], { input: text, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr.toString());
    const blocks = blocksOf(r.stdout);
    assert.ok(blocks.length > 3, 'several blocks');
    assert.deepEqual(decodeAll(blocks, text.length), text);
  });

  it('writes blocks the lz4 tool decodes, linked as one stream', { skip: lz4Cli ? false : 'the lz4 command line tool is not installed' }, () => {
    const text = Buffer.concat([metricsText(100, 10, 6), noise(30_000), metricsText(7, 3, 50)]);
    for (const blockBytes of [16304, 777]) {
      const r = spawnSync('lz4', ['-d', '-c'], { input: frameOf(compressAll(text, blockBytes, true)), maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.deepEqual(r.stdout, text, `blocks of ${blockBytes}`);
    }
  });
});
