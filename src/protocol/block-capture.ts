/**
 * Keeps the bytes of the BEGIN..END block being parsed, for a proxy's `onDataBlock`: a block
 * inside one chunk is handed over as a subarray of it (no copy); a block spread over chunks is
 * copied chunk by chunk and joined at END.
 */

import { countRefusal, DEFAULT_LIMITS } from '../limits.js';

/** A block that grows past this is not captured (a source that never ENDs). */
const MAX_CAPTURED_BLOCK_BYTES = DEFAULT_LIMITS.proxiedBlockBytes;

/**
 * One parser's capture. For each chunk the parser calls {@link chunkStarts}, then {@link begin}
 * and {@link end} where it takes BEGIN and END, then {@link chunkEnds}; `emit` gets each complete
 * block once, at its END. Positions are in the current chunk, so a line carried over from
 * earlier chunks needs nothing special: while a block is open, every chunk's bytes are kept to
 * its end, the start of a carried line included. Owned by the parser, never shared.
 */
export class BlockCapture {
  #chunk: Buffer | null = null;
  #active = false;
  /** Where the open block's bytes start in the current chunk. */
  #from = 0;
  #pieces: Buffer[] = [];
  #piecesBytes = 0;

  constructor(private readonly emit: (block: Buffer) => void) {}

  /** The parser starts on `chunk`: an open block continues at its first byte. */
  chunkStarts(chunk: Buffer): void {
    this.#chunk = chunk;
    this.#from = 0;
  }

  /**
   * BEGIN opens a block at `lineStart` in the chunk. A BEGIN line carried over from earlier
   * chunks starts at 0 and gives `earlier`, its bytes from those chunks.
   */
  begin(lineStart: number, earlier: Uint8Array | null): void {
    this.drop();
    this.#active = true;
    this.#from = lineStart;
    if (earlier !== null) this.#push(Buffer.from(earlier));
  }

  /** END, its newline at `newline` in the chunk, closes the block. */
  end(newline: number): void {
    if (!this.#active) return;
    this.#active = false;
    const tail = this.#chunk!.subarray(this.#from, newline + 1);
    if (this.#pieces.length === 0) {
      this.emit(tail);
      return;
    }
    this.#pieces.push(tail);
    const block = Buffer.concat(this.#pieces);
    this.drop();
    this.emit(block);
  }

  /** The chunk is parsed (its partial last line, if any, is carried): an open block keeps the rest. */
  chunkEnds(): void {
    const chunk = this.#chunk!;
    this.#chunk = null;
    if (this.#active && this.#from < chunk.length) this.#push(Buffer.from(chunk.subarray(this.#from)));
  }

  /** FLUSH or a stop: forget the open block. */
  drop(): void {
    this.#active = false;
    this.#pieces.length = 0;
    this.#piecesBytes = 0;
  }

  #push(piece: Buffer): void {
    this.#piecesBytes += piece.length;
    if (this.#piecesBytes <= MAX_CAPTURED_BLOCK_BYTES) {
      this.#pieces.push(piece);
      return;
    }
    countRefusal('proxiedBlocks');
    this.drop();
  }
}
