/**
 * The lz4 block format (lz4's `doc/lz4_Block_format.md`), both ways, in plain TypeScript: a
 * block is a run of sequences, each a token (literal length in the high 4 bits, match length
 * minus 4 in the low 4, 15 meaning "more bytes follow, 255 meaning more again"), the literals,
 * a 2-byte little-endian offset back into what was decoded (1 to 65535) and the match length's
 * extra bytes; the last sequence is literals only. A block may reach back into the output of
 * earlier blocks of the same stream (lz4's `_continue` functions), so both ends here work on a
 * window buffer that keeps the last 64 KiB of the stream before the block.
 */
import { ProtocolError } from '../protocol/index.js';

/** How far back a match may reach: the most a 2-byte offset says, plus one. */
export const LZ4_WINDOW_BYTES = 64 * 1024;
const MAX_OFFSET = LZ4_WINDOW_BYTES - 1;
const MIN_MATCH = 4;
/** No match starts within the last 12 bytes of a block, and the last 5 are literals (lz4's MFLIMIT, LASTLITERALS). */
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
/** Blocks shorter than this are literals only (lz4's LZ4_minLength). */
const MIN_LENGTH = MF_LIMIT + 1;
const HASH_LOG = 12;
/** After 2^SKIP_TRIGGER misses the search steps faster (lz4's acceleration 1). */
const SKIP_TRIGGER = 6;
/** Literal or match runs this long are copied natively; shorter ones byte by byte. */
const NATIVE_COPY_BYTES = 24;

/** The most `n` bytes can take as one block (lz4's LZ4_COMPRESSBOUND). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/**
 * Decodes the block `src[start, end)` into `out` from `outPos`; `out[windowStart, outPos)` is
 * the stream before it, where a match may reach. Returns the new end of the output. Throws a
 * ProtocolError when the block is malformed, reaches before `windowStart`, or would write past
 * `outLimit`; `out` past `outPos` then holds garbage.
 */
