/**
 * The part of a line a chunk ends in the middle of, kept for the chunk that brings its end: one
 * buffer per source, grown as lines need it up to the source's line limit and reused after.
 */

/** First size of the buffer. */
const INITIAL_BYTES = 1024;

export class LineCarry {
  #bytes = Buffer.alloc(0);
  #length = 0;

  /** The buffer the carried bytes are at the start of. */
  get bytes(): Buffer {
    return this.#bytes;
  }

  /** How many bytes are carried; 0 between lines. */
  get length(): number {
    return this.#length;
  }

  /** Whether `to - from` more bytes fit within a line of `maxBytes`. */
  fits(from: number, to: number, maxBytes: number): boolean {
    return this.#length + (to - from) <= maxBytes;
  }

  /** Adds `chunk[from, to)`, which must fit within `maxBytes` (see fits). */
  append(chunk: Buffer, from: number, to: number, maxBytes: number): void {
    const needed = this.#length + (to - from);
    if (this.#bytes.length < needed) {
      const grown = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(needed, this.#bytes.length * 2, INITIAL_BYTES)));
      this.#bytes.copy(grown, 0, 0, this.#length);
      this.#bytes = grown;
    }
    chunk.copy(this.#bytes, this.#length, from, to);
    this.#length = needed;
  }

  /** The first `quoted` bytes carried and then the first `quoted` of `chunk[from, to)`, for a message. */
  head(chunk: Buffer, from: number, to: number, quoted: number): Buffer {
    return Buffer.concat([this.#bytes.subarray(0, Math.min(this.#length, quoted)), chunk.subarray(from, Math.min(to, from + quoted))]);
  }

  /** Ends the carried line: its length, the bytes staying at the start of `bytes` until the next append. */
  take(): number {
    const length = this.#length;
    this.#length = 0;
    return length;
  }

  /** Drops what is carried and gives the buffer back (a stopped source). */
  release(): void {
    this.#bytes = Buffer.alloc(0);
    this.#length = 0;
  }
}
