/**
 * Which seconds a chart holds, read from its stored slots on request (never counted on ingest):
 * a slot is held when at least one dimension stored a value there; an empty slot (NaN, netdata's
 * `SN_EMPTY`) in every dimension is a gap. The coverage ledger builds on this.
 */
import type { Chart } from './types.js';

/** An inclusive range of slot times (s): `[from, to]`, both stored. */
export type HeldRange = [fromS: number, toS: number];

/**
 * The chart's held slot times between its first and last entry, as inclusive ranges in time
 * order (adjacent slots, one `update every` apart, join one range). Empty when nothing is stored.
 */
export function heldRanges(chart: Chart): HeldRange[] {
  const ranges: HeldRange[] = [];
  const first = chart.firstEntryS();
  const last = chart.lastEntryS();
  const step = chart.definition.updateEverySecs;
  const dimensions = chart.dimensions.length;
  if (first === 0 || last === 0 || dimensions === 0 || step <= 0) return ranges;
  let open: HeldRange | null = null;
  for (let t = first; t <= last; t += step) {
    if (slotHeld(chart, dimensions, t)) {
      if (open) open[1] = t;
      else { open = [t, t]; ranges.push(open); }
    } else {
      open = null;
    }
  }
  return ranges;
}

function slotHeld(chart: Chart, dimensions: number, timeS: number): boolean {
  for (let i = 0; i < dimensions; i++) if (!Number.isNaN(chart.valueAt(i, timeS))) return true;
  return false;
}
