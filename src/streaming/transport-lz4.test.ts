import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../protocol/index.js';
import { lz4CompressBound } from './lz4-block.js';
import {
  LZ4_ENCODER_MAX_TEXT_BYTES, LZ4_FRAME_MAX_TEXT_BYTES, Lz4FrameDecoder, Lz4FrameEncoder, lz4FrameHeader,
} from './transport-lz4.js';

const CAPTURES = fileURLToPath(new URL('../../../test/fixtures/captures/', import.meta.url));
/** What a real netdata 1.37.1 child sent with compression on: the request, then lz4 frames only. */
const LZ4_CAPTURE = readFileSync(`${CAPTURES}netdata-1.37-lz4.child-to-parent.bin`);
/** The same pair of agents with compression off. */
const PLAIN_CAPTURE = readFileSync(`${CAPTURES}netdata-1.37-replication-first-connect.child-to-parent.txt`, 'latin1');

/** BEGIN/SET/END of `charts` charts x `dims` dimensions, `seconds` times, values from a fixed sequence. */
function metricsText(charts: number, dims: number, seconds: number): Buffer {
  const lines: string[] = [];
  let x = 12345;
  for (let s = 0; s < seconds; s++) {
    for (let c = 0; c < charts; c++) {
      lines.push(`BEGIN "gen.chart_${c}" 1000000`);
      for (let d = 0; d < dims; d++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        lines.push(`SET "dim_${d}" = ${x % 100000}`);
      }
      lines.push('END');
    }
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function afterRequest(capture: Buffer): Buffer {
  return capture.subarray(capture.indexOf('\r\n\r\n') + 4);
}

/** Decodes `wire` cut into pieces of `cut` bytes; returns the text and the decoder. */
function decode(wire: Buffer, cut = wire.length): { text: string; decoder: Lz4FrameDecoder } {
  const parts: Buffer[] = [];
  const decoder = new Lz4FrameDecoder((b) => parts.push(b));
  for (let i = 0; i < wire.length; i += cut) decoder.push(wire.subarray(i, i + cut));
  decoder.end();
  return { text: Buffer.concat(parts).toString('latin1'), decoder };
}

/** The first word of every line, each kind once, in order of first appearance. */
function keywords(text: string): string[] {
  return [...new Set(text.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!))];
}

function frame(block: number[]): Buffer {
  return Buffer.concat([lz4FrameHeader(block.length), Buffer.from(block)]);
}

/** Expects `wire` to be refused with a ProtocolError whose message matches `pattern`. */
function refuses(wire: Buffer, pattern: RegExp): void {
  const decoder = new Lz4FrameDecoder(() => undefined);
  assert.throws(() => { decoder.push(wire); decoder.end(); }, (e: unknown) => {
    assert.ok(e instanceof ProtocolError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
  // nothing more is taken after that
  decoder.push(Buffer.from('BEGIN x\n'));
}

describe('Lz4FrameDecoder', () => {
  it('decodes a real netdata 1.37 child\'s lz4 stream into the text of its uncompressed one', () => {
    const wire = afterRequest(LZ4_CAPTURE);
    assert.deepEqual([...wire.subarray(0, 4)], [0xfa, 0xb4, 0x80, 0x0a], 'first header: a 52-byte block');
    const { text, decoder } = decode(wire);
    assert.ok(decoder.stats.frames > 50, `${decoder.stats.frames} frames`);
    assert.equal(decoder.stats.wireBytes, wire.length);
    assert.match(text, /^CLAIMED_ID [0-9a-f-]{36} NULL\nLABEL "_cloud_provider_type" = 1 "unknown"\n/);
    assert.match(text, /\nCHART "bar\.abs" "" "Absolute values" "units" "bar" "bar\.abs" "line" 1000 1 "   " "bar\.plugin" ""\n/);
    assert.match(text, /\nCHART_DEFINITION_END \d+ \d+ \d+\n/);
    assert.match(text, /\nRBEGIN "bar\.abs"\n/);
    assert.match(text, /\nREND 1 \d+ \d+ true \d+ \d+ \d+\n/);
    assert.match(text, /\nBEGIN "bar\.wrap" 1000000\nSET "w" = \d+\nEND\n$/);
    assert.deepEqual(keywords(text), keywords(PLAIN_CAPTURE.slice(PLAIN_CAPTURE.indexOf('\r\n\r\n') + 4)));
    assert.ok(text.split('\n').every((l) => /^[\x20-\x7e]*$/.test(l)), 'printable lines only');
  });

  it('gives the same text whatever the socket cuts, a byte at a time included', () => {
    const wire = afterRequest(LZ4_CAPTURE);
    const whole = decode(wire).text;
    for (const cut of [1, 2, 3, 5, 53, 1000]) assert.equal(decode(wire, cut).text, whole, `cut every ${cut} bytes`);
  });

  it('passes plain text between frames on, as a 1.37 parent takes it (a 0xFA that starts no header included)', () => {
    const encoder = new Lz4FrameEncoder();
    const wire = Buffer.concat([
      Buffer.from('BEGIN a\n'), encoder.encode(Buffer.from('SET x = 1\n')), Buffer.from('END\n'),
      Buffer.from([0xfa, 0x41, 0x0a]), encoder.encode(Buffer.from('BEGIN b\nEND\n')),
    ]);
    assert.equal(decode(wire).text, 'BEGIN a\nSET x = 1\nEND\n\xfaA\nBEGIN b\nEND\n');
    for (const cut of [1, 2, 3]) assert.equal(decode(wire, cut).text, 'BEGIN a\nSET x = 1\nEND\n\xfaA\nBEGIN b\nEND\n');
  });

  it('refuses a corrupt block, naming the frame and where it starts', () => {
    const good = new Lz4FrameEncoder().encode(Buffer.from('BEGIN a\nSET x = 1\nEND\n'));
    // a literal run longer than the block
    refuses(Buffer.concat([good, frame([0xf0, 0x40, 0x41])]), new RegExp(`^corrupt compressed stream: frame 2 \\(3 bytes at byte ${good.length} of the stream\\): 79 literals run past the end of the block$`));
    refuses(frame([0x10, 0x61, 0x00, 0x00, 0x00]), /frame 1 .*: a match has offset 0/);
  });

  it('refuses a block that reaches before the start of the stream', () => {
    refuses(frame([0x10, 0x61, 0x05, 0x00, 0x00]), /frame 1 \(5 bytes at byte 0 of the stream\): a match reaches 5 bytes back, before the start of its window \(1 bytes of the stream\)/);
  });

  it('refuses a frame that decodes to more than 16 KiB (1.37\'s largest chunk)', () => {
    // 'a' then a match of 16399 at offset 1: a 70-byte block that decodes to 16400 bytes
    const length = 16399 - 4 - 15;
    const extra = [...Array<number>(Math.floor(length / 255)).fill(255), length % 255];
    const block = [0x1f, 0x61, 0x01, 0x00, ...extra, 0x00];
    refuses(frame(block), new RegExp(`frame 1 \\(${block.length} bytes at byte 0 of the stream\\): the block decodes to more than ${LZ4_FRAME_MAX_TEXT_BYTES} bytes`));
    // the same with a match that just fits is fine
    const fits = 16384 - 1 - 4 - 15;
    const ok = frame([0x1f, 0x61, 0x01, 0x00, ...Array<number>(Math.floor(fits / 255)).fill(255), fits % 255, 0x00]);
    assert.equal(decode(ok).text, 'a'.repeat(16384));
  });

  it('refuses lengths that lie: too short, too long, zero, and a stream ending inside a frame', () => {
    const block = new Lz4FrameEncoder().encode(Buffer.from('SET "user" = 12345\nSET "system" = 12345\nSET "user" = 12345\n'));
    const size = block.length - 4;
    const withLength = (n: number, rest: Buffer): Buffer => Buffer.concat([lz4FrameHeader(n), rest]);
    // cut short: the block's end is taken as the next bytes and no longer parses
    refuses(withLength(size - 3, block.subarray(4)), /^corrupt compressed stream: frame 1 \(\d+ bytes at byte 0 of the stream\): /);
    // said longer: the next frame's header is read as the end of this block
    refuses(Buffer.concat([withLength(size + 4, block.subarray(4)), block]), /^corrupt compressed stream: frame 1 /);
    refuses(lz4FrameHeader(0), /frame 1 \(0 bytes at byte 0 of the stream\): its header says 0 bytes/);
    refuses(withLength(size + 100, block.subarray(4)), new RegExp(`the connection ended inside frame 1 \\(${size} of its ${size + 100} bytes came\\)`));
    refuses(block.subarray(0, 2), /the connection ended inside a frame header \(2 of its 4 bytes came\)/);
  });
});

describe('Lz4FrameEncoder', () => {
  it('round-trips a long feed through the decoder, whatever the socket cuts', () => {
    const text = metricsText(100, 10, 30);
    for (const linked of [true, false]) {
      const encoder = new Lz4FrameEncoder({ linked });
      const wire = Buffer.concat([0, 1, 2].map((i) => encoder.encode(text.subarray(i * text.length / 3, (i + 1) * text.length / 3))));
      assert.ok(wire.length < text.length / 2, `${wire.length} < ${text.length} / 2`);
      assert.equal(decode(wire, 4096).text, text.toString('latin1'));
      assert.equal(decode(wire, 1777).text, text.toString('latin1'));
      assert.deepEqual(encoder.stats, { plainBytes: text.length, wireBytes: wire.length, frames: encoder.stats.frames });
    }
  });

  it('takes `lz4 compression acceleration`: a faster search, never a smaller stream, the same text back', () => {
    const text = metricsText(100, 10, 30);
    const sizes = [1, 8, 64].map((acceleration) => {
      const wire = new Lz4FrameEncoder({ acceleration }).encode(text);
      assert.equal(decode(wire, 3000).text, text.toString('latin1'), `acceleration ${acceleration}`);
      return wire.length;
    });
    assert.ok(sizes[0]! <= sizes[1]! && sizes[1]! <= sizes[2]!, `sizes ${sizes.join(' <= ')}`);
    assert.ok(sizes[0]! < sizes[2]!, 'a high acceleration gives up some matches');
  });

  it('cuts chunks at the last newline that fits, or at the limit inside a long line, and every length fits 14 bits', () => {
    const line = Buffer.from(`SET "${'x'.repeat(90)}" = 1\n`);
    const text = Buffer.concat([...Array<Buffer>(400).fill(line), Buffer.from('y'.repeat(40_000)), Buffer.from('\nEND\n')]);
    const wire = new Lz4FrameEncoder().encode(text);
    const texts: string[] = [];
    let pos = 0;
    const decoder = new Lz4FrameDecoder((b) => texts.push(b.toString('latin1')));
    while (pos < wire.length) {
      const size = (wire[pos + 1]! & 0x7f) | ((wire[pos + 2]! & 0x7f) << 7);
      assert.ok(size <= lz4CompressBound(LZ4_ENCODER_MAX_TEXT_BYTES) && size < 1 << 14);
      decoder.push(wire.subarray(pos, pos + 4 + size));
      pos += 4 + size;
    }
    const cut = Math.floor(LZ4_ENCODER_MAX_TEXT_BYTES / line.length) * line.length;
    assert.equal(texts[0]!.length, cut, 'the first chunk ends at a newline');
    assert.ok(texts.every((t) => t.length <= LZ4_ENCODER_MAX_TEXT_BYTES));
    assert.equal(texts.join(''), text.toString('latin1'));
  });

  it('keeps a chunk that does not compress within the header\'s 14-bit length', () => {
    const noise = Buffer.alloc(3 * LZ4_ENCODER_MAX_TEXT_BYTES);
    let x = 1;
    for (let i = 0; i < noise.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; noise[i] = x >>> 24; }
    const wire = new Lz4FrameEncoder().encode(noise);
    const { text } = decode(wire);
    assert.equal(text, noise.toString('latin1'));
  });
});
