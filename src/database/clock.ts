/**
 * How long an iteration lasted, as the database will use it (reference §1.5 step 4, netdata's
 * rrdset_next_usec and rrdset_next_usec_unfiltered), and the alignment of a chart's first times.
 */
import type { CollectionState } from './collection-state.js';

/** Microseconds in a second: chart times are kept in µs, slot times in whole seconds. */
export const USEC_PER_SEC = 1_000_000;
/** A collector more than this many update-everys behind the wall clock gets the real elapsed time. */
const FAR_BEHIND_ITERATIONS = 5;
/**
 * The step of a collection read while the chart is already ahead of the wall clock by at most
 * FAR_BEHIND_ITERATIONS update-everys: the smallest non-zero one (0 would tell a parent, which
 * trusts the durations it is sent, to use its own clock).
 */
const HELD_DURATION_US = 1;
/** A chart's first collection lands mid-second unless it stores its first point (store_first). */
const FIRST_COLLECTION_USEC = 500_000;

/**
 * Sets `usecSinceLastUpdate` for the coming END. `microseconds` is the collector's time since its
 * last collection (0 = unknown); `trusted` takes it as is once the chart has collected before.
 */
export function nextDuration(s: CollectionState, microseconds: number, trusted: boolean, nowUs: number): void {
  if (trusted && s.lastCollectedUs !== 0 && microseconds > 0) {
    s.usecSinceLastUpdate = microseconds;
    return;
  }
  s.usecSinceLastUpdate = filteredDuration(s, microseconds, nowUs);
}

function filteredDuration(s: CollectionState, microseconds: number, nowUs: number): number {
  const updateEveryUs = s.updateEverySecs * USEC_PER_SEC;
  if (s.lastCollectedUs === 0) return updateEveryUs; // first collection
  if (microseconds <= 0) return Math.abs(nowUs - s.lastCollectedUs);
  const sinceLastUs = nowUs - s.lastCollectedUs;
  if (sinceLastUs < 0) {
    // A stopped agent reads its plugin's piled-up lines at once: the first takes the whole stall
    // (below), each later one its own duration, which puts the chart ahead of now. netdata moves
    // it back to now - update every, storing seconds again that it stored (its ram ring shifts
    // its whole history, dbengine drops them as "in the past"; a spool has written them) while
    // a parent, adding up the durations sent, runs ahead for good. Held instead, the line's
    // values go into the next stored slot and the chart and its parent stay on one timeline.
    if (-sinceLastUs <= FAR_BEHIND_ITERATIONS * updateEveryUs) return HELD_DURATION_US;
    // The database is in the future (the clock went back): move it to one update-every before now.
    s.lastCollectedUs = alignedCollectedUs(s, nowUs - updateEveryUs);
    s.lastUpdatedUs = alignedUpdatedUs(s, nowUs - updateEveryUs);
    return updateEveryUs;
  }
  if (sinceLastUs > FAR_BEHIND_ITERATIONS * updateEveryUs) return sinceLastUs;
  return microseconds;
}

/** Whole seconds of `timeUs`, aligned down to update every (netdata keeps time_t seconds). */
function alignedSecs(s: CollectionState, timeUs: number): number {
  const secs = Math.floor(timeUs / USEC_PER_SEC);
  return secs - (secs % s.updateEverySecs);
}

/** A first collection time: aligned second, then .5 s (or .0 s with store_first). */
export function alignedCollectedUs(s: CollectionState, timeUs: number): number {
  return alignedSecs(s, timeUs) * USEC_PER_SEC + (s.storeFirst ? 0 : FIRST_COLLECTION_USEC);
}

/** A last-stored time: aligned second, no microseconds. */
function alignedUpdatedUs(s: CollectionState, timeUs: number): number {
  return alignedSecs(s, timeUs) * USEC_PER_SEC;
}

/** netdata's rrdset_init_last_updated_time: from the collection time, one slot back with store_first. */
export function initLastUpdated(s: CollectionState): void {
  const secs = Math.floor(s.lastCollectedUs / USEC_PER_SEC) - (s.storeFirst ? s.updateEverySecs : 0);
  s.lastUpdatedUs = alignedUpdatedUs(s, secs * USEC_PER_SEC);
}
