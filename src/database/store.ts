/**
 * A memory mode is one store interface (STYLE "Extension points"). A chart asks its store for one
 * ring of samples per dimension and tells it after every END that slots were written; the store
 * decides where the samples live (nowhere, RAM, a file). The chart never asks which mode it is.
 */
import type { RingSlabs } from './ring-slabs.js';
import type { Chart, MemoryMode } from './types.js';

/** Where a chart's ring stands: enough to map a slot to its time (reference §7 `current_entry`). */
export interface RingPosition {
  /** The slot the next sample goes into. */
  currentEntry: number;
  /** Slots written since the ring was (re)started; the ring holds min(counter, entries). */
  counter: number;
  /** Time of the newest slot (s); 0 before the first. */
  lastSlotTimeS: number;
  /**
   * Slots the last END wrote, ending just before `currentEntry` (given to `slotWritten`; a
   * restored chart's first END may also have turned older slots into gaps).
   */
  slotsWritten?: number;
}

/** One chart's samples. Created by a `StoreFactory`, closed when the chart goes away. */
export interface ChartStore {
  /** Slots per dimension ring; 0 = the store keeps no samples (memory mode none). */
  readonly historyEntries: number;
  /**
   * The ring of dimension `dimensionId`, `historyEntries` long, NaN = gap; null when the store
   * keeps no samples. Called once per dimension when it is defined; the chart writes the returned
   * array in place, one store per slot. The chart reads only the `min(counter, entries)` slots
   * before `currentEntry`, each written (a value or a NaN gap) before it is read, so slots of a
   * ring handed out before the chart's first written slot may hold anything (`ram` leaves them
   * zero so their pages stay untouched); once slots exist, a new ring must be NaN (or restored).
   */
  dimensionRing(dimensionId: string): Float32Array | null;
  /** Ring position recovered from an earlier run (file-backed stores), else undefined. */
  restoredPosition(): RingPosition | undefined;
  /**
   * Called after an END that wrote at least one slot, and after a replayed point moved the ring
   * forward (`Chart.storeReplayed`, `restoreChartState`): the slots written end just before
   * `currentEntry` (file-backed stores persist here).
   */
  slotWritten(position: Readonly<RingPosition>): void;
  /**
   * Optional: `slots` slots from entry `firstEntry` on (wrapping at the ring's end) were written
   * out of order: a replayed point filled a gap or extended the ring backwards (`counter` then
   * grew; `currentEntry` and `lastSlotTimeS` stay). A store without it is told `slotWritten`
   * with `slotsWritten` = every slot the ring holds.
   */
  slotsRewritten?(position: Readonly<RingPosition>, firstEntry: number, slots: number): void;
  /**
   * Optional: the chart exists, or its definition or a dimension's changed. File-backed stores
   * keep the definitions in their headers (read from `chart` when they write).
   */
  describe?(chart: Chart): void;
  /** Approximate bytes held by the rings. */
  memoryBytes(): number;
  /** Releases the rings (and files); the chart is being removed or the agent stops. */
  close(): void;
}

/** What a store is opened for. */
export interface ChartStoreRequest {
  /** Machine GUID of the host (file-backed stores keep one directory per host). */
  hostGuid: string;
  chartId: string;
  historyEntries: number;
  updateEverySecs: number;
  /** The host's ring memory, for stores that keep rings in RAM only (`ram`); optional. */
  ringSlabs?: RingSlabs;
  /** Mode `none`: slots of the recent ring to keep per dimension (`HostSettings.recentSlots`). */
  recentSlots?: number;
}

/** Opens the store of one chart; one factory per memory mode. */
export type StoreFactory = (request: Readonly<ChartStoreRequest>) => ChartStore;

/** The factories a host may use, by memory mode; modes missing here fall back to `ram`. */
export type StoreFactories = Partial<Record<MemoryMode, StoreFactory>>;
