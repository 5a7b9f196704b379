/**
 * A chart's per-iteration numbers, one typed-array slot per dimension index, so END is a tight
 * loop over numbers and nothing is allocated per value (DESIGN "The hot path"). Internal to the
 * database part: `Chart` and `DimensionView` share one instance.
 */
import type { Algorithm } from './types.js';

/** Algorithm codes used in the hot loop (`CollectionState.algorithm`): `absolute`. */
export const ALG_ABSOLUTE = 0;
/** `incremental`. */
export const ALG_INCREMENTAL = 1;
/** `percentage-of-absolute-row`. */
export const ALG_PCENT_ROW = 2;
/** `percentage-of-incremental-row`. */
export const ALG_PCENT_DIFF = 3;

const ALGORITHM_CODES: Record<Algorithm, number> = {
  absolute: ALG_ABSOLUTE,
  incremental: ALG_INCREMENTAL,
  'percentage-of-absolute-row': ALG_PCENT_ROW,
  'percentage-of-incremental-row': ALG_PCENT_DIFF,
};

/** The hot-loop code of an algorithm (unknown names never reach here: the parser maps them). */
export function algorithmCode(algorithm: Algorithm): number {
  return ALGORITHM_CODES[algorithm] ?? ALG_ABSOLUTE;
}

const INITIAL_CAPACITY = 8;
/** The Float64Array, Int32Array and Uint8Array fields per dimension (`#grow` carves them in this order). */
const F64_ARRAYS = 10;
const I32_ARRAYS = 1;
const U8_ARRAYS = 4;

/** Per-dimension arrays plus the chart's timing, as in netdata's RRDSET/RRDDIM (reference §1.5). */
export class CollectionState {
  size = 0;
  capacity = 0;

  // --- per dimension -------------------------------------------------------------------------
  collected: Float64Array = new Float64Array(0);
  lastCollected: Float64Array = new Float64Array(0);
  calculated: Float64Array = new Float64Array(0);
  lastCalculated: Float64Array = new Float64Array(0);
  /** Largest |collected| ever (decides the 32- or 64-bit wrap cap). */
  collectedMax: Float64Array = new Float64Array(0);
  collections: Float64Array = new Float64Array(0);
  lastStored: Float64Array = new Float64Array(0);
  lastCollectedTimeUs: Float64Array = new Float64Array(0);
  multiplier: Float64Array = new Float64Array(0);
  divisor: Float64Array = new Float64Array(0);
  algorithm: Uint8Array = new Uint8Array(0);
  noReset: Uint8Array = new Uint8Array(0);
  updated: Uint8Array = new Uint8Array(0);
  /** Whether the previous completed iteration set the dimension (readers' `updated`). */
  wasUpdated: Uint8Array = new Uint8Array(0);
  rings: (Float32Array | null)[] = [];
  /**
   * Dimension i's ring again, as `ringBlocks[i][ringOffsets[i] + slot]`: rings cut from one
   * buffer share one block, so the store loop of an END reads one array object per chart rather
   * than one per dimension (each a cache miss on a parent fed once a second).
   */
  ringBlocks: (Float32Array | null)[] = [];
  ringOffsets: Int32Array = new Int32Array(0);

  /** Exact shadows for dimensions given values with more than 15 digits (`Chart.setBig`). */
  bigCollected: (bigint | null)[] | null = null;
  bigLastCollected: (bigint | null)[] | null = null;

  // --- chart timing (µs since the epoch; 0 = unset) ------------------------------------------
  updateEverySecs: number;
  storeFirst = false;
  /** Slots in the ring (the ring's length; the host's history in mode none without a ring). */
  entries: number;
  /**
   * Slots of the timeline for the "took too long" and "too old data" resets: the host's
   * history, also when the ring is shorter (mode none's `recentSlots`).
   */
  timelineEntries: number;
  /** `gap when lost iterations above` + 2. */
  gapIterations: number;
  lastCollectedUs = 0;
  lastUpdatedUs = 0;
  usecSinceLastUpdate = 0;
  /** Slots written since the last reset (netdata's `counter`). */
  counter = 0;
  /** ENDs since the last reset (netdata's `counter_done`). */
  counterDone = 0;
  currentEntry = 0;
  collectedTotal = 0;
  lastCollectedTotal = 0;
  resetDetected = false;

