/**
 * netdata 1.37's lz4 framing of a stream (reference §11; `streaming/compression.c`,
 * `receiver.c`, `sender.c` at v1.37.1). Each compressed chunk is a 4-byte header, byte 0
 * `'z' | 0x80` (0xFA), bytes 1 and 2 the block's length in two 7-bit groups with the high bit
 * set (low group first), byte 3 `'\n'`, then one lz4 block. All blocks of a connection are one
 * lz4 stream: a block may reach back into the last 64 KiB decoded before it
 * (`LZ4_decompress_safe_continue`). A 1.37 sender cuts its text at newlines into chunks of at
 * most 16 KiB (without BINARY); a 1.37 receiver takes bytes that are not a header as plain
 * text ("multiplexed uncompressed data", read in 4-byte groups), so this decoder passes plain
 * text between frames on too.
 */
import { ProtocolError } from '../protocol/index.js';
import { LZ4_WINDOW_BYTES, Lz4BlockEncoder, lz4CompressBound, lz4DecodeBlock } from './lz4-block.js';
import type { InboundTransport, OutboundTransport, TransportStats } from './transport.js';

/** Byte 0 of a frame header: `'z' | 0x80`. */
export const LZ4_FRAME_MAGIC = 0xfa;
export const LZ4_FRAME_HEADER_BYTES = 4;
/** The most a header's 14-bit length can say. */
export const LZ4_FRAME_MAX_BLOCK_BYTES = (1 << 14) - 1;
/**
 * The most text one frame carries: 1.37's `COMPRESSION_MAX_MSG_SIZE`, the largest chunk its
 * sender compresses; a block that decodes to more is refused.
 */
export const LZ4_FRAME_MAX_TEXT_BYTES = 16 * 1024;
/**
 * The most text this encoder puts in one frame: the largest whose worst case still fits the
 * 14-bit length (`lz4CompressBound(16304)` = 16383). 1.37 cuts at 16384 and would write a wrong
 * length for a chunk that does not compress; text always does, so it never shows there.
 */
export const LZ4_ENCODER_MAX_TEXT_BYTES = 16304;
const NEWLINE = 0x0a;
/**
 * Decoded text is kept here; past its end the last 64 KiB slide back to the start (one 64 KiB
 * copy per 64 KiB decoded; 1.37's decoder keeps about 160 KiB a link).
 */
const DECODER_WINDOW_BYTES = 2 * LZ4_WINDOW_BYTES;

/** The 4 header bytes for a block of `blockBytes` (1 to 16383). */
export function lz4FrameHeader(blockBytes: number): Buffer {
  return Buffer.from([LZ4_FRAME_MAGIC, 0x80 | (blockBytes & 0x7f), 0x80 | ((blockBytes >>> 7) & 0x7f), NEWLINE]);
}

/** The block length a header at `b[p]` (which is 0xFA) says, or -1 when these bytes are no header. */
function headerLength(b: Buffer, p: number): number {
  const lo = b[p + 1]!;
  const hi = b[p + 2]!;
  if ((lo & 0x80) === 0 || (hi & 0x80) === 0 || b[p + 3] !== NEWLINE) return -1;
  return (lo & 0x7f) | ((hi & 0x7f) << 7);
}

/**
 * The receiving side: frames decoded as one lz4 stream, plain text between them passed as it
 * came. Bad input (a corrupt block, one that decodes to more than 16 KiB or reaches before the
 * stream's start, a header of 0 bytes, a stream ending inside a frame) throws a ProtocolError
 * saying which frame and where; after that the decoder takes nothing more.
 */
