/**
 * Memory modes `ram` and `none` (reference §7): `ram` keeps one `Float32Array` ring of
 * `historyEntries` samples per dimension (4 bytes a sample, NaN = gap) and loses it on restart;
 * `none` keeps no samples, or only a short recent ring of `recentSlots` the same way.
 */
import { RingSlabs } from './ring-slabs.js';
import type { ChartStore, ChartStoreRequest, RingPosition, StoreFactory } from './store.js';

/**
 * `ram`: rings cut from the host's slabs, left untouched (zero bits) while the chart has written
 * no slot, since the chart reads only slots it wrote since its ring position started at 0. A
 * dimension added after that (its chart already has slots) gets a NaN-filled ring, as the slots
 * it missed are read as gaps.
 */
class RamStore implements ChartStore {
  readonly historyEntries: number;
  readonly #slabs: RingSlabs;
  /** Rings handed out: a chart asks once per new dimension, so no map by id is kept. */
  #rings = 0;
  #slotsWritten = false;

  constructor(historyEntries: number, slabs: RingSlabs) {
    this.historyEntries = historyEntries;
    this.#slabs = slabs;
  }

  dimensionRing(): Float32Array {
    const ring = this.#slabs.allocate(this.historyEntries);
    if (this.#slotsWritten) ring.fill(NaN);
    this.#rings++;
    return ring;
  }

  restoredPosition(): RingPosition | undefined {
    return undefined;
  }

  slotWritten(): void {
    // RAM needs no persistence; from now on a new ring must start as gaps.
    this.#slotsWritten = true;
  }

  slotsRewritten(): void {
    this.#slotsWritten = true;
  }

  memoryBytes(): number {
    return this.#rings * this.historyEntries * Float32Array.BYTES_PER_ELEMENT;
  }

  close(): void {
    this.#rings = 0;
  }
}

const NONE_STORE: ChartStore = Object.freeze({
  historyEntries: 0,
  dimensionRing: () => null,
  restoredPosition: () => undefined,
  slotWritten: () => undefined,
  memoryBytes: () => 0,
  close: () => undefined,
});

/** `ram`: a ring per dimension, sized by the host's history, from the request's slabs. */
export const ramStoreFactory: StoreFactory = (request: Readonly<ChartStoreRequest>) =>
  new RamStore(request.historyEntries, request.ringSlabs ?? new RingSlabs());

/**
 * `none`: metadata and last values only, queries find nothing; with `recentSlots` > 0, a ring of
 * that many slots per dimension from the request's slabs, as `ram`.
 */
export const noneStoreFactory: StoreFactory = (request: Readonly<ChartStoreRequest>) => {
  const slots = request.recentSlots ?? 0;
  return slots > 0 ? new RamStore(slots, request.ringSlabs ?? new RingSlabs()) : NONE_STORE;
};
