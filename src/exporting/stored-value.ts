/**
 * Average and sum over an interval from the database, as netdata's backends compute them
 * (reference §4.2, 1.10 `backend_calculate_value_from_stored_data`).
 *
 * The backend's interval `(after, before]` is shifted back `2 * update every` (so every chart
 * has finished its collections), both ends are aligned down to the chart's update every, and
 * `before` loses one more slot: that newest point goes out with the next iteration, so
 * consecutive windows meet without overlapping. The window is clipped to what the ring holds,
 * and the slots from `before` down to `after` are read; empty ones are skipped.
 */
import type { Chart } from '../database/index.js';

/** The slots one chart reads this iteration; `timestampS` is what the lines carry. */
export interface StoredWindow {
  firstS: number;
  lastS: number;
  updateEverySecs: number;
}

/**
 * The window of `chart` for the backend interval `(afterS, beforeS]`, or undefined when the chart
 * stored nothing in it (its metrics are then not sent).
 */
export function storedWindow(chart: Chart, afterS: number, beforeS: number): StoredWindow | undefined {
  const ue = chart.definition.updateEverySecs;
  const firstEntry = chart.firstEntryS();
  const lastEntry = chart.lastEntryS();
  if (firstEntry === 0 || lastEntry === 0) return undefined;
  let after = afterS - 2 * ue;
  let before = beforeS - 2 * ue;
  after -= after % ue;
  before -= before % ue;
  before -= ue;
  if (after > before) after = before;
  if (after < firstEntry) after = firstEntry;
  if (before > lastEntry) before = lastEntry;
  if (before < firstEntry || after > lastEntry) return undefined;
  return { firstS: after, lastS: before, updateEverySecs: ue };
}

/**
 * The average (or the sum) of dimension `index` over `window`; NaN when every slot is empty.
 */
export function storedValue(chart: Chart, index: number, window: Readonly<StoredWindow>, sum: boolean): number {
  let total = 0;
  let count = 0;
  for (let t = window.lastS; t >= window.firstS; t -= window.updateEverySecs) {
    const value = chart.valueAt(index, t);
    if (Number.isNaN(value)) continue;
    total += value;
    count++;
  }
  if (count === 0) return NaN;
  return sum ? total : total / count;
}
