/**
 * Keeps the bytes of the BEGIN..END block being parsed, for a proxy's `onDataBlock`: a block
 * inside one chunk is handed over as a subarray of it (no copy); a block spread over chunks is
 * copied piece by piece and joined at END.
 */

/** A block that grows past this is not captured (a source that never ENDs). */
const MAX_CAPTURED_BLOCK_BYTES = 64 * 1024 * 1024;

const NEWLINE = Buffer.from('\n');

/**
 * One parser's capture: the parser reports chunk boundaries, BEGIN, END and carried lines;
 * `emit` gets each complete block once, at its END. Owned by the parser, never shared.
 */
export class BlockCapture {
  #active = false;
  /** Where the block's bytes start in the current chunk. */
  #from = 0;
  #pieces: Buffer[] = [];
  #piecesBytes = 0;

  constructor(private readonly emit: (block: Buffer) => void) {}

  /** A new chunk arrives: an open block continues at its first byte. */
  chunkStarts(): void {
    this.#from = 0;
  }

  /** BEGIN was taken from `chunk[lineStart, ...)`. */
  begin(lineStart: number): void {
    this.#active = true;
    this.#from = lineStart;
    this.#pieces.length = 0;
    this.#piecesBytes = 0;
  }

  /** BEGIN was taken from a line carried over from earlier chunks, ending in this one at `nl`. */
  beginCarried(line: Uint8Array, nl: number): void {
    this.begin(nl + 1);
    this.#push(Buffer.concat([line, NEWLINE]));
  }

  /** Another carried line (ending at `nl` in this chunk) belongs to the open block. */
  carried(line: Uint8Array, nl: number): void {
    if (!this.#active) return;
    this.#push(Buffer.concat([line, NEWLINE]));
    this.#from = nl + 1;
  }

  /** END at `chunk[.., nl]` closes the block. */
  end(chunk: Buffer, nl: number): void {
    if (!this.#active) return;
    this.#active = false;
    if (this.#pieces.length === 0) {
      this.emit(chunk.subarray(this.#from, nl + 1));
      return;
    }
    this.#pieces.push(chunk.subarray(this.#from, nl + 1));
    this.#emitPieces();
  }

  /** END came in a carried line (already pushed by {@link carried}). */
  endCarried(line: Uint8Array, nl: number): void {
    if (!this.#active) return;
    this.carried(line, nl);
    this.#active = false;
    this.#emitPieces();
  }

  /** The chunk ends at `upTo` (its partial last line is carried): copy the block's part. */
  chunkEnds(chunk: Buffer, upTo: number): void {
    if (!this.#active || upTo <= this.#from) return;
    this.#push(Buffer.from(chunk.subarray(this.#from, upTo)));
  }

  /** FLUSH or a stop: forget the open block. */
  drop(): void {
    this.#active = false;
    this.#pieces.length = 0;
    this.#piecesBytes = 0;
  }

  #push(piece: Buffer): void {
    this.#piecesBytes += piece.length;
    if (this.#piecesBytes > MAX_CAPTURED_BLOCK_BYTES) this.drop();
    else this.#pieces.push(piece);
  }

  #emitPieces(): void {
    const block = Buffer.concat(this.#pieces);
    this.#pieces.length = 0;
    this.#piecesBytes = 0;
    this.emit(block);
  }
}
