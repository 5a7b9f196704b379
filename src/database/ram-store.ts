/**
 * Memory modes `ram` and `none` (reference §7): `ram` keeps one `Float32Array` ring of
 * `historyEntries` samples per dimension (4 bytes a sample, NaN = gap) and loses it on restart;
 * `none` keeps no samples at all.
 */
import type { ChartStore, ChartStoreRequest, RingPosition, StoreFactory } from './store.js';

class RamStore implements ChartStore {
  readonly historyEntries: number;
  #rings = new Map<string, Float32Array>();

  constructor(historyEntries: number) {
    this.historyEntries = historyEntries;
  }

  dimensionRing(dimensionId: string): Float32Array {
    let ring = this.#rings.get(dimensionId);
    if (ring === undefined) {
      ring = new Float32Array(this.historyEntries).fill(NaN);
      this.#rings.set(dimensionId, ring);
    }
    return ring;
  }

  restoredPosition(): RingPosition | undefined {
    return undefined;
  }

  slotWritten(): void {
    // RAM needs no persistence.
  }

  memoryBytes(): number {
    return this.#rings.size * this.historyEntries * Float32Array.BYTES_PER_ELEMENT;
  }

  close(): void {
    this.#rings.clear();
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

/** `ram`: a NaN-filled ring per dimension, sized by the host's history. */
export const ramStoreFactory: StoreFactory = (request: Readonly<ChartStoreRequest>) =>
  new RamStore(request.historyEntries);

/** `none`: metadata and last values only; queries find nothing. */
export const noneStoreFactory: StoreFactory = () => NONE_STORE;
