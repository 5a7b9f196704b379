/**
 * Memory mode `map`'s journal: one append-only file per host. Every END of a `map` chart appends
 * the slots it wrote (and the ring position after them) to a buffer; the buffer goes to the file
 * in one `write` per turn of the event loop, so after `kill -9` the page cache holds every
 * completed iteration. A checkpoint writes the slots into the dimension files and empties the
 * journal; on start-up a journal left behind is replayed into the files (`replayJournal`).
 *
 * Record: u32 body length, u32 crc32 of the body, body. Body: u8 type, then
 *   CHART  (1): u32 chart number, chart directory name (utf8)
 *   SLOTS  (2): u32 chart number, u32 first entry, u32 slots, u32 dimensions, u32 current entry,
 *               f64 counter, f64 last slot time (s), then per dimension its `slots` float32 LE.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { RingPosition } from './store.js';

/** Body type of a CHART record. */
export const RECORD_CHART = 1;
/** Body type of a SLOTS record. */
export const RECORD_SLOTS = 2;
/** Length and checksum before every record body. */
export const RECORD_PREFIX_BYTES = 8;
/** A SLOTS body before its samples. */
export const SLOTS_FIXED_BYTES = 1 + 4 * 5 + 8 * 2;
const INITIAL_BUFFER_BYTES = 64 * 1024;
/** A buffer this full is written at once rather than at the end of the event-loop turn. */
const WRITE_NOW_BYTES = 1024 * 1024;

/**
 * The journal of one `map` host, owned by `FileStores`: its `MapStore`s append, the owner
 * flushes, truncates at a checkpoint and closes at the stop.
 */
export class HostJournal {
  readonly file: string;
  /** Bumped when the journal is emptied: charts must announce themselves again. */
  generation = 0;
  /** Bytes in the file since it was last emptied. */
  fileBytes = 0;
  #fd: number;
  #buf = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  #length = 0;
  #nextChartNo = 0;
  #scheduled = false;
  #closed = false;
  readonly #writeSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(hostDir: string, fileName: string) {
    fs.mkdirSync(hostDir, { recursive: true });
    this.file = path.join(hostDir, fileName);
    this.#fd = fs.openSync(this.file, 'w');
  }

  /** Appends a CHART record; returns the number its SLOTS records use in this generation. */
  announce(chartDirName: string): number {
    const name = Buffer.from(chartDirName, 'utf8');
    const chartNo = this.#nextChartNo++;
    const at = this.#begin(1 + 4 + name.length);
    this.#buf[at] = RECORD_CHART;
    this.#buf.writeUInt32LE(chartNo, at + 1);
    name.copy(this.#buf, at + 5);
    this.#end(at);
    return chartNo;
  }

  /** Appends the `slots` slots ending before `position.currentEntry` of every ring. */
  appendSlots(chartNo: number, slots: number, rings: readonly Float32Array[], position: Readonly<RingPosition>): void {
    const entries = rings.length > 0 ? rings[0].length : 1;
    const first = (position.currentEntry - slots + entries) % entries;
    const at = this.#begin(SLOTS_FIXED_BYTES + rings.length * slots * 4);
    const buf = this.#buf;
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
    this.#end(at);
  }

  /** Writes what is buffered to the file (one write). */
  flush(): void {
    if (this.#length === 0 || this.#closed) return;
    fs.writeSync(this.#fd, this.#buf, 0, this.#length);
    this.fileBytes += this.#length;
    this.#length = 0;
  }

  /** Empties the journal (after a checkpoint made it redundant). */
  truncate(): void {
    this.#length = 0;
    fs.ftruncateSync(this.#fd, 0);
    fs.closeSync(this.#fd);
    this.#fd = fs.openSync(this.file, 'w');
    this.fileBytes = 0;
    this.#nextChartNo = 0;
    this.generation++;
  }

  /** Closes the file; `remove` deletes it (every chart was checkpointed). */
  close(remove: boolean): void {
    if (this.#closed) return;
    if (!remove) this.flush();
    this.#closed = true;
    this.#length = 0;
    fs.closeSync(this.#fd);
    if (remove) fs.rmSync(this.file, { force: true });
  }

  /** Reserves a record of `bodyBytes`; returns the body offset. */
  #begin(bodyBytes: number): number {
    const needed = this.#length + RECORD_PREFIX_BYTES + bodyBytes;
    if (needed > this.#buf.length) {
      const next = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2));
      this.#buf.copy(next, 0, 0, this.#length);
      this.#buf = next;
    }
    this.#buf.writeUInt32LE(bodyBytes, this.#length);
    return this.#length + RECORD_PREFIX_BYTES;
  }

  #end(bodyAt: number): void {
    const bodyBytes = this.#buf.readUInt32LE(bodyAt - RECORD_PREFIX_BYTES);
    this.#buf.writeUInt32LE(crc32(this.#buf.subarray(bodyAt, bodyAt + bodyBytes)), bodyAt - 4);
    this.#length = bodyAt + bodyBytes;
    if (this.#length >= WRITE_NOW_BYTES) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#writeSoon);
    }
  }
}
