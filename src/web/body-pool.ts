/**
 * Buffers the main thread writes answer bodies into, used again once their answer is written.
 * V8 counts the memory of every Buffer and typed array as external and, past a limit of new
 * external memory, runs a full mark-compact to see which of it is garbage: a new 20 KB body (and
 * a query's arrays, database/query-scratch.ts) at 11,000 requests a second set one off every
 * 100 ms, a 2 to 6 ms pause each, which made the p99 of 16 connections. A body taken from the pool
 * goes back when its response has been written or abandoned (the app gives it back on the
 * response's `close`), so the same few buffers serve every request.
 */

/** Buffers kept for reuse: more than the requests of one turn of the event loop at 16 connections. */
const POOL_BUFFERS = 64;
/** The smallest buffer the pool makes. */
const POOL_MIN_BUFFER_BYTES = 4096;
/** A buffer larger than this (a query of thousands of points) is left to the collector. */
const POOL_MAX_BUFFER_BYTES = 256 * 1024;

/** A stack of free buffers; `take` makes a new one when none is large enough. */
export class BufferPool {
  readonly #free: Buffer[] = [];

  constructor(readonly maxBuffers = POOL_BUFFERS, readonly maxBufferBytes = POOL_MAX_BUFFER_BYTES) {}

  /** A buffer of at least `bytes` (its contents arbitrary), the pool's own or a new one. */
  take(bytes: number): Buffer {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      const buf = free[i];
      if (buf.length < bytes) continue;
      free[i] = free[free.length - 1];
      free.pop();
      return buf;
    }
    // a power of two, so that a buffer made for one chart's answers fits the next chart's
    return Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(Math.max(bytes, POOL_MIN_BUFFER_BYTES))));
  }

  /** Gives back a buffer nothing reads any more (a taken one, or one grown from it). */
  give(buf: Buffer): void {
    if (this.#free.length < this.maxBuffers && buf.length <= this.maxBufferBytes) this.#free.push(buf);
  }
}
