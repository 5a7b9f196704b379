/**
 * Snappy's block format (the one Prometheus remote write requires, `Content-Encoding: snappy`):
 * the uncompressed length as a varint, then literals and back-references. Written here rather
 * than taken from npm: the maintained packages are native addons (a compiler or a prebuilt
 * download at install) or unmaintained pure-JS ports, and the compressor is one greedy loop.
 *
 * The encoder is snappy's own scheme: 64 KiB fragments, a hash of the next 4 bytes finds an
 * earlier occurrence in the fragment, a match is extended as far as it goes. `uncompress` is here
 * for the tests and the disk queue's checks; receivers use their own decoder.
 */

/** Input is compressed in fragments of this size (offsets fit in two bytes). */
const FRAGMENT_BYTES = 1 << 16;
/** Entries in the match-finding hash table. */
const HASH_BITS = 14;
/** Longest copy one element carries. */
const MAX_COPY_BYTES = 64;
/** Shortest match worth a copy. */
const MIN_MATCH_BYTES = 4;
/** Literal lengths up to this are in the tag byte. */
const MAX_INLINE_LITERAL = 60;

const TAG_LITERAL = 0;
const TAG_COPY_1 = 1;
const TAG_COPY_2 = 2;

/** The largest output `compress` can make for `n` input bytes (snappy's `MaxCompressedLength`). */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function hash(u32: number): number {
  return Math.imul(u32, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

/** Compresses `input` into a new buffer. */
export function compress(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(maxCompressedLength(input.length));
  let o = writeVarint(out, 0, input.length);
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < input.length; start += FRAGMENT_BYTES) {
    const end = Math.min(start + FRAGMENT_BYTES, input.length);
    table.fill(-1);
    o = compressFragment(input, start, end, table, out, o);
  }
  return out.subarray(0, o);
}

function read32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function compressFragment(input: Uint8Array, start: number, end: number, table: Int32Array, out: Buffer, o: number): number {
  let literalStart = start;
  let ip = start;
  while (ip + MIN_MATCH_BYTES <= end) {
    const word = read32(input, ip);
    const h = hash(word);
    const candidate = table[h]!;
    table[h] = ip;
    if (candidate < start || read32(input, candidate) !== word) {
      ip++;
      continue;
    }
    let length = MIN_MATCH_BYTES;
    while (ip + length < end && input[candidate + length] === input[ip + length]) length++;
    o = emitLiteral(input, literalStart, ip, out, o);
    o = emitCopy(ip - candidate, length, out, o);
    ip += length;
    literalStart = ip;
  }
  return emitLiteral(input, literalStart, end, out, o);
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Buffer, o: number): number {
  const length = to - from;
  if (length === 0) return o;
  const n = length - 1;
  if (length <= MAX_INLINE_LITERAL) {
    out[o++] = (n << 2) | TAG_LITERAL;
  } else {
    const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
    out[o++] = ((MAX_INLINE_LITERAL - 1 + bytes) << 2) | TAG_LITERAL;
    for (let i = 0; i < bytes; i++) out[o++] = (n >>> (8 * i)) & 0xff;
  }
  out.set(input.subarray(from, to), o);
  return o + length;
}

function emitCopy(offset: number, length: number, out: Buffer, o: number): number {
  // the last piece keeps at least MIN_MATCH_BYTES so a 1-byte-offset copy stays possible
  while (length >= MAX_COPY_BYTES + MIN_MATCH_BYTES) {
    o = emitCopyPiece(offset, MAX_COPY_BYTES, out, o);
    length -= MAX_COPY_BYTES;
  }
  if (length > MAX_COPY_BYTES) {
    o = emitCopyPiece(offset, MAX_COPY_BYTES - MIN_MATCH_BYTES, out, o);
    length -= MAX_COPY_BYTES - MIN_MATCH_BYTES;
  }
  return emitCopyPiece(offset, length, out, o);
}

function emitCopyPiece(offset: number, length: number, out: Buffer, o: number): number {
  if (length >= 4 && length <= 11 && offset < 2048) {
    out[o++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | TAG_COPY_1;
    out[o++] = offset & 0xff;
    return o;
  }
  out[o++] = ((length - 1) << 2) | TAG_COPY_2;
  out[o++] = offset & 0xff;
  out[o++] = offset >>> 8;
  return o;
}

function writeVarint(out: Buffer, o: number, value: number): number {
  while (value >= 0x80) {
    out[o++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[o++] = value;
  return o;
}

/** Most bytes `uncompress` will produce (a corrupt or hostile length cannot exhaust memory). */
export const MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Decompresses one block; throws on input that is not a valid block. */
export function uncompress(input: Uint8Array): Buffer {
  let i = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (i >= input.length || shift > 28) throw new Error('snappy: bad length preamble');
    const b = input[i++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > MAX_UNCOMPRESSED_BYTES) throw new Error(`snappy: block of ${length} bytes is over the limit`);
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  while (i < input.length) {
    const tag = input[i++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case TAG_LITERAL: {
        len = tag >>> 2;
        if (len >= MAX_INLINE_LITERAL) {
          const bytes = len - MAX_INLINE_LITERAL + 1;
          len = 0;
          for (let k = 0; k < bytes; k++) len += input[i++]! * 2 ** (8 * k);
        }
        len++;
        if (i + len > input.length || o + len > length) throw new Error('snappy: literal past the end');
        out.set(input.subarray(i, i + len), o);
        i += len;
        o += len;
        continue;
      }
      case TAG_COPY_1:
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | input[i++]!;
        break;
      case TAG_COPY_2:
        len = (tag >>> 2) + 1;
        offset = input[i]! | (input[i + 1]! << 8);
        i += 2;
        break;
      default: // a copy with a 4-byte offset
        len = (tag >>> 2) + 1;
        offset = read32(input, i);
        i += 4;
    }
    if (offset === 0 || offset > o || o + len > length) throw new Error('snappy: bad copy');
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) throw new Error(`snappy: block holds ${o} bytes, its preamble says ${length}`);
  return out;
}
