/**
 * Reading a chart's rings by slot time (reference §7 `current_entry`): the one implementation of
 * `Chart.firstEntryS`, `lastEntryS`, `valueAt` and `readSlots`, shared by the chart itself and
 * by a query thread's shadow of it (`web/query-worker.ts`), so both return the same values.
 */

/** A ring position: the `CollectionState` fields of these names, or a copy of them. */
export interface RingState {
  readonly currentEntry: number;
  readonly counter: number;
  readonly lastUpdatedUs: number;
  readonly updateEverySecs: number;
  /** Slots per ring. */
  readonly entries: number;
}

/** Slots the rings hold: min(counter, entries), 0 when the store keeps no samples. */
export function storedSlots(s: RingState, keepsSamples: boolean): number {
  return keepsSamples ? Math.min(s.counter, s.entries) : 0;
}

/** Newest slot time (s), 0 when nothing is stored. */
export function lastEntryS(s: RingState, stored: number): number {
  return stored === 0 ? 0 : Math.floor(s.lastUpdatedUs / 1e6);
}

/** Oldest slot time (s), 0 when nothing is stored. */
export function firstEntryS(s: RingState, stored: number): number {
  const last = lastEntryS(s, stored);
  return last === 0 ? 0 : last - (stored - 1) * s.updateEverySecs;
}

/** The value in `ring` at slot time `timeS`; NaN for a gap or a time outside the ring. */
export function valueAt(s: RingState, stored: number, ring: Float32Array | null, timeS: number): number {
  const last = lastEntryS(s, stored);
  if (ring == null || last === 0 || timeS > last) return NaN;
  const slotsBack = Math.ceil((last - timeS) / s.updateEverySecs);
  if (slotsBack >= stored) return NaN;
  const entries = s.entries;
  return ring[(s.currentEntry - 1 - slotsBack + 2 * entries) % entries];
}

/**
 * `valueAt(newestS - k * update every)` into `out[offset + k * stride]` for k < count, in one
 * walk: the slots newer than the newest stored, then the stored ones (one ring index each,
 * stepping back), then those older than the ring holds. A stride lets a query read a dimension
 * straight into its column of a row-major table.
 */
export function readSlots(s: RingState, stored: number, ring: Float32Array | null, newestS: number,
  count: number, out: Float64Array, offset = 0, stride = 1): void {
  const end = offset + count * stride;
  const last = lastEntryS(s, stored);
  if (ring == null || last === 0) {
    for (let o = offset; o < end; o += stride) out[o] = NaN;
    return;
  }
  const ue = s.updateEverySecs;
  const entries = s.entries;
  let k = 0;
  let o = offset;
  for (; k < count && newestS - k * ue > last; k++, o += stride) out[o] = NaN;
  // slot k is ceil((last - newestS) / ue) + k slots back from the newest
  let back = Math.ceil((last - newestS) / ue) + k;
  let index = (s.currentEntry - 1 - back + 2 * entries) % entries;
  for (; k < count && back < stored; k++, back++, o += stride) {
    out[o] = ring[index];
    index = index === 0 ? entries - 1 : index - 1;
  }
  for (; o < end; o += stride) out[o] = NaN;
}
