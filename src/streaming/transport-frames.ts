/**
 * netdata's framing of a compressed stream, the same for every algorithm (reference §11;
 * `streaming/compression.h` at v1.44.3, `compression.c` at v1.37.1): each compressed chunk is a
 * 4-byte header, byte 0 `'z' | 0x80` (0xFA), bytes 1 and 2 the block's length in two 7-bit
 * groups with the high bit set (low group first), byte 3 `'\n'`, then the block. The blocks of a
 * connection are one stream of the link's algorithm: each is flushed whole, so it decodes to the
 * chunk it was made of, but it may reach back into what came before. A sender cuts its text at
 * newlines into chunks of a bounded size; a 1.37 receiver takes bytes that are not a header as
 * plain text ("multiplexed uncompressed data"), so this decoder passes plain text between frames
 * on too. The algorithm is a {@link BlockDecoder} / {@link BlockEncoder} pair.
 */
import { ProtocolError } from '../protocol/index.js';
import type { InboundTransport, OutboundTransport, TransportStats } from './transport.js';

/** Byte 0 of a frame header: `'z' | 0x80`. */
export const FRAME_MAGIC = 0xfa;
export const FRAME_HEADER_BYTES = 4;
/** The most a header's 14-bit length can say. */
export const FRAME_MAX_BLOCK_BYTES = (1 << 14) - 1;
/**
 * The most text one frame may decode to: netdata's `COMPRESSION_MAX_CHUNK` (16 KiB), the bound
 * both 1.37 and 1.44 receivers hold a block to; a block that decodes to more is refused (a
 * decompression bomb costs at most this much).
 */
export const FRAME_MAX_TEXT_BYTES = 16 * 1024;
const NEWLINE = 0x0a;

/** One connection's decompressor: one whole block in, the text it stands for out. */
export interface BlockDecoder {
  /**
   * Decodes the block `src[start, end)`; returns its text (new, the caller's). Throws an Error
   * saying what is wrong with it when it is corrupt or decodes to more than
   * {@link FRAME_MAX_TEXT_BYTES}; the decoder is unusable after that.
   */
  decode(src: Buffer, start: number, end: number): Buffer;
}

/** One connection's compressor: one chunk of text in, one flushed block out. */
export interface BlockEncoder {
  /** The most text one frame carries (the encoder cuts longer writes). */
  readonly maxTextBytes: number;
  /** The most bytes a block of `textBytes` may take (for the output buffer). */
  bound(textBytes: number): number;
  /** Compresses `plain[start, end)` into `out` from `at`, flushed; returns the block's end in `out`. */
  compress(plain: Buffer, start: number, end: number, out: Buffer, at: number): number;
}

/** The 4 header bytes for a block of `blockBytes` (1 to 16383). */
export function frameHeader(blockBytes: number): Buffer {
  return Buffer.from([FRAME_MAGIC, 0x80 | (blockBytes & 0x7f), 0x80 | ((blockBytes >>> 7) & 0x7f), NEWLINE]);
}

/** The block length a header at `b[p]` (which is 0xFA) says, or -1 when these bytes are no header. */
function headerLength(b: Buffer, p: number): number {
  const lo = b[p + 1]!;
  const hi = b[p + 2]!;
  if ((lo & 0x80) === 0 || (hi & 0x80) === 0 || b[p + 3] !== NEWLINE) return -1;
  return (lo & 0x7f) | ((hi & 0x7f) << 7);
}

/**
 * The receiving side: frames decoded by the link's {@link BlockDecoder}, plain text between them
 * passed as it came. Bad input (a corrupt block, one that decodes to more than 16 KiB, a header
 * of 0 bytes, a stream ending inside a frame) throws a ProtocolError saying which frame and
 * where, prefixed by `what` ("compressed stream" for 1.37's lz4, "zstd stream"); after that the
 * decoder takes nothing more.
 */
export class FrameDecoder implements InboundTransport {
  readonly stats: TransportStats = { wireBytes: 0, plainBytes: 0, frames: 0 };
  readonly #sink: (plain: Buffer) => void;
  readonly #blocks: BlockDecoder;
  readonly #what: string;
  /** A header cut by the socket: its first bytes, put before the next chunk. */
  #carry: Buffer | null = null;
  /** A block cut by the socket: gathered here until whole. */
  readonly #block = Buffer.allocUnsafe(FRAME_MAX_BLOCK_BYTES);
  #blockBytes = 0;
  /** Length of the block being gathered; 0 when none is. */
  #blockSize = 0;
  /** Wire offset of the block being decoded (for messages). */
  #blockAt = 0;
  #failed = false;

