/**
 * zstd on a link, as netdata 1.44 streams it (`streaming/compression_zstd.c` at v1.44.3): one
 * zstd stream per connection whose frame never ends; each chunk of text is compressed and
 * flushed (`ZSTD_compressStream` + `ZSTD_flushStream`), so each block decodes whole to its
 * chunk, and goes in the common 4-byte framing (transport-frames.ts). The receiver has one
 * decompression stream per connection. The library is the optional zstd-napi (zstd-binding.ts),
 * loaded by the first of these objects made.
 */
import { FRAME_MAX_TEXT_BYTES, FrameDecoder, FrameEncoder, type BlockDecoder, type BlockEncoder } from './transport-frames.js';
import { zstdBinding, type ZstdBinding, type ZstdCCtx, type ZstdDCtx } from './zstd-binding.js';

/**
 * The most text one zstd frame carries: its worst case (`ZSTD_compressBound(16000)` = 16118, and
 * the zstd frame header on the first) stays under {@link ZSTD_MAX_BLOCK_BYTES}.
 */
export const ZSTD_MAX_TEXT_BYTES = 16000;
/**
 * The largest block a zstd frame announces: netdata 1.44's `COMPRESSION_MAX_MSG_SIZE` (16 KiB less
 * 129), the most its receiver takes.
 */
export const ZSTD_MAX_BLOCK_BYTES = 16 * 1024 - 128 - 1;
/**
 * The largest window (log2 bytes) a receiver gives a child's stream: 8 MiB, what zstd's levels up
 * to 19 use. A stream that asks for more is refused, so one link cannot make a parent allocate
 * zstd's default limit of 128 MiB.
 */
export const ZSTD_WINDOW_LOG_MAX = 23;
/**
 * The window (log2 bytes) a sender's stream uses at every level: 128 KiB. A link carries a few KB
 * of text a second, flushed each second, so what repeats (the same BEGIN and SET lines a second
 * later) is within the last 128 KiB; zstd's own window for a stream of unknown length (512 KiB at
 * level 1, 8 MiB at 19) compresses it no smaller (`bench/compression.js`) and costs more memory on
 * both ends: the sender's input buffer and the receiver's window are each about this size plus a
 * block, and a link's pages become resident as the stream goes round them.
 */
export const ZSTD_LINK_WINDOW_LOG = 17;
/**
 * The match-finder tables (log2 entries) a sender's stream uses from level
 * {@link ZSTD_LINK_TABLES_FROM_LEVEL} up: zstd sizes them for its own window at each level (at
 * level 3 a 2^17 hash table and a 2^16 chain table, 768 KiB; at 9, 10 MB; at 19, 80 MB), far
 * more than a 128 KiB window of a link's repeating lines needs. With these the context of any
 * level is about 1 MB and the feed compresses within 1% of zstd's own tables (`bench/compression.js`).
 * Only the compressor's search changes: the stream, and what a receiver needs to decode it, do not.
 */
export const ZSTD_LINK_HASH_LOG = 15;
export const ZSTD_LINK_CHAIN_LOG = 14;
/** The first level whose own tables are larger than the link's (level 1's are 2^14 and 2^13). */
export const ZSTD_LINK_TABLES_FROM_LEVEL = 2;
/**
 * `ZSTD_blockHeaderSize`: what `ZSTD_decompressStream` asks for next when a block ended whole
 * (mid-block it asks for the rest of the block and the next header).
 */
const ZSTD_BLOCK_HEADER_BYTES = 3;
/** The levels zstd has (`ZSTD_minCLevel` is negative, but netdata clamps to 1). */
export const ZSTD_MIN_LEVEL = 1;
export const ZSTD_MAX_LEVEL = 22;

/** One zstd decompression stream; each block's text at most {@link FRAME_MAX_TEXT_BYTES}. */
class ZstdStreamDecoder implements BlockDecoder {
  readonly #dctx: ZstdDCtx;
  /** One byte more than a block may decode to, so a bomb shows as a full buffer. */
  readonly #out = Buffer.allocUnsafe(FRAME_MAX_TEXT_BYTES + 1);

