/**
 * netdata 1.37's lz4 framing of a stream (reference §11; `streaming/compression.c`,
 * `receiver.c`, `sender.c` at v1.37.1), as the lz4 pair of the common framing
 * (transport-frames.ts). All blocks of a connection are one lz4 stream: a block may reach back
 * into the last 64 KiB decoded before it (`LZ4_decompress_safe_continue`). A 1.37 sender cuts its
 * text at newlines into chunks of at most 16 KiB (without BINARY); a 1.37 receiver takes bytes
 * that are not a header as plain text, so the decoder passes plain text between frames on too.
 */
import { LZ4_WINDOW_BYTES, Lz4BlockEncoder, lz4CompressBound, lz4DecodeBlock } from './lz4-block.js';
import {
  FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_MAX_BLOCK_BYTES, FRAME_MAX_TEXT_BYTES, FrameDecoder, FrameEncoder, frameHeader,
  type BlockDecoder, type BlockEncoder,
} from './transport-frames.js';

/** Byte 0 of a frame header: `'z' | 0x80`. */
export const LZ4_FRAME_MAGIC = FRAME_MAGIC;
export const LZ4_FRAME_HEADER_BYTES = FRAME_HEADER_BYTES;
/** The most a header's 14-bit length can say. */
export const LZ4_FRAME_MAX_BLOCK_BYTES = FRAME_MAX_BLOCK_BYTES;
/**
 * The most text one frame carries: 1.37's `COMPRESSION_MAX_MSG_SIZE`, the largest chunk its
 * sender compresses; a block that decodes to more is refused.
 */
export const LZ4_FRAME_MAX_TEXT_BYTES = FRAME_MAX_TEXT_BYTES;
/**
 * The most text this encoder puts in one frame: the largest whose worst case still fits the
 * 14-bit length (`lz4CompressBound(16304)` = 16383). 1.37 cuts at 16384 and would write a wrong
 * length for a chunk that does not compress; text always does, so it never shows there.
 */
export const LZ4_ENCODER_MAX_TEXT_BYTES = 16304;
/**
 * Decoded text is kept here; past its end the last 64 KiB slide back to the start (one 64 KiB
 * copy per 64 KiB decoded; 1.37's decoder keeps about 160 KiB a link).
 */
const DECODER_WINDOW_BYTES = 2 * LZ4_WINDOW_BYTES;

/** The 4 header bytes for a block of `blockBytes` (1 to 16383). */
export const lz4FrameHeader = frameHeader;

/** One lz4 stream's blocks decoded into a sliding window of the last 64 KiB. */
class Lz4StreamDecoder implements BlockDecoder {
  readonly #window = Buffer.allocUnsafe(DECODER_WINDOW_BYTES);
  #windowEnd = 0;

  decode(src: Buffer, start: number, end: number): Buffer {
    const window = this.#window;
    if (this.#windowEnd + LZ4_FRAME_MAX_TEXT_BYTES > window.length) {
      window.copyWithin(0, this.#windowEnd - LZ4_WINDOW_BYTES, this.#windowEnd);
      this.#windowEnd = LZ4_WINDOW_BYTES;
    }
    const from = this.#windowEnd;
    const to = lz4DecodeBlock(src, start, end, window, from, from + LZ4_FRAME_MAX_TEXT_BYTES, 0);
    this.#windowEnd = to;
    const text = Buffer.allocUnsafe(to - from);
    window.copy(text, 0, from, to);
    return text;
  }
}

/**
 * The receiving side of an lz4 link: frames decoded as one lz4 stream, plain text between them
 * passed as it came. Bad input (a corrupt block, one that decodes to more than 16 KiB or reaches
 * before the stream's start, a header of 0 bytes, a stream ending inside a frame) throws a
 * ProtocolError saying which frame and where; after that the decoder takes nothing more.
 */
export class Lz4FrameDecoder extends FrameDecoder {
  constructor(sink: (plain: Buffer) => void) {
    super(sink, new Lz4StreamDecoder(), 'compressed stream');
  }
}

/** Options of an {@link Lz4FrameEncoder}. */
export interface Lz4FrameEncoderOptions {
  /**
   * Blocks reach back into the earlier ones, as 1.37 compresses (default). Off, every block
   * stands alone; a 1.37 receiver reads both.
   */
  linked?: boolean;
  /** `[stream] lz4 compression acceleration` (1.44; 1 by default, what 1.37 always uses). */
  acceleration?: number;
}

/** lz4 blocks of at most {@link LZ4_ENCODER_MAX_TEXT_BYTES} of text. */
class Lz4StreamEncoder implements BlockEncoder {
  readonly maxTextBytes = LZ4_ENCODER_MAX_TEXT_BYTES;
  readonly #blocks: Lz4BlockEncoder;

  constructor(linked: boolean, acceleration: number) {
    this.#blocks = new Lz4BlockEncoder({ maxBlockBytes: LZ4_ENCODER_MAX_TEXT_BYTES, linked, acceleration });
  }

  bound(textBytes: number): number {
    return lz4CompressBound(textBytes);
  }

  compress(plain: Buffer, start: number, end: number, out: Buffer, at: number): number {
    return this.#blocks.compress(plain, start, end, out, at);
  }
}

/**
 * The sending side of an lz4 link: text cut into chunks at newlines (each at most
 * {@link LZ4_ENCODER_MAX_TEXT_BYTES}, cut at the last newline inside that, or there when there is
 * none, as 1.37 without BINARY), each chunk one frame of one lz4 stream for the connection.
 */
export class Lz4FrameEncoder extends FrameEncoder {
  constructor(options: Lz4FrameEncoderOptions = {}) {
    super('lz4', new Lz4StreamEncoder(options.linked ?? true, options.acceleration ?? 1));
  }
}
