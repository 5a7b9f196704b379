/**
 * Step 2 of an END (reference §1.5): spreads the calculated values onto the `update every`
 * boundaries between the last stored slot and this collection, one ring store per dimension per
 * slot. Incremental values become per-second rates; the others are interpolated linearly.
 */
import { ALG_INCREMENTAL, type CollectionState } from './collection-state.js';
import { USEC_PER_SEC } from './clock.js';

/** The times of one interpolation pass (µs). */
export interface InterpolationWindow {
  lastCollectUs: number;
  nowCollectUs: number;
  lastStoredUs: number;
  nextStoreUs: number;
  /** False on a chart's first END (and after a reset): slots become gaps. */
  storeThisEntry: boolean;
}

/** Writes every slot with `nextStore <= nowCollect`; returns how many were written. */
export function interpolate(s: CollectionState, w: InterpolationWindow): number {
  const updateEveryUs = s.updateEverySecs * USEC_PER_SEC;
  const nowCollectUs = w.nowCollectUs;
  let lastCollectUs = w.lastCollectUs;
  let lastStoredUs = w.lastStoredUs;
  let nextStoreUs = w.nextStoreUs;
  let iterations = Math.floor((nowCollectUs - lastStoredUs) / updateEveryUs);
  if (nowCollectUs % updateEveryUs === 0) iterations++;
  let written = 0;

  for (; nextStoreUs <= nowCollectUs; lastCollectUs = nextStoreUs, nextStoreUs += updateEveryUs, iterations--) {
    storeSlot(s, w.storeThisEntry, iterations, lastCollectUs, nowCollectUs, lastStoredUs, nextStoreUs);
    s.counter++;
    s.currentEntry = s.currentEntry + 1 >= s.entries ? 0 : s.currentEntry + 1;
    s.lastUpdatedUs = nextStoreUs;
    lastStoredUs = nextStoreUs;
    written++;
  }
  return written;
}

/** One slot for every dimension: the hot loop. */
function storeSlot(
  s: CollectionState,
  storeThisEntry: boolean,
  iterations: number,
  lastCollectUs: number,
  nowCollectUs: number,
  lastStoredUs: number,
  slotUs: number,
): void {
  const n = s.size;
  const calculated = s.calculated;
  const lastCalculated = s.lastCalculated;
  const algorithm = s.algorithm;
  const updated = s.updated;
  const collections = s.collections;
  const lastStored = s.lastStored;
  const blocks = s.ringBlocks;
  const offsets = s.ringOffsets;
  const slot = s.currentEntry;
  const updateEvery = s.updateEverySecs;
  const updateEveryUs = updateEvery * USEC_PER_SEC;
  const sinceCollectUs = slotUs - lastCollectUs;
  const collectUs = nowCollectUs - lastCollectUs;
  const sinceStoredUs = slotUs - lastStoredUs;
  const storable = storeThisEntry && iterations < s.gapIterations;

  for (let i = 0; i < n; i++) {
    let value: number;
    if (algorithm[i] === ALG_INCREMENTAL) {
      value = (calculated[i] * sinceCollectUs) / collectUs;
      calculated[i] -= value;
      value += lastCalculated[i];
      lastCalculated[i] = 0;
      value /= updateEvery;
      if (sinceStoredUs < updateEveryUs) value = (value * updateEveryUs) / sinceStoredUs;
    } else if (iterations === 1) {
      value = calculated[i];
    } else {
      value = ((calculated[i] - lastCalculated[i]) * sinceCollectUs) / collectUs + lastCalculated[i];
    }

    const block = blocks[i];
    if (storable && updated[i] === 1 && collections[i] > 1) {
      if (block !== null) block[offsets[i] + slot] = value;
      lastStored[i] = value;
    } else {
      if (block !== null) block[offsets[i] + slot] = NaN;
      // A chart's first END (store_this_entry off) leaves the last stored value alone.
      if (storeThisEntry) lastStored[i] = NaN;
    }
  }
}