  constructor(zstd: ZstdBinding) {
    this.#dctx = new zstd.DCtx();
    this.#dctx.setParameter(zstd.DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX);
  }

  decode(src: Buffer, start: number, end: number): Buffer {
    const out = this.#out;
    let ip = start;
    let op = 0;
    let hint = 0;
    while (ip < end) {
      const [next, produced, consumed] = this.#dctx.decompressStream(out.subarray(op), src.subarray(ip, end));
      hint = next;
      ip += consumed;
      op += produced;
      if (op > FRAME_MAX_TEXT_BYTES) throw new Error(`the block decodes to more than ${FRAME_MAX_TEXT_BYTES} bytes`);
      if (produced === 0 && consumed === 0) throw new Error(`zstd took ${ip - start} of the block's ${end - start} bytes and no more`);
    }
    // a flushed block ends where zstd waits for the next block's header (or a new zstd frame):
    // anything else is a block cut short, its header's length a lie
    if (hint !== 0 && hint !== ZSTD_BLOCK_HEADER_BYTES) {
      throw new Error(`the block ends inside a zstd block (${hint - ZSTD_BLOCK_HEADER_BYTES} more bytes expected)`);
    }
    return Buffer.from(out.subarray(0, op));
  }
}

/** One zstd compression stream at `level`, flushed at each chunk. */
class ZstdStreamEncoder implements BlockEncoder {
  readonly maxTextBytes = ZSTD_MAX_TEXT_BYTES;
  readonly #zstd: ZstdBinding;
  readonly #cctx: ZstdCCtx;

  constructor(zstd: ZstdBinding, level: number) {
    this.#zstd = zstd;
    this.#cctx = new zstd.CCtx();
    const clamped = Math.min(ZSTD_MAX_LEVEL, Math.max(ZSTD_MIN_LEVEL, Math.round(level)));
    this.#cctx.setParameter(zstd.CParameter.compressionLevel, clamped);
    this.#cctx.setParameter(zstd.CParameter.windowLog, ZSTD_LINK_WINDOW_LOG);
    if (clamped >= ZSTD_LINK_TABLES_FROM_LEVEL) {
      this.#cctx.setParameter(zstd.CParameter.hashLog, ZSTD_LINK_HASH_LOG);
      this.#cctx.setParameter(zstd.CParameter.chainLog, ZSTD_LINK_CHAIN_LOG);
    }
  }

  bound(textBytes: number): number {
    // the frame header (at most 18 bytes) comes with the first block
    return this.#zstd.compressBound(textBytes) + 32;
  }

  compress(plain: Buffer, start: number, end: number, out: Buffer, at: number): number {
    const outEnd = at + this.bound(end - start);
    let ip = start;
    let op = at;
    for (;;) {
      const [left, produced, consumed] = this.#cctx.compressStream2(out.subarray(op, outEnd), plain.subarray(ip, end), this.#zstd.EndDirective.flush);
      ip += consumed;
      op += produced;
      if (left === 0 && ip === end) return op;
      if (produced === 0 && consumed === 0) throw new Error(`zstd made no progress on ${end - start} bytes`);
    }
  }
}

/** The receiving side of a zstd link (see {@link FrameDecoder}); loads zstd, throwing when it is not there. */
export class ZstdFrameDecoder extends FrameDecoder {
  constructor(sink: (plain: Buffer) => void) {
    super(sink, new ZstdStreamDecoder(zstdBinding()), 'zstd stream');
  }
}

/** The sending side of a zstd link at `level` (`[stream] zstd compression level`); loads zstd, throwing when it is not there. */
export class ZstdFrameEncoder extends FrameEncoder {
  constructor(level: number) {
    super('zstd', new ZstdStreamEncoder(zstdBinding(), level), ZSTD_MAX_BLOCK_BYTES);
  }
}
