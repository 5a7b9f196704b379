/**
 * Replication on the database side (reference §2.8, §11): a point replicated from a child
 * (RBEGIN/RSET) is stored in the slot of its own time, and the child's collection state
 * (RDSTATE/RSSTATE) is restored so that the next live BEGIN/SET/END continues exactly where the
 * child's did. netdata 1.37 in ram/save/map advances its ring one slot per RBEGIN whatever the
 * point's time, so a duplicated or a skipped second shifts everything after it; here it cannot.
 * Internal to the database part: `ChartImpl` calls these on its `CollectionState`.
 */
import { USEC_PER_SEC } from './clock.js';
import { ALG_INCREMENTAL, ALG_PCENT_DIFF, type CollectionState } from './collection-state.js';
import type { ChartStore, RingPosition } from './store.js';
import type { ReplayOutcome } from './types.js';

/** The ring slots a replayed point or a restored chart state wrote (reused, no allocation). */
export interface ReplayWrite {
  /** First ring entry written; an append's slots end just before `currentEntry`. */
  firstEntry: number;
  /** Slots written (gaps included); 0 = the ring did not change. */
  slots: number;
}

/**
 * `Chart.storeReplayed` on the chart's state: moves or fills the ring and the chart's times;
 * `write` tells which slots changed. `hasRing` is false when the store keeps no samples.
 */
export function storeReplayedPoint(
  s: CollectionState,
  hasRing: boolean,
  timeS: number,
  values: ArrayLike<number>,
  write: ReplayWrite,
): ReplayOutcome {
  write.slots = 0;
  const ue = s.updateEverySecs;
  if (!Number.isInteger(timeS) || timeS <= 0 || timeS % ue !== 0) return 'misaligned';
  const lastS = Math.floor(s.lastUpdatedUs / USEC_PER_SEC);
  const newer = lastS === 0 || timeS > lastS;
  if (newer) {
    for (let i = 0; i < s.size; i++) {
      s.lastStored[i] = i < values.length ? values[i] : NaN;
      // A delta from a value collected before this point would spread the whole gap over one
      // iteration: until RDSTATE brings the child's state, the next SET starts afresh.
      if (s.algorithm[i] === ALG_INCREMENTAL || s.algorithm[i] === ALG_PCENT_DIFF) {
        s.collections[i] = 0;
        s.lastCalculated[i] = 0;
      }
    }
  }
  if (!hasRing) {
    moveTimes(s, timeS);
    return 'no-store';
  }
  if (newer) {
    // A fresh chart starts its ring at the point; otherwise the slots between become gaps.
    append(s, lastS === 0 ? s.entries + 1 : (timeS - lastS) / ue, values, write);
    moveTimes(s, timeS);
    return 'appended';
  }
  const held = Math.min(s.counter, s.entries);
  // With nothing held, the ring's next slot (lastS + ue) is where it would begin.
  const firstS = lastS - (held - 1) * ue;
  if (timeS >= firstS) return fillGaps(s, (lastS - timeS) / ue, values, write) ? 'filled' : 'kept';
  const back = (firstS - timeS) / ue;
  if (held + back > s.entries) return 'too-old';
  prepend(s, held, back, values, write);
  return 'filled';
}

/** `Chart.restoreChartState`: times only move forward; the ring follows a newer last-updated slot. */
export function restoreChart(
  s: CollectionState,
  hasRing: boolean,
  lastCollectedUs: number,
  lastUpdatedUs: number,
  write: ReplayWrite,
): void {
  write.slots = 0;
  if (lastCollectedUs > s.lastCollectedUs) s.lastCollectedUs = lastCollectedUs;
  const secs = Math.floor(lastUpdatedUs / USEC_PER_SEC);
  const slotS = secs - (secs % s.updateEverySecs);
  if (slotS > 0 && slotS * USEC_PER_SEC > s.lastUpdatedUs) {
    if (hasRing && s.lastUpdatedUs > 0 && s.counter > 0) {
      advance(s, (slotS - Math.floor(s.lastUpdatedUs / USEC_PER_SEC)) / s.updateEverySecs, write);
    }
    s.lastUpdatedUs = slotS * USEC_PER_SEC;
  }
  s.counterDone++;
}

/**
 * `Chart.restoreDimensionState` on dimension `i`; false when `i` is unknown, the child never
 * collected it, or the state is older than the dimension's own last collection.
 */