export function lz4DecodeBlock(
  src: Buffer, start: number, end: number, out: Buffer, outPos: number, outLimit: number, windowStart: number,
): number {
  if (start >= end) throw new ProtocolError('the block is empty');
  let ip = start;
  let op = outPos;
  for (;;) {
    if (ip >= end) throw new ProtocolError('the block ends after a match (its last sequence must be literals)');
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw new ProtocolError('the block ends inside a literal length');
        b = src[ip++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > 0) {
      if (literals > end - ip) throw new ProtocolError(`${literals} literals run past the end of the block`);
      if (literals > outLimit - op) throw new ProtocolError(`the block decodes to more than ${outLimit - outPos} bytes`);
      if (literals < NATIVE_COPY_BYTES) {
        for (const stop = ip + literals; ip < stop;) out[op++] = src[ip++]!;
      } else {
        src.copy(out, op, ip, ip + literals);
        ip += literals;
        op += literals;
      }
    }
    if (ip === end) return op;
    if (end - ip < 2) throw new ProtocolError('the block ends inside a match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (ip >= end) throw new ProtocolError('the block ends inside a match length');
        b = src[ip++]!;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    let ref = op - offset;
    if (offset === 0) throw new ProtocolError('a match has offset 0');
    if (ref < windowStart) {
      throw new ProtocolError(`a match reaches ${offset} bytes back, before the start of its window (${op - windowStart} bytes of the stream)`);
    }
    if (length > outLimit - op) throw new ProtocolError(`the block decodes to more than ${outLimit - outPos} bytes`);
    if (length >= NATIVE_COPY_BYTES && offset >= length) {
      out.copyWithin(op, ref, ref + length);
      op += length;
    } else {
      // an overlapping match repeats its last `offset` bytes: copy forwards, byte by byte
      for (const stop = op + length; op < stop;) out[op++] = out[ref++]!;
    }
  }
}

/** Options of an {@link Lz4BlockEncoder}. */
export interface Lz4EncoderOptions {
  /** The most bytes one block may take in. */
  maxBlockBytes: number;
  /**
   * Blocks reach back into the earlier blocks of the stream (lz4's `LZ4_compress_fast_continue`,
   * as netdata 1.37 sends): a better ratio on small blocks; the decoder must keep the window.
   * Off, each block stands alone (any lz4 stream decoder reads them too).
   */
  linked: boolean;
  /**
   * lz4's acceleration (`[stream] lz4 compression acceleration`, 1.44): 1 (default, as 1.37
   * always compresses) is the smallest; larger steps faster through data that does not repeat.
   */
  acceleration?: number;
}

/** The most acceleration lz4 takes (`LZ4_ACCELERATION_MAX`). */
export const LZ4_MAX_ACCELERATION = 65537;

/**
 * lz4's fast compressor (acceleration 1 by default, a 4096-entry hash of 4-byte sequences) over
 * one stream of blocks. Lives for one connection: a new connection needs a new encoder (or reset()).
 */
export class Lz4BlockEncoder {
  readonly #linked: boolean;
  readonly #maxBlockBytes: number;
  /** The search's first step count, `acceleration << SKIP_TRIGGER` (lz4's `searchMatchNb`). */
  readonly #firstMisses: number;
  /** Position in #window of the last sequence with each hash; -1 = none. */
  readonly #table = new Int32Array(1 << HASH_LOG).fill(-1);
  /** The stream's last 64 KiB (when linked), then the block being compressed. */
  readonly #window: Buffer;
  #windowEnd = 0;

  constructor(options: Lz4EncoderOptions) {
    this.#linked = options.linked;
    this.#maxBlockBytes = options.maxBlockBytes;
    const acceleration = Math.min(LZ4_MAX_ACCELERATION, Math.max(1, Math.round(options.acceleration ?? 1)));
    this.#firstMisses = acceleration << SKIP_TRIGGER;
    // linked: the history and room for two blocks, so the history slides back every other block
    this.#window = Buffer.allocUnsafe(options.linked ? LZ4_WINDOW_BYTES + 2 * options.maxBlockBytes : options.maxBlockBytes);
  }

  /** Forgets the stream (a new connection). */
  reset(): void {
    this.#table.fill(-1);
    this.#windowEnd = 0;
  }

  /**
   * Compresses `src[start, end)` (at most `maxBlockBytes`) as one block into `dst` from
   * `dstPos`, which needs {@link lz4CompressBound} bytes free; returns the end of the block.
   */
  compress(src: Buffer, start: number, end: number, dst: Buffer, dstPos: number): number {
    const n = end - start;
    if (n > this.#maxBlockBytes) throw new RangeError(`block of ${n} bytes is over the encoder's ${this.#maxBlockBytes}`);
    const base = this.#makeRoom(n);
    const w = this.#window;
    src.copy(w, base, start, end);
    this.#windowEnd = base + n;
    return n < MIN_LENGTH
      ? writeLastLiterals(w, base, base + n, dst, dstPos)
      : this.#sequences(base, base + n, dst, dstPos);
  }

  /** Where the block goes in #window: after the history (sliding it when full), or at 0 unlinked. */
  #makeRoom(n: number): number {
    if (!this.#linked) return 0;
    if (this.#windowEnd + n <= this.#window.length) return this.#windowEnd;
    const shift = this.#windowEnd - LZ4_WINDOW_BYTES;
    this.#window.copyWithin(0, shift, this.#windowEnd);
    const table = this.#table;
    for (let i = 0; i < table.length; i++) table[i] = table[i]! >= shift ? table[i]! - shift : -1;
    return LZ4_WINDOW_BYTES;
  }

  #sequences(blockStart: number, blockEnd: number, dst: Buffer, dstPos: number): number {
    const w = this.#window;
    const table = this.#table;
    // a match starts before matchStartLimit and ends by matchEndLimit
    const matchStartLimit = blockEnd - MF_LIMIT + 1;
    const matchEndLimit = blockEnd - LAST_LITERALS;
    let anchor = blockStart;
    let op = dstPos;
    let ip = blockStart;
    table[hash(w, ip)] = ip;
    ip++;
    let ref = -1;
    search: for (;;) {
      // find a match, stepping faster through data that does not repeat
      let misses = this.#firstMisses;
      let next = ip;
      let step = 1;
      do {
        ip = next;
        next += step;
        step = misses++ >>> SKIP_TRIGGER;
        if (next > matchStartLimit) break search;
        const h = hash(w, ip);
        ref = table[h]!;
        table[h] = ip;
      } while (ref < 0 || ref >= ip || ip - ref > MAX_OFFSET || read32(w, ref) !== read32(w, ip));
      // the match may start earlier than the 4 bytes that hashed
      while (ip > anchor && ref > 0 && w[ip - 1] === w[ref - 1]) { ip--; ref--; }
      let tokenPos = op++;
      op = writeLength(dst, tokenPos, ip - anchor, op, 4);
      op = copyBytes(w, anchor, ip, dst, op);
      for (;;) {
        // the match: its offset, then its length past the 4 bytes that matched
        dst[op++] = (ip - ref) & 0xff;
        dst[op++] = (ip - ref) >>> 8;
        let length = MIN_MATCH;
        while (ip + length < matchEndLimit && w[ip + length] === w[ref + length]) length++;
        op = writeLength(dst, tokenPos, length - MIN_MATCH, op, 0);
        ip += length;
        anchor = ip;
        if (ip >= matchStartLimit) break search;
        table[hash(w, ip - 2)] = ip - 2;
        // a match right here needs no literals
        const h = hash(w, ip);
        ref = table[h]!;
        table[h] = ip;
        if (ref < 0 || ref >= ip || ip - ref > MAX_OFFSET || read32(w, ref) !== read32(w, ip)) break;
        tokenPos = op++;
        dst[tokenPos] = 0;
      }
      ip++;
    }
    return writeLastLiterals(w, anchor, blockEnd, dst, op);
  }
}

/** The block's last sequence: `w[from, to)` as literals. */
function writeLastLiterals(w: Buffer, from: number, to: number, dst: Buffer, op: number): number {
  const tokenPos = op++;
  op = writeLength(dst, tokenPos, to - from, op, 4);
  return copyBytes(w, from, to, dst, op);
}

/**
 * Puts `length` in the token at `tokenPos` (high nibble when `shift` is 4, which also clears
 * the low one; low nibble when 0) and its extra bytes at `op`; returns the end.
 */
function writeLength(dst: Buffer, tokenPos: number, length: number, op: number, shift: number): number {
  const nibble = length >= 15 ? 15 : length;
  dst[tokenPos] = shift === 4 ? nibble << 4 : dst[tokenPos]! | nibble;
  if (length < 15) return op;
  let rest = length - 15;
  while (rest >= 255) { dst[op++] = 255; rest -= 255; }
  dst[op++] = rest;
  return op;
}

function copyBytes(src: Buffer, from: number, to: number, dst: Buffer, op: number): number {
  if (to - from < NATIVE_COPY_BYTES) {
    while (from < to) dst[op++] = src[from++]!;
    return op;
  }
  return op + src.copy(dst, op, from, to);
}

function read32(b: Buffer, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

function hash(b: Buffer, p: number): number {
  return Math.imul(read32(b, p), 2654435761) >>> (32 - HASH_LOG);
}
