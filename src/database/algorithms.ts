/**
 * Step 1 of an END (reference §1.5): each updated dimension's calculated value from its collected
 * integers, by algorithm. Nothing is interpolated or stored here.
 */
import {
  ALG_ABSOLUTE,
  ALG_INCREMENTAL,
  ALG_PCENT_DIFF,
  ALG_PCENT_ROW,
  type CollectionState,
} from './collection-state.js';
import { bigDelta, wentBackwards, wrappedDelta } from './counter.js';

/** Computes `calculated[i]` for every dimension; sums the row total; flags resets. */
export function calculateIteration(s: CollectionState): void {
  const n = s.size;
  const updated = s.updated;
  const collected = s.collected;
  let total = 0;
  for (let i = 0; i < n; i++) if (updated[i] === 1) total += collected[i];
  s.collectedTotal = total;
  s.resetDetected = false;

  const calculated = s.calculated;
  const algorithm = s.algorithm;
  for (let i = 0; i < n; i++) {
    if (updated[i] === 0) {
      calculated[i] = 0;
      continue;
    }
    switch (algorithm[i]) {
      case ALG_ABSOLUTE:
        calculated[i] = (collected[i] * s.multiplier[i]) / s.divisor[i];
        break;
      case ALG_PCENT_ROW:
        calculated[i] = total === 0 ? 0 : (100 * collected[i]) / total;
        break;
      case ALG_INCREMENTAL:
        calculated[i] = s.collections[i] <= 1 ? 0 : (incrementalDelta(s, i) * s.multiplier[i]) / s.divisor[i];
        break;
      case ALG_PCENT_DIFF:
        calculated[i] = s.collections[i] <= 1 ? 0 : percentageOfIncrementalRow(s, i);
        break;
      default:
        calculated[i] = 0;
    }
  }
}

/** The raw increase of an incremental counter since the last collection (wraps handled). */
function incrementalDelta(s: CollectionState, i: number): number {
  if (s.bigCollected !== null) {
    const currentBig = s.bigCollected[i];
    const lastBig = s.bigLastCollected![i];
    if (currentBig !== null || lastBig !== null) return incrementalDeltaBig(s, i, lastBig, currentBig);
  }
  const last = s.lastCollected[i];
  const current = s.collected[i];
  if (!wentBackwards(last, current)) return current - last;
  flagReset(s, i);
  return wrappedDelta(last, current, s.collectedMax[i], null, null);
}

function incrementalDeltaBig(s: CollectionState, i: number, lastBig: bigint | null, currentBig: bigint | null): number {
  const last = lastBig ?? BigInt(Math.trunc(s.lastCollected[i]));
  const current = currentBig ?? BigInt(Math.trunc(s.collected[i]));
  const compared = bigDelta(last, current);
  if (!compared.backwards) return compared.delta;
  flagReset(s, i);
  return wrappedDelta(0, 0, s.collectedMax[i], last, current);
}

/** `noreset` / `nooverflow` only keep the point from being flagged (reference §1.5). */
function flagReset(s: CollectionState, i: number): void {
  if (s.noReset[i] === 0) s.resetDetected = true;
}

function percentageOfIncrementalRow(s: CollectionState, i: number): number {
  const current = s.collected[i];
  // A dimension that went backwards restarts from its new value (signed comparison here).
  if (s.lastCollected[i] > current) {
    flagReset(s, i);
    s.lastCollected[i] = current;
  }
  const totalDelta = s.collectedTotal - s.lastCollectedTotal;
  return totalDelta === 0 ? 0 : (100 * (current - s.lastCollected[i])) / totalDelta;
}
