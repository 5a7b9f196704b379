/**
 * Ring memory for memory mode `ram`, carved out of large zeroed `SharedArrayBuffer`s, so query
 * threads read the rings in place (`shared-chart.ts`). Node gets a buffer from calloc; a page of
 * it becomes resident only when a slot in it is first written, as netdata's mmap'd rings do, as
 * long as glibc serves it with a fresh mmap. glibc raises its mmap threshold to the size of every
 * mmap'd block freed (up to 32 MiB on 64-bit), and below the threshold calloc serves from the brk
 * heap, clearing reused memory, so every page is resident at once. One freed 4 MiB buffer
 * before children connected (a closed zstd link, a read journal, a large answer) took a parent of
 * 10 children x 1,000 dimensions from 5.0 to 6.6 MB RSS per host with 1 MiB slabs. A slab of
 * 32 MiB is above any threshold glibc sets, so it is mapped fresh (unless the brk heap has that
 * much free in one piece) and its pages stay untouched until written. It is address space, not
 * memory: a host of 1,000 dimensions with history 3600 uses 14.4 MB of one.
 * A ring handed out here is all zero bits (0.0, not NaN) and is never touched by the allocator:
 * the chart reads only slots it wrote (see `RamStore`).
 */

/** Bytes of one slab (glibc's largest mmap threshold); a ring larger than this gets a buffer of its own. */
export const RING_SLAB_BYTES = 32 * 1024 * 1024;

/**
 * The slabs of one host. A slab is freed when every ring cut from it is gone, so rings of one
 * host share slabs and a removed host frees them all. Not for rings that must start as NaN.
 */
export class RingSlabs {
  #slab: SharedArrayBuffer | null = null;
  #usedBytes = 0;

  /** A zero-filled ring of `entries` float32 slots whose pages are not touched yet. */
  allocate(entries: number): Float32Array {
    const bytes = entries * Float32Array.BYTES_PER_ELEMENT;
    if (bytes > RING_SLAB_BYTES) return sharedRing(entries);
    if (this.#slab === null || this.#usedBytes + bytes > RING_SLAB_BYTES) {
      this.#slab = new SharedArrayBuffer(RING_SLAB_BYTES);
      this.#usedBytes = 0;
    }
    const ring = new Float32Array(this.#slab, this.#usedBytes, entries);
    this.#usedBytes += bytes;
    return ring;
  }
}

/** A zero-filled ring of `entries` float32 slots in shared memory of its own. */
export function sharedRing(entries: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(entries * Float32Array.BYTES_PER_ELEMENT));
}