  constructor(updateEverySecs: number, entries: number, gapWhenLostIterationsAbove: number, timelineEntries = entries) {
    this.updateEverySecs = updateEverySecs;
    this.entries = entries;
    this.timelineEntries = timelineEntries;
    this.gapIterations = gapWhenLostIterationsAbove + 2;
    this.#grow(INITIAL_CAPACITY);
  }

  /** Adds a dimension slot; returns its index. Grows the arrays (define time only). */
  addDimension(ring: Float32Array | null): number {
    if (this.size === this.capacity) this.#grow(this.capacity * 2);
    const index = this.size++;
    this.lastCollected[index] = 0;
    this.lastStored[index] = NaN;
    this.multiplier[index] = 1;
    this.divisor[index] = 1;
    this.rings.push(ring);
    this.ringBlocks.push(ring === null ? null : this.#blockOf(ring));
    this.ringOffsets[index] = ring === null ? 0 : ring.byteOffset / Float32Array.BYTES_PER_ELEMENT;
    if (this.bigCollected !== null) {
      this.bigCollected.push(null);
      this.bigLastCollected!.push(null);
    }
    return index;
  }

  /** A view of the whole buffer `ring` lives in, shared with the chart's other rings there. */
  #blockOf(ring: Float32Array): Float32Array {
    for (let i = this.ringBlocks.length - 1; i >= 0; i--) {
      const block = this.ringBlocks[i];
      if (block !== null && block.buffer === ring.buffer) return block;
    }
    if (ring.byteOffset === 0 && ring.byteLength === ring.buffer.byteLength) return ring;
    return new Float32Array(ring.buffer, 0, Math.floor(ring.buffer.byteLength / Float32Array.BYTES_PER_ELEMENT));
  }

  /** Turns on the BigInt shadows (first `setBig` of the chart). */
  enableBig(): void {
    if (this.bigCollected !== null) return;
    this.bigCollected = new Array<bigint | null>(this.size).fill(null);
    this.bigLastCollected = new Array<bigint | null>(this.size).fill(null);
  }

  /** netdata's rrdset_reset: forgets times, counters and the ring position; keeps definitions. */
  reset(): void {
    this.lastCollectedUs = 0;
    this.lastUpdatedUs = 0;
    this.currentEntry = 0;
    this.counter = 0;
    this.counterDone = 0;
    for (let i = 0; i < this.size; i++) {
      this.lastCollectedTimeUs[i] = 0;
      this.collections[i] = 0;
    }
  }

  /** Approximate bytes of the per-dimension arrays. */
  memoryBytes(): number {
    return this.capacity * (F64_ARRAYS * 8 + I32_ARRAYS * 4 + U8_ARRAYS);
  }

  /**
   * All per-dimension arrays are views of one buffer: an END walks them all, and a parent fed
   * once a second finds each chart cold, so one contiguous block costs far fewer cache misses
   * than fourteen allocations spread over the heap.
   */
  #grow(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * (F64_ARRAYS * 8 + I32_ARRAYS * 4 + U8_ARRAYS));
    let offset = 0;
    const f64 = (old: Float64Array): Float64Array => {
      const next = new Float64Array(buffer, offset, capacity);
      offset += capacity * 8;
      next.set(old);
      return next;
    };
    const i32 = (old: Int32Array): Int32Array => {
      const next = new Int32Array(buffer, offset, capacity);
      offset += capacity * 4;
      next.set(old);
      return next;
    };
    const u8 = (old: Uint8Array): Uint8Array => {
      const next = new Uint8Array(buffer, offset, capacity);
      offset += capacity;
      next.set(old);
      return next;
    };
    this.collected = f64(this.collected);
    this.lastCollected = f64(this.lastCollected);
    this.calculated = f64(this.calculated);
    this.lastCalculated = f64(this.lastCalculated);
    this.collectedMax = f64(this.collectedMax);
    this.collections = f64(this.collections);
    this.lastStored = f64(this.lastStored);
    this.lastCollectedTimeUs = f64(this.lastCollectedTimeUs);
    this.multiplier = f64(this.multiplier);
    this.divisor = f64(this.divisor);
    this.ringOffsets = i32(this.ringOffsets);
    this.algorithm = u8(this.algorithm);
    this.noReset = u8(this.noReset);
    this.updated = u8(this.updated);
    this.wasUpdated = u8(this.wasUpdated);
    this.capacity = capacity;
  }
}
