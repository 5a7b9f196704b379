/**
 * Splitting a byte stream into bounded text lines, for the streams that are not parsed as
 * plugins.d data: a plugin's stderr, and the commands a parent sends back to its child.
 */

/** Splits a byte stream into lines of at most `maxBytes`; an overlong line is cut, not kept. */
export class BoundedLineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #cut = false;

  constructor(readonly maxBytes: number, readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.#take(chunk.subarray(start, nl));
      this.#flush();
      start = nl + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start));
  }

  /** Emits a last unterminated line, if any. */
  end(): void {
    if (this.#pendingBytes > 0 || this.#cut) this.#flush();
  }

  #take(part: Buffer): void {
    const room = this.maxBytes - this.#pendingBytes;
    if (part.length > room) this.#cut = true;
    const kept = part.length > room ? part.subarray(0, Math.max(room, 0)) : part;
    if (kept.length > 0) {
      this.#pending.push(Buffer.from(kept));
      this.#pendingBytes += kept.length;
    }
  }

  #flush(): void {
    const line = Buffer.concat(this.#pending).toString('utf8').replace(/\r$/, '');
    this.onLine(this.#cut ? `${line}...` : line);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#cut = false;
  }
}