export function restoreDimension(
  s: CollectionState,
  i: number,
  lastCollectedUs: number,
  lastCollectedValue: number | bigint,
  lastCalculated: number,
  lastStored: number,
): boolean {
  if (!Number.isInteger(i) || i < 0 || i >= s.size) return false;
  if (!(lastCollectedUs > 0) || lastCollectedUs < s.lastCollectedTimeUs[i]) return false;
  const value = typeof lastCollectedValue === 'bigint' ? Number(lastCollectedValue) : lastCollectedValue;
  s.lastCollectedTimeUs[i] = lastCollectedUs;
  s.lastCollected[i] = Number.isFinite(value) ? value : 0;
  if (typeof lastCollectedValue === 'bigint') {
    s.enableBig();
    s.bigLastCollected![i] = lastCollectedValue;
  } else if (s.bigLastCollected !== null) {
    s.bigLastCollected[i] = null;
  }
  const magnitude = Math.abs(s.lastCollected[i]);
  if (magnitude > s.collectedMax[i]) s.collectedMax[i] = magnitude;
  s.lastCalculated[i] = Number.isFinite(lastCalculated) ? lastCalculated : 0;
  s.lastStored[i] = lastStored;
  // netdata's collections_counter: the next SET is a second collection, so END computes and stores.
  if (s.collections[i] < 1) s.collections[i] = 1;
  // percentage-of-incremental-row compares this iteration's total with the last one.
  let total = 0;
  for (let d = 0; d < s.size; d++) total += s.lastCollected[d];
  s.lastCollectedTotal = total;
  return true;
}

/**
 * Tells the store which slots changed: an append (or a restored state's gaps) through
 * `slotWritten`, a fill or a backward extension through `slotsRewritten`.
 */
export function replayReachesStore(
  store: ChartStore,
  s: CollectionState,
  position: RingPosition,
  write: Readonly<ReplayWrite>,
  appended: boolean,
): void {
  if (write.slots === 0) return;
  position.currentEntry = s.currentEntry;
  position.counter = s.counter;
  position.lastSlotTimeS = s.lastUpdatedUs / USEC_PER_SEC;
  if (appended || store.slotsRewritten === undefined) {
    position.slotsWritten = appended ? write.slots : Math.min(s.counter, s.entries);
    store.slotWritten(position);
  } else {
    store.slotsRewritten(position, write.firstEntry, write.slots);
  }
}

/** netdata's RBEGIN: last collected and last updated = the point's time; the chart has collected. */
function moveTimes(s: CollectionState, timeS: number): void {
  const timeUs = timeS * USEC_PER_SEC;
  if (timeUs > s.lastCollectedUs) s.lastCollectedUs = timeUs;
  if (timeUs > s.lastUpdatedUs) s.lastUpdatedUs = timeUs;
  s.counterDone++;
}

/** `steps` slots forward: gaps, then the point; more than a whole ring restarts the ring at it. */
function append(s: CollectionState, steps: number, values: ArrayLike<number>, write: ReplayWrite): void {
  if (steps > s.entries) {
    s.counter = 0;
    steps = 1;
  }
  advance(s, steps - 1, write);
  const entry = s.currentEntry;
  writeSlot(s, entry, values);
  s.currentEntry = entry + 1 >= s.entries ? 0 : entry + 1;
  s.counter++;
  write.firstEntry = (entry - (steps - 1) + s.entries) % s.entries;
  write.slots = steps;
}

/** `steps` gap slots forward from `currentEntry` (a whole ring or more: the ring restarts empty). */
function advance(s: CollectionState, steps: number, write: ReplayWrite): void {
  if (steps <= 0) return;
  if (steps >= s.entries) {
    s.counter = 0;
    return;
  }
  gaps(s, s.currentEntry, steps);
  write.firstEntry = s.currentEntry;
  write.slots = steps;
  s.currentEntry = (s.currentEntry + steps) % s.entries;
  s.counter += steps;
}

/** The slot `slotsBack` before the newest: each dimension's value where the slot is a gap. */
function fillGaps(s: CollectionState, slotsBack: number, values: ArrayLike<number>, write: ReplayWrite): boolean {
  const entry = (s.currentEntry - 1 - slotsBack + 2 * s.entries) % s.entries;
  const n = Math.min(s.size, values.length);
  let wrote = false;
  for (let i = 0; i < n; i++) {
    const ring = s.rings[i];
    const value = values[i];
    if (ring === null || Number.isNaN(value) || !Number.isNaN(ring[entry])) continue;
    ring[entry] = value;
    wrote = true;
  }
  if (wrote) {
    write.firstEntry = entry;
    write.slots = 1;
  }
  return wrote;
}

/** A ring not full yet grows `back` slots into its past: the point, then gaps up to its first slot. */
function prepend(s: CollectionState, held: number, back: number, values: ArrayLike<number>, write: ReplayWrite): void {
  const entries = s.entries;
  const oldest = (s.currentEntry - held - back + 2 * entries) % entries;
  writeSlot(s, oldest, values);
  gaps(s, (oldest + 1) % entries, back - 1);
  s.counter += back;
  write.firstEntry = oldest;
  write.slots = back;
}

function writeSlot(s: CollectionState, entry: number, values: ArrayLike<number>): void {
  for (let i = 0; i < s.size; i++) {
    const ring = s.rings[i];
    if (ring !== null) ring[entry] = i < values.length ? values[i] : NaN;
  }
}

/** NaN into `count` slots from `entry` on, wrapping at the ring's end. */
function gaps(s: CollectionState, entry: number, count: number): void {
  if (count <= 0) return;
  const head = Math.min(count, s.entries - entry);
  for (let i = 0; i < s.size; i++) {
    const ring = s.rings[i];
    if (ring === null) continue;
    ring.fill(NaN, entry, entry + head);
    if (head < count) ring.fill(NaN, 0, count - head);
  }
}
