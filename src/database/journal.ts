/**
 * Memory mode `map`'s journal: one append-only file per host. Every END of a `map` chart appends
 * the slots it wrote (and the ring position after them) to a buffer, as does every replicated
 * point stored (its slots may lie anywhere in the ring: the record names its first entry); the
 * buffer goes to the file in one `write` per turn of the event loop, so after `kill -9` the page
 * cache holds every completed iteration. A checkpoint writes the slots into the dimension files
 * and empties the journal; on start-up a journal left behind is replayed into the files
 * (`replayJournal`).
 *
 * Records are framed by the shared record log (`record-log.ts`: u32 body length, u32 crc32 of
 * the body, body). Body: u8 type, then
 *   CHART  (1): u32 chart number, chart directory name (utf8)
 *   SLOTS  (2): u32 chart number, u32 first entry, u32 slots, u32 dimensions, u32 current entry,
 *               f64 counter, f64 last slot time (s), then per dimension its `slots` float32 LE.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeDirectory } from './disk-faults.js';
import { RecordLogWriter, WRITE_NOW_BYTES } from './record-log.js';
import type { RingPosition } from './store.js';

/** Body type of a CHART record. */
export const RECORD_CHART = 1;
/** Body type of a SLOTS record. */
export const RECORD_SLOTS = 2;
/** A SLOTS body before its samples. */
export const SLOTS_FIXED_BYTES = 1 + 4 * 5 + 8 * 2;

/** What a journal tells its owner when the disk refuses it. */
export type JournalFault = (what: string, file: string, cause: unknown) => void;

/**
 * The journal of one `map` host, owned by `FileStores`: its `MapStore`s append, the journal
 * writes once per turn, the owner truncates at a checkpoint and closes at the stop. Records go
 * through the shared record log (`record-log.ts`). When the disk refuses the file (it cannot be
 * opened, a write fails), the journal is suspended: what reached the file stays there (whole
 * records, a consistent prefix for a replay), later records are dropped (the rings in RAM hold
 * the samples, the checkpoint writes them), and the next `truncate()` after a checkpoint that
 * wrote everything starts a fresh file.
 */
export class HostJournal {
  readonly file: string;
  /** Bumped when the journal is emptied: charts must announce themselves again. */
  generation = 0;
  #log: RecordLogWriter | null = null;
  #nextChartNo = 0;
  #closed = false;
  #scheduled = false;
  readonly #onFault: JournalFault;
  readonly #writeSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Opens (empties) the journal file; a disk that refuses it leaves the journal suspended. */
  constructor(hostDir: string, fileName: string, onFault: JournalFault) {
    this.file = path.join(hostDir, fileName);
    this.#onFault = onFault;
    this.#open(hostDir);
  }

  /** Whether records are dropped because the disk refused the file (until a `truncate()`). */
  get suspended(): boolean {
    return this.#log === null && !this.#closed;
  }

  /** Bytes in the file since it was last emptied. */
  get fileBytes(): number {
    return this.#log?.fileBytes ?? 0;
  }

  /** Appends a CHART record; returns the number its SLOTS records use in this generation. */
  announce(chartDirName: string): number {
    const chartNo = this.#nextChartNo++;
    const log = this.#log;
    if (log === null) return chartNo;
    const name = Buffer.from(chartDirName, 'utf8');
    const at = log.begin(1 + 4 + name.length);
    const buf = log.buffer;
    buf[at] = RECORD_CHART;
    buf.writeUInt32LE(chartNo, at + 1);
    name.copy(buf, at + 5);
    this.#ended(log);
    return chartNo;
  }

  /** Appends the `slots` slots ending before `position.currentEntry` of every ring. */
  appendSlots(chartNo: number, slots: number, rings: readonly Float32Array[], position: Readonly<RingPosition>): void {
    const entries = rings.length > 0 ? rings[0].length : 1;
    this.appendSlotsAt(chartNo, (position.currentEntry - slots + entries) % entries, slots, rings, position);
  }

  /** Appends the `slots` slots from entry `first` on (wrapping) of every ring, and `position`. */
  appendSlotsAt(chartNo: number, first: number, slots: number, rings: readonly Float32Array[], position: Readonly<RingPosition>): void {
    const log = this.#log;
    if (log === null) return;
    const entries = rings.length > 0 ? rings[0].length : 1;
    const at = log.begin(SLOTS_FIXED_BYTES + rings.length * slots * 4);
    const buf = log.buffer;
    buf[at] = RECORD_SLOTS;
    buf.writeUInt32LE(chartNo, at + 1);
    buf.writeUInt32LE(first, at + 5);
    buf.writeUInt32LE(slots, at + 9);
    buf.writeUInt32LE(rings.length, at + 13);
    buf.writeUInt32LE(position.currentEntry, at + 17);
    buf.writeDoubleLE(position.counter, at + 21);
    buf.writeDoubleLE(position.lastSlotTimeS, at + 29);
    let offset = at + SLOTS_FIXED_BYTES;
    for (const ring of rings) {
      for (let s = 0, entry = first; s < slots; s++, entry = entry + 1 === entries ? 0 : entry + 1) {
        buf.writeFloatLE(ring[entry], offset);
        offset += 4;
      }
    }
    this.#ended(log);
  }

  /** Writes what is buffered to the file (one write); a refused write suspends the journal. */
  flush(): void {
    const log = this.#log;
    if (log === null) return;
    try {
      log.flush();
    } catch (cause) {
      this.#suspend();
      this.#onFault('the map journal', this.file, cause);
    }
  }

  /**
   * Empties the journal (after a checkpoint made it redundant); a suspended journal starts a
   * fresh file, and stays suspended if the disk still refuses it.
   */
  truncate(): void {
    if (this.#closed) return;
    this.#nextChartNo = 0;
    this.generation++;
    if (this.#log === null) {
      this.#open(path.dirname(this.file));
      return;
    }
    try {
      this.#log.truncate();
    } catch (cause) {
      this.#suspend();
      this.#onFault('the map journal', this.file, cause);
    }
  }

  /** Closes the file; `remove` deletes it (every chart was checkpointed). */
  close(remove: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    const log = this.#log;
    this.#log = null;
    try {
      log?.close(!remove);
      if (remove) fs.rmSync(this.file, { force: true });
    } catch (cause) {
      this.#onFault('the map journal', this.file, cause);
    }
  }

  #ended(log: RecordLogWriter): void {
    log.end();
    if (log.bufferedBytes >= WRITE_NOW_BYTES) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#writeSoon);
    }
  }

  #open(hostDir: string): void {
    try {
      makeDirectory(hostDir);
      this.#log = new RecordLogWriter(this.file, { autoFlush: false });
    } catch (cause) {
      this.#log = null;
      this.#onFault('the map journal', this.file, cause);
    }
  }

  /**
   * Stops journaling until the next `truncate()`: the owner's checkpoints keep failing and the
   * file must not grow without bound (the rings in RAM hold the samples).
   */
  suspend(): void {
    this.flush();
    this.#suspend();
  }

  /** Drops what is buffered and stops writing; the file keeps its whole records. */
  #suspend(): void {
    const log = this.#log;
    this.#log = null;
    try {
      log?.close(false);
    } catch {
      // the descriptor is gone either way
    }
  }
}