  constructor(sink: (plain: Buffer) => void, blocks: BlockDecoder, what: string) {
    this.#sink = sink;
    this.#blocks = blocks;
    this.#what = what;
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
      throw new ProtocolError(`${this.#what}: the connection ended inside frame ${this.stats.frames + 1} (${this.#blockBytes} of its ${this.#blockSize} bytes came)`);
    }
    if (this.#carry) {
      this.#failed = true;
      throw new ProtocolError(`${this.#what}: the connection ended inside a frame header (${this.#carry.length} of its 4 bytes came)`);
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
      if (buf[pos] !== FRAME_MAGIC) {
        // plain text, up to the next byte that may start a header (UTF-8 text never has 0xFA)
        let next = buf.indexOf(FRAME_MAGIC, pos);
        if (next < 0) next = len;
        this.#plain(buf.subarray(pos, next));
        pos = next;
        continue;
      }
      if (len - pos < FRAME_HEADER_BYTES) {
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
      pos += FRAME_HEADER_BYTES;
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
    let text: Buffer;
    try {
      text = this.#blocks.decode(src, start, end);
    } catch (err) {
      throw this.#error(end - start, err instanceof Error ? err.message : String(err));
    }
    this.stats.frames++;
    this.#plain(text);
  }

  #plain(text: Buffer): void {
    this.stats.plainBytes += text.length;
    this.#sink(text);
  }

  #error(blockBytes: number, problem: string): ProtocolError {
    return new ProtocolError(
      `corrupt ${this.#what}: frame ${this.stats.frames + 1} (${blockBytes} bytes at byte ${this.#blockAt} of the stream): ${problem}`,
    );
  }
}

/**
 * The sending side: text cut into chunks at newlines (each at most the encoder's
 * `maxTextBytes`, cut at the last newline inside that, or there when there is none, as netdata's
 * `sender_commit` without BINARY), each chunk one frame of the connection's stream.
 */
export class FrameEncoder implements OutboundTransport {
  readonly stats: TransportStats = { wireBytes: 0, plainBytes: 0, frames: 0 };
  readonly name: string;
  readonly #blocks: BlockEncoder;
  /** The largest block a header may announce to the receivers this encoder writes for. */
  readonly #maxBlockBytes: number;
  #scratch: Buffer;

  constructor(name: string, blocks: BlockEncoder, maxBlockBytes = FRAME_MAX_BLOCK_BYTES) {
    this.name = name;
    this.#blocks = blocks;
    this.#maxBlockBytes = Math.min(maxBlockBytes, FRAME_MAX_BLOCK_BYTES);
    this.#scratch = Buffer.allocUnsafe(FRAME_HEADER_BYTES + blocks.bound(blocks.maxTextBytes));
  }

  encode(plain: Buffer): Buffer {
    let pos = 0;
    let op = 0;
    while (pos < plain.length) {
      const end = chunkEnd(plain, pos, this.#blocks.maxTextBytes);
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
    const need = op + FRAME_HEADER_BYTES + this.#blocks.bound(end - start);
    if (need > this.#scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.#scratch.length));
      this.#scratch.copy(bigger, 0, 0, op);
      this.#scratch = bigger;
    }
    const s = this.#scratch;
    const blockEnd = this.#blocks.compress(plain, start, end, s, op + FRAME_HEADER_BYTES);
    const size = blockEnd - op - FRAME_HEADER_BYTES;
    // the chunk sizes are chosen so that this never happens: it would be a bug of ours
    if (size > this.#maxBlockBytes) throw new Error(`${this.name}: a block of ${size} bytes is more than a frame carries (${this.#maxBlockBytes})`);
    s[op] = FRAME_MAGIC;
    s[op + 1] = 0x80 | (size & 0x7f);
    s[op + 2] = 0x80 | ((size >>> 7) & 0x7f);
    s[op + 3] = NEWLINE;
    this.stats.frames++;
    return blockEnd;
  }
}

/** Where the chunk starting at `pos` ends: at most `maxBytes`, at its last newline when it has one. */
function chunkEnd(plain: Buffer, pos: number, maxBytes: number): number {
  if (plain.length - pos <= maxBytes) return plain.length;
  const newline = plain.lastIndexOf(NEWLINE, pos + maxBytes - 1);
  return newline > pos ? newline + 1 : pos + maxBytes;
}
