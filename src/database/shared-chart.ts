/**
 * A chart's ring position in shared memory, so a query thread can read the chart's rings (shared
 * `ram`, `save` and `map` rings, see `ring-slabs.ts`) without asking the main thread. A chart
 * gets its record only when a query pool first asks for it (`Chart` writers pay nothing before);
 * from then on every write to its rings is bracketed by a sequence number (a seqlock):
 *
 * - the writer makes the sequence odd (`Atomics.add`) before it writes any slot, writes the
 *   slots, copies the position here, and makes it even again (`Atomics.add`);
 * - a reader loads the sequence (`Atomics.load`), takes the position if it is even, reads the
 *   slots, and loads the sequence again: the same even number means no slot was written
 *   meanwhile, so every value it read is the one of the time it claims. Otherwise it reads again.
 */

/** Float64 slots per record (the first holds the Int32 sequence in its low half). */
const RECORD_F64 = 8;
/** Records per shared buffer. */
const RECORDS_PER_SLAB = 512;

const F_SERIAL = 1;
const F_CURRENT_ENTRY = 2;
const F_COUNTER = 3;
const F_LAST_UPDATED_US = 4;
const F_UPDATE_EVERY_SECS = 5;
const F_LAST_COLLECTED_US = 6;

/** What a chart publishes: its `CollectionState` fields of the same names. */
export interface RingCursorSource {
  readonly currentEntry: number;
  readonly counter: number;
  readonly lastUpdatedUs: number;
  readonly updateEverySecs: number;
  readonly lastCollectedUs: number;
}

/** Where a record lives, as posted to a query thread. */
export interface PositionAddress {
  readonly buffer: SharedArrayBuffer;
  /** The record's first Float64 slot in `buffer`. */
  readonly base: number;
  /** The chart the record belongs to now (a record freed and reused gets another). */
  readonly serial: number;
}

/** A position as a reader took it. */
export interface RingCursor {
  currentEntry: number;
  counter: number;
  lastUpdatedUs: number;
  updateEverySecs: number;
  lastCollectedUs: number;
}

let slab: { f64: Float64Array; i32: Int32Array } | null = null;
let slabUsed = 0;
let nextSerial = 1;
const freed: { f64: Float64Array; i32: Int32Array; base: number }[] = [];

/** The writer's side of one chart's record. Main thread only. */
export class SharedPosition {
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #base: number;
  readonly serial: number;
  #released = false;

  constructor() {
    const spot = freed.pop() ?? takeSpot();
    this.#f64 = spot.f64;
    this.#i32 = spot.i32;
    this.#base = spot.base;
    this.serial = nextSerial++;
    this.#f64[this.#base + F_SERIAL] = this.serial;
  }

  /** Where a reader finds it. */
  get address(): PositionAddress {
    return { buffer: this.#f64.buffer as SharedArrayBuffer, base: this.#base, serial: this.serial };
  }

  /** Before the first slot of an END (or a replayed point) is written: readers wait or retry. */
  beginWrite(): void {
    Atomics.add(this.#i32, this.#base * 2, 1);
  }

  /** After the slots are written (`beginWrite` came first): copies the position and lets readers in. */
  publish(s: RingCursorSource): void {
    const f = this.#f64;
    const b = this.#base;
    f[b + F_CURRENT_ENTRY] = s.currentEntry;
    f[b + F_COUNTER] = s.counter;
    f[b + F_LAST_UPDATED_US] = s.lastUpdatedUs;
    f[b + F_UPDATE_EVERY_SECS] = s.updateEverySecs;
    f[b + F_LAST_COLLECTED_US] = s.lastCollectedUs;
    Atomics.add(this.#i32, b * 2, 1);
  }

  /** The chart is gone: the record may serve another chart (readers see another serial). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#f64[this.#base + F_SERIAL] = 0;
    freed.push({ f64: this.#f64, i32: this.#i32, base: this.#base });
  }
}

function takeSpot(): { f64: Float64Array; i32: Int32Array; base: number } {
  if (slab === null || slabUsed === RECORDS_PER_SLAB) {
    const buffer = new SharedArrayBuffer(RECORDS_PER_SLAB * RECORD_F64 * Float64Array.BYTES_PER_ELEMENT);
    slab = { f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
    slabUsed = 0;
  }
  return { f64: slab.f64, i32: slab.i32, base: slabUsed++ * RECORD_F64 };
}

/** The reader's side of one record (a query thread). */
export class PositionReader {
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #base: number;
  readonly #serial: number;

  constructor(address: PositionAddress) {
    this.#f64 = new Float64Array(address.buffer);
    this.#i32 = new Int32Array(address.buffer);
    this.#base = address.base;
    this.#serial = address.serial;
  }

  /**
   * Copies the position into `out` and returns its sequence number, or -1 when a write is under
   * way or the record no longer belongs to the chart.
   */
  read(out: RingCursor): number {
    const b = this.#base;
    const seq = Atomics.load(this.#i32, b * 2);
    if (seq & 1) return -1;
    const f = this.#f64;
    out.currentEntry = f[b + F_CURRENT_ENTRY];
    out.counter = f[b + F_COUNTER];
    out.lastUpdatedUs = f[b + F_LAST_UPDATED_US];
    out.updateEverySecs = f[b + F_UPDATE_EVERY_SECS];
    out.lastCollectedUs = f[b + F_LAST_COLLECTED_US];
    if (f[b + F_SERIAL] !== this.#serial) return -1;
    return Atomics.load(this.#i32, b * 2) === seq ? seq : -1;
  }

  /** Whether nothing was written since `read` returned `seq`. */
  unchanged(seq: number): boolean {
    return Atomics.load(this.#i32, this.#base * 2) === seq && this.#f64[this.#base + F_SERIAL] === this.#serial;
  }
}

/**
 * What a query thread needs of a chart besides its definitions: the position record, the rings
 * (views of shared memory), their length, whether the store keeps samples at all.
 */
export interface SharedChartMemory {
  readonly position: PositionAddress;
  readonly rings: readonly Float32Array[];
  readonly entries: number;
}

/** Whether every ring of a chart lives in shared memory (a query thread can read them). */
export function ringsAreShared(rings: readonly (Float32Array | null)[]): rings is Float32Array[] {
  return rings.every((r) => r !== null && r.buffer instanceof SharedArrayBuffer);
}
