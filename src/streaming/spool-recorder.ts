/**
 * What a sender without a database writes to its spool: after each END, the slots the chart
 * just stored (read back from its short recent ring), and each point its own child replayed
 * to it (a DB-less proxy), so the parent can replicate them later from the spool.
 */
import type { StreamSenderConfig } from '../config/index.js';
import type { Chart, MemoryMode } from '../database/index.js';
import type { Spool } from './spool.js';

/** Slots a spooling host's charts keep in RAM: enough for what one END stores. */
export const SPOOL_RECENT_SLOTS = 8;

/**
 * The `recentSlots` a host needs (`HostSettings.recentSlots`): a host without a database whose
 * sender spools keeps a few slots per dimension in RAM for the recorder; every other none.
 */
export function spoolRecentSlots(memoryMode: MemoryMode, streamed: boolean, sender: Readonly<StreamSenderConfig>): number {
  return memoryMode === 'none' && streamed && sender.enableSpool ? SPOOL_RECENT_SLOTS : 0;
}

/** Copies a host's stored slots into its sender's spool. */
export class SpoolRecorder {
  readonly #ids = new Map<Chart, string[]>();
  #values = new Float64Array(16);

  constructor(readonly spool: Spool) {}

  /** After `chart`'s END: its `lastSlotsWritten` slots, oldest first. */
  chartDone(chart: Chart): void {
    const slots = chart.lastSlotsWritten;
    if (slots === 0) return;
    const ue = chart.definition.updateEverySecs;
    const last = chart.lastEntryS();
    const ids = this.#idsOf(chart);
    const values = this.#valuesFor(ids.length);
    for (let k = Math.min(slots, SPOOL_RECENT_SLOTS) - 1; k >= 0; k--) {
      const t = last - k * ue;
      for (let i = 0; i < ids.length; i++) values[i] = chart.valueAt(i, t);
      this.spool.append(chart.id, ue, t, ids, values);
    }
  }

  /** A point `chart`'s child replayed, with one value per dimension index. */
  pointReplayed(chart: Chart, timeS: number, values: ArrayLike<number>): void {
    this.spool.append(chart.id, chart.definition.updateEverySecs, timeS, this.#idsOf(chart), values);
  }

  #idsOf(chart: Chart): string[] {
    let ids = this.#ids.get(chart);
    if (ids === undefined || ids.length !== chart.dimensions.length) {
      ids = chart.dimensions.map((d) => d.definition.id);
      this.#ids.set(chart, ids);
    }
    return ids;
  }

  #valuesFor(n: number): Float64Array {
    if (this.#values.length < n) this.#values = new Float64Array(n);
    return this.#values.subarray(0, n);
  }
}