export class Lz4FrameDecoder implements InboundTransport {
  readonly stats: TransportStats = { wireBytes: 0, plainBytes: 0, frames: 0 };
  readonly #sink: (plain: Buffer) => void;
  readonly #window = Buffer.allocUnsafe(DECODER_WINDOW_BYTES);
  #windowEnd = 0;
  /** A header cut by the socket: its first bytes, put before the next chunk. */
  #carry: Buffer | null = null;
  /** A block cut by the socket: gathered here until whole. */
  readonly #block = Buffer.allocUnsafe(LZ4_FRAME_MAX_BLOCK_BYTES);
  #blockBytes = 0;
  /** Length of the block being gathered; 0 when none is. */
  #blockSize = 0;
  /** Wire offset of the block being decoded (for messages). */
  #blockAt = 0;
  #failed = false;

  constructor(sink: (plain: Buffer) => void) {
    this.#sink = sink;
  }

  push(wire: Buffer): void {
    if (this.#failed || wire.length === 0) return;
    let buf = wire;
    // the offset on the wire of buf[0]
    let at = this.stats.wireBytes;
    this.stats.wireBytes += wire.length;
    if (this.#carry) {
      at -= this.#carry.length;
      buf = Buffer.concat([this.#carry, wire]);
      this.#carry = null;
    }
    try {
      this.#take(buf, at);
    } catch (err) {
      this.#failed = true;
      throw err;
    }
  }

  end(): void {
    if (this.#failed) return;
    if (this.#blockSize > 0) {
      this.#failed = true;
      throw new ProtocolError(`compressed stream: the connection ended inside frame ${this.stats.frames + 1} (${this.#blockBytes} of its ${this.#blockSize} bytes came)`);
    }
    if (this.#carry) {
      this.#failed = true;
      throw new ProtocolError(`compressed stream: the connection ended inside a frame header (${this.#carry.length} of its 4 bytes came)`);
    }
  }

  #take(buf: Buffer, at: number): void {
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      if (this.#blockSize > 0) {
        const take = Math.min(this.#blockSize - this.#blockBytes, len - pos);
        buf.copy(this.#block, this.#blockBytes, pos, pos + take);
        this.#blockBytes += take;
        pos += take;
        if (this.#blockBytes === this.#blockSize) {
          this.#blockSize = 0;
          this.#decode(this.#block, 0, this.#blockBytes);
        }
        continue;
      }
      if (buf[pos] !== LZ4_FRAME_MAGIC) {
        // plain text, up to the next byte that may start a header (UTF-8 text never has 0xFA)
        let next = buf.indexOf(LZ4_FRAME_MAGIC, pos);
        if (next < 0) next = len;
        this.#plain(buf.subarray(pos, next));
        pos = next;
        continue;
      }
      if (len - pos < LZ4_FRAME_HEADER_BYTES) {
        this.#carry = Buffer.from(buf.subarray(pos));
        return;
      }
      const size = headerLength(buf, pos);
      if (size < 0) {
        // a 0xFA that starts no header: a byte of plain text, as 1.37 takes it
        this.#plain(buf.subarray(pos, pos + 1));
        pos++;
        continue;
      }
      this.#blockAt = at + pos;
      if (size === 0) throw this.#error(0, 'its header says 0 bytes');
      pos += LZ4_FRAME_HEADER_BYTES;
      if (len - pos >= size) {
        this.#decode(buf, pos, pos + size);
        pos += size;
      } else {
        this.#blockSize = size;
        this.#blockBytes = len - pos;
        buf.copy(this.#block, 0, pos, len);
        pos = len;
      }
    }
  }

  #decode(src: Buffer, start: number, end: number): void {
    const window = this.#window;
    if (this.#windowEnd + LZ4_FRAME_MAX_TEXT_BYTES > window.length) {
      window.copyWithin(0, this.#windowEnd - LZ4_WINDOW_BYTES, this.#windowEnd);
      this.#windowEnd = LZ4_WINDOW_BYTES;
    }
    const from = this.#windowEnd;
    let to: number;
    try {
      to = lz4DecodeBlock(src, start, end, window, from, from + LZ4_FRAME_MAX_TEXT_BYTES, 0);
    } catch (err) {
      throw this.#error(end - start, err instanceof Error ? err.message : String(err));
    }
    this.#windowEnd = to;
    this.stats.frames++;
    const text = Buffer.allocUnsafe(to - from);
    window.copy(text, 0, from, to);
    this.#plain(text);
  }

  #plain(text: Buffer): void {
    this.stats.plainBytes += text.length;
    this.#sink(text);
  }

  #error(blockBytes: number, problem: string): ProtocolError {
    return new ProtocolError(
      `corrupt compressed stream: frame ${this.stats.frames + 1} (${blockBytes} bytes at byte ${this.#blockAt} of the stream): ${problem}`,
    );
  }
}

/** Options of an {@link Lz4FrameEncoder}. */
export interface Lz4FrameEncoderOptions {
  /**
   * Blocks reach back into the earlier ones, as 1.37 compresses (default). Off, every block
   * stands alone; a 1.37 receiver reads both.
   */
  linked?: boolean;
}

/**
 * The sending side: text cut into chunks at newlines (each at most
 * {@link LZ4_ENCODER_MAX_TEXT_BYTES}, cut at the last newline inside that, or there when there is
 * none, as 1.37 without BINARY), each chunk one frame of one lz4 stream for the connection.
 */
export class Lz4FrameEncoder implements OutboundTransport {
  readonly name = 'lz4';
  readonly stats: TransportStats = { wireBytes: 0, plainBytes: 0, frames: 0 };
  readonly #blocks: Lz4BlockEncoder;
  #scratch = Buffer.allocUnsafe(LZ4_FRAME_HEADER_BYTES + lz4CompressBound(LZ4_ENCODER_MAX_TEXT_BYTES));

  constructor(options: Lz4FrameEncoderOptions = {}) {
    this.#blocks = new Lz4BlockEncoder({ maxBlockBytes: LZ4_ENCODER_MAX_TEXT_BYTES, linked: options.linked ?? true });
  }

  encode(plain: Buffer): Buffer {
    let pos = 0;
    let op = 0;
    while (pos < plain.length) {
      const end = chunkEnd(plain, pos);
      op = this.#frame(plain, pos, end, op);
      pos = end;
    }
    const wire = Buffer.allocUnsafe(op);
    this.#scratch.copy(wire, 0, 0, op);
    this.stats.plainBytes += plain.length;
    this.stats.wireBytes += op;
    return wire;
  }

  /** Writes one frame of `plain[start, end)` into the scratch at `op`; returns its end. */
  #frame(plain: Buffer, start: number, end: number, op: number): number {
    const need = op + LZ4_FRAME_HEADER_BYTES + lz4CompressBound(end - start);
    if (need > this.#scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.#scratch.length));
      this.#scratch.copy(bigger, 0, 0, op);
      this.#scratch = bigger;
    }
    const s = this.#scratch;
    const blockEnd = this.#blocks.compress(plain, start, end, s, op + LZ4_FRAME_HEADER_BYTES);
    const size = blockEnd - op - LZ4_FRAME_HEADER_BYTES;
    s[op] = LZ4_FRAME_MAGIC;
    s[op + 1] = 0x80 | (size & 0x7f);
    s[op + 2] = 0x80 | ((size >>> 7) & 0x7f);
    s[op + 3] = NEWLINE;
    this.stats.frames++;
    return blockEnd;
  }
}

/** Where the chunk starting at `pos` ends (1.37's `sender_commit` without BINARY). */
function chunkEnd(plain: Buffer, pos: number): number {
  if (plain.length - pos <= LZ4_ENCODER_MAX_TEXT_BYTES) return plain.length;
  const newline = plain.lastIndexOf(NEWLINE, pos + LZ4_ENCODER_MAX_TEXT_BYTES - 1);
  return newline > pos ? newline + 1 : pos + LZ4_ENCODER_MAX_TEXT_BYTES;
}
