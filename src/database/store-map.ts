/**
 * Memory mode `map` (reference §7): netdata maps its files with mmap(MAP_SHARED); Node has no
 * mmap, so the ring stays in RAM and every END (and every replicated point stored, wherever it
 * lands in the ring) appends the slots it wrote to the host's journal (one `write` per
 * event-loop turn for all charts of the host). A checkpoint (periodic, and at a clean stop)
 * writes each dimension's changed slots into its file with one positioned write and empties the
 * journal. After `kill -9`, the files plus the replayed journal hold every completed
 * iteration. A disk that refuses a write never reaches the chart: the store reports it to its
 * owner and keeps the slots dirty, and the next checkpoint writes them from the ring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeDirectory } from './disk-faults.js';
import type { HostJournal } from './journal.js';
import { FileChartStore, type ChartFilesContext } from './store-chart-files.js';
import { DIMENSION_HEADER_BYTES, ringBytes, writeDimensionFile } from './store-files.js';
import type { ChartStoreRequest, RingPosition } from './store.js';
import type { Chart } from './types.js';

/**
 * A `map` chart's store: created by `FileStores` with its host's journal; every END is journaled,
 * `persist()` is the checkpoint.
 */
export class MapStore extends FileChartStore {
  readonly #journal: HostJournal;
  #chartNo = -1;
  #generation = -1;
  #definitionsChanged = true;
  /** Position as the journal has it (after the last appended record). */
  readonly #journaled: RingPosition;
  /** Position as the dimension files and the header have it (after the last checkpoint). */
  #checkpointed: RingPosition;
  /** Slots changed since the last checkpoint, ending before `#journaled.currentEntry`. */
  #dirtySlots = 0;
  #rings: Float32Array[] = [];
  /** Dimensions whose file could not be created yet (the checkpoint writes it whole). */
  readonly #missingFiles = new Set<string>();

  constructor(request: Readonly<ChartStoreRequest>, context: ChartFilesContext, journal: HostJournal) {
    super(request, context);
    this.#journal = journal;
    this.#journaled = { ...this.position };
    this.#checkpointed = { ...this.position };
  }

  override describe(chart: Chart): void {
    super.describe(chart);
    this.#definitionsChanged = true;
  }

  slotWritten(position: Readonly<RingPosition>): void {
    if (this.closed) return;
    const slots = this.#changedSlots(position);
    this.#journal.appendSlots(this.#announced(), slots, this.#rings, position);
    const journaled = this.#journaled;
    const entries = this.historyEntries;
    const contiguous = (position.currentEntry - slots + entries) % entries === journaled.currentEntry;
    this.#dirtySlots = contiguous ? Math.min(entries, this.#dirtySlots + slots) : entries;
    this.#journaledAt(position);
  }

  /** A replayed point written into older slots: journaled like an END, from its first entry. */
  slotsRewritten(position: Readonly<RingPosition>, firstEntry: number, slots: number): void {
    if (this.closed) return;
    const entries = this.historyEntries;
    this.#journal.appendSlotsAt(this.#announced(), firstEntry, slots, this.#rings, position);
    // The checkpoint writes the dirty slots ending before currentEntry: stretch them back to firstEntry.
    const sinceFirst = (this.#journaled.currentEntry - firstEntry + entries) % entries || entries;
    if (sinceFirst > this.#dirtySlots) this.#dirtySlots = sinceFirst;
    this.#journaledAt(position);
  }

  /**
   * Checkpoint: the changed slots of every dimension into its file (a file not created yet is
   * written whole), then the header. Throws what the disk throws; the slots then stay dirty and
   * the next checkpoint writes them again.
   */
  persist(): void {
    if (this.closed) return;
    if (this.#dirtySlots > 0 || this.#missingFiles.size > 0) {
      const entries = this.historyEntries;
      const first = (this.#journaled.currentEntry - this.#dirtySlots + entries) % entries;
      for (const entry of this.dimensions) this.#writeDimension(entry, first);
      this.#dirtySlots = 0;
    }
    this.#checkpointed = { ...this.#journaled };
    this.position = this.#checkpointed;
    this.writeHeader();
  }

  protected dimensionAdded(entry: { id: string; file: string; ring: Float32Array }): void {
    this.#rings.push(entry.ring);
    const file = this.filePath(entry);
    if (!fs.existsSync(file)) {
      try {
        makeDirectory(this.dir);
        writeDimensionFile(file, this.key(entry.id), entry.ring);
      } catch (cause) {
        this.#missingFiles.add(entry.id);
        this.context.fault('a dimension file', file, cause);
      }
    }
    this.#definitionsChanged = true;
  }

  /** This chart's number in the current journal generation (definitions written first). */
  #announced(): number {
    if (this.#definitionsChanged) this.#writeDefinitions();
    if (this.#generation !== this.#journal.generation) {
      this.#generation = this.#journal.generation;
      this.#chartNo = this.#journal.announce(path.basename(this.dir));
    }
    return this.#chartNo;
  }

  #journaledAt(position: Readonly<RingPosition>): void {
    this.#journaled.currentEntry = position.currentEntry;
    this.#journaled.counter = position.counter;
    this.#journaled.lastSlotTimeS = position.lastSlotTimeS;
  }

  /**
   * Slots this END changed, ending before `currentEntry`: those it wrote, and on a restored
   * chart's first END also the gaps filled between the restored slot and now.
   */
  #changedSlots(position: Readonly<RingPosition>): number {
    const written = position.slotsWritten ?? this.historyEntries;
    // Without a reset, the counter grew by the slots written plus any gaps filled before them.
    const grown = position.counter - this.#journaled.counter;
    const slots = grown >= written ? grown : written;
    return Math.min(this.historyEntries, Math.max(1, slots));
  }

  /**
   * The header with the checkpointed position (the journal carries the newer one). A refused
   * write is left to the checkpoint, which writes the header anyway.
   */
  #writeDefinitions(): void {
    this.#definitionsChanged = false;
    this.position = this.#checkpointed;
    try {
      this.writeHeader();
    } catch (cause) {
      this.context.fault('a chart header', this.headerFile, cause);
    }
  }

  #writeDimension(entry: { id: string; file: string; ring: Float32Array }, first: number): void {
    const file = this.filePath(entry);
    if (this.#missingFiles.has(entry.id) || !fs.existsSync(file)) {
      makeDirectory(this.dir);
      writeDimensionFile(file, this.key(entry.id), entry.ring);
      this.#missingFiles.delete(entry.id);
      return;
    }
    this.#writeSlots(file, entry.ring, first);
  }

  #writeSlots(file: string, ring: Float32Array, first: number): void {
    const bytes = ringBytes(ring);
    const slots = this.#dirtySlots;
    const head = Math.min(slots, this.historyEntries - first);
    const fd = fs.openSync(file, 'r+');
    try {
      fs.writeSync(fd, bytes, first * 4, head * 4, DIMENSION_HEADER_BYTES + first * 4);
      if (head < slots) fs.writeSync(fd, bytes, 0, (slots - head) * 4, DIMENSION_HEADER_BYTES);
    } finally {
      fs.closeSync(fd);
    }
  }
}
