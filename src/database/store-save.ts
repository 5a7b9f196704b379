/**
 * Memory mode `save` (reference §7): the ring lives in RAM as in `ram`; it is loaded when the
 * chart is created and written whole when the owner persists it (every `save every seconds` and
 * at a clean stop). A crash loses what came after the last save; the gap shows on restart.
 */
import path from 'node:path';
import { makeDirectory } from './disk-faults.js';
import { FileChartStore } from './store-chart-files.js';
import { writeDimensionFile } from './store-files.js';
import type { RingPosition } from './store.js';

/** A `save` chart's store: created by `FileStores`, written whole by its `persist()`. */
export class SaveStore extends FileChartStore {
  slotWritten(position: Readonly<RingPosition>): void {
    this.position.currentEntry = position.currentEntry;
    this.position.counter = position.counter;
    this.position.lastSlotTimeS = position.lastSlotTimeS;
  }

  /** Out-of-order slots are in the ring already; only the position (its counter) changes. */
  slotsRewritten(position: Readonly<RingPosition>): void {
    this.slotWritten(position);
  }

  /** Writes every dimension file, then the header (each atomically); throws what the disk throws. */
  persist(): void {
    if (this.closed || this.dimensions.length === 0) return;
    makeDirectory(this.dir);
    for (const entry of this.dimensions) {
      writeDimensionFile(path.join(this.dir, entry.file), this.key(entry.id), entry.ring);
    }
    this.writeHeader(true);
  }

  protected dimensionAdded(): void {
    // Nothing reaches the disk before the next save.
  }
}
