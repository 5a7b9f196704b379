/**
 * One END (netdata's rrdset_done, reference §1.5): settle the collection and storage times,
 * protect against lost time, calculate, interpolate, and carry state to the next iteration.
 */
import { calculateIteration } from './algorithms.js';
import { alignedCollectedUs, initLastUpdated, USEC_PER_SEC } from './clock.js';
import { ALG_INCREMENTAL, type CollectionState } from './collection-state.js';
import { interpolate, type InterpolationWindow } from './interpolation.js';

/** Why an END restarted the chart's timeline, for the caller's log line; null when it did not. */
export type RestartReason = 'took-too-long' | 'too-old-data' | null;

/** What one END did. */
export interface IterationResult {
  slotsWritten: number;
  restart: RestartReason;
}

/**
 * Completes the iteration begun by BEGIN and filled by SETs. `nowUs` (the wall clock) only
 * matters for a chart's first collection. Reuses `window` and `result` (no allocation).
 */
export function completeIteration(
  s: CollectionState,
  nowUs: number,
  window: InterpolationWindow,
  result: IterationResult,
): IterationResult {
  const updateEveryUs = s.updateEverySecs * USEC_PER_SEC;
  const wholeRingUs = s.timelineEntries * updateEveryUs;
  let firstEntry = false;
  result.restart = null;
  window.storeThisEntry = true;

  if (s.usecSinceLastUpdate > wholeRingUs) {
    s.reset();
    s.usecSinceLastUpdate = updateEveryUs;
    result.restart = 'took-too-long';
  }
  if (s.lastCollectedUs === 0) {
    s.lastCollectedUs = alignedCollectedUs(s, nowUs);
    window.lastCollectUs = s.lastCollectedUs - updateEveryUs;
    firstEntry = true;
  } else {
    window.lastCollectUs = s.lastCollectedUs;
    s.lastCollectedUs += s.usecSinceLastUpdate;
  }
  if (s.lastUpdatedUs === 0) {
    initLastUpdated(s);
    firstEntry = true;
  }
  if (Math.abs(s.lastCollectedUs - s.lastUpdatedUs) > wholeRingUs) {
    // netdata restarts from collection time 0 here and loses one more iteration; we restart
    // from now, as its next iteration would.
    s.reset();
    s.lastCollectedUs = alignedCollectedUs(s, nowUs);
    window.lastCollectUs = s.lastCollectedUs - updateEveryUs;
    initLastUpdated(s);
    s.usecSinceLastUpdate = updateEveryUs;
    result.restart = 'too-old-data';
    firstEntry = true;
  }
  if (firstEntry) window.storeThisEntry = false;

  window.nowCollectUs = s.lastCollectedUs;
  setStoreTimes(s, window);
  if (s.counterDone === 0) {
    if (s.counter > 0) {
      fillTheGap(s, window.nowCollectUs);
      setStoreTimes(s, window);
    }
    window.storeThisEntry = s.storeFirst;
    if (s.storeFirst) window.lastCollectUs = window.nextStoreUs - updateEveryUs;
  }
  s.counterDone++;

  calculateIteration(s);
  result.slotsWritten = interpolate(s, window);
  s.lastCollectedTotal = s.collectedTotal;
  carryOver(s, firstEntry);
  return result;
}

function setStoreTimes(s: CollectionState, window: InterpolationWindow): void {
  window.lastStoredUs = s.lastUpdatedUs;
  window.nextStoreUs = (Math.floor(s.lastUpdatedUs / USEC_PER_SEC) + s.updateEverySecs) * USEC_PER_SEC;
}

/** Step 2's aftermath: collected becomes last collected; remainders carry to the next slot. */
function carryOver(s: CollectionState, firstEntry: boolean): void {
  const big = s.bigCollected;
  const updated = s.updated;
  const wasUpdated = s.wasUpdated;
  const collected = s.collected;
  const calculated = s.calculated;
  const lastCalculated = s.lastCalculated;
  const algorithm = s.algorithm;
  const collectedUs = s.lastCollectedUs;
  for (let i = 0; i < s.size; i++) {
    wasUpdated[i] = updated[i];
    if (updated[i] === 0) continue;
    s.lastCollected[i] = collected[i];
    s.lastCollectedTimeUs[i] = collectedUs;
    if (big !== null) {
      s.bigLastCollected![i] = big[i];
      big[i] = null;
    }
    if (algorithm[i] === ALG_INCREMENTAL) {
      if (!firstEntry) lastCalculated[i] += calculated[i];
    } else {
      lastCalculated[i] = calculated[i];
    }
    calculated[i] = 0;
    collected[i] = 0;
    updated[i] = 0;
  }
}

/**
 * A store restored from an earlier run: mark the slots between its last one and now as gaps
 * (at most a whole ring), as netdata's rrdset_done_fill_the_gap.
 */
function fillTheGap(s: CollectionState, nowCollectUs: number): void {
  const updateEveryUs = s.updateEverySecs * USEC_PER_SEC;
  let count = 0;
  for (let t = s.lastUpdatedUs + updateEveryUs; count < s.entries && t <= nowCollectUs; t += updateEveryUs) count++;
  for (let i = 0; i < s.size; i++) {
    const ring = s.rings[i];
    if (ring === null) continue;
    for (let c = 0, entry = s.currentEntry; c < count; c++, entry = entry + 1 >= s.entries ? 0 : entry + 1) {
      ring[entry] = NaN;
    }
  }
  if (count > 0) {
    // netdata advances one slot less than it filled; the next interpolation rewrites that one.
    // The gaps count as stored slots (netdata adds them to `counter`), so the ring's first
    // entry stays where the restored data begins.
    const advance = count - 1;
    s.lastUpdatedUs += advance * updateEveryUs;
    s.currentEntry = (s.currentEntry + advance) % s.entries;
    s.counter += advance;
  }
}
