/**
 * Append-only files of checked records, shared by memory mode `map`'s journal and the streaming
 * spool. A record is a u32 body length (LE), the u32 crc32 of the body, then the body. Records
 * are built in a buffer and reach the file with one `write()` per turn of the event loop (at once
 * past `WRITE_NOW_BYTES`), so after `kill -9` the page cache holds every record of the turns
 * before; `record-log-scan.ts` reads them back and stops at (or skips) what fails its check.
 */
import fs from 'node:fs';
import { crc32 } from './crc32.js';

/** Length and checksum before every record body. */
export const RECORD_PREFIX_BYTES = 8;
const INITIAL_BUFFER_BYTES = 64 * 1024;
/** A buffer this full is written at once rather than at the end of the event-loop turn. */
export const WRITE_NOW_BYTES = 1024 * 1024;

/** How a writer opens its file and when it writes. */
export interface RecordLogWriterOptions {
  /** `truncate` starts an empty file (the default); `append` keeps what is there. */
  mode?: 'truncate' | 'append';
  /**
   * Whether `end()` queues the write for the end of the turn (the default). Without, the owner
   * calls `flush()` itself (to act on a failed write, or to keep a record open across calls).
   */
  autoFlush?: boolean;
}

/**
 * One record log file. Owned by one user (a `map` host's journal, a spool segment): it builds
 * records with `begin`/`reserve`/`end`, and calls `flush`, `truncate` and `close`; nothing else
 * writes the file while it is open.
 */
export class RecordLogWriter {
  readonly file: string;
  /** Bytes in the file: what was there when opened for append, plus what flushes wrote. */
  fileBytes = 0;
  #fd: number;
  #buf = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  /** End of the ended records in the buffer. */
  #ended = 0;
  /** End of everything in the buffer (the open record, if any, runs from `#ended` to here). */
  #length = 0;
  #open = false;
  #scheduled = false;
  #closed = false;
  readonly #autoFlush: boolean;
  readonly #writeSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Opens (creates) `file`; throws what `open()` throws. */
  constructor(file: string, options: RecordLogWriterOptions = {}) {
    this.file = file;
    this.#autoFlush = options.autoFlush ?? true;
    this.#fd = fs.openSync(file, options.mode === 'append' ? 'a' : 'w');
    if (options.mode === 'append') this.fileBytes = fs.fstatSync(this.#fd).size;
  }

  /** The buffer records are built in; read it again after every `begin` or `reserve`. */
  get buffer(): Buffer {
    return this.#buf;
  }

  /** Bytes built and not yet written (an open record included). */
  get bufferedBytes(): number {
    return this.#length;
  }

  /** Bytes of the open record so far (its prefix included), 0 when none is open. */
  get openRecordBytes(): number {
    return this.#open ? this.#length - this.#ended : 0;
  }

  /** Whether a record was begun and not ended. */
  get recordOpen(): boolean {
    return this.#open;
  }

  /** Starts a record with `bodyBytes` of body reserved; returns the body's offset in `buffer`. */
  begin(bodyBytes: number): number {
    if (this.#open) throw new Error(`record log '${this.file}': a record is already open`);
    this.#open = true;
    this.#room(RECORD_PREFIX_BYTES + bodyBytes);
    this.#length += RECORD_PREFIX_BYTES + bodyBytes;
    return this.#ended + RECORD_PREFIX_BYTES;
  }

  /** Adds `bytes` to the open record's body; returns where they go in `buffer`. */
  reserve(bytes: number): number {
    this.#room(bytes);
    const at = this.#length;
    this.#length += bytes;
    return at;
  }

  /** Ends the open record (its length and checksum) and, with `autoFlush`, queues the turn's write. */
  end(): void {
    if (!this.#open) throw new Error(`record log '${this.file}': no record is open`);
    const prefixAt = this.#ended;
    const bodyAt = prefixAt + RECORD_PREFIX_BYTES;
    this.#buf.writeUInt32LE(this.#length - bodyAt, prefixAt);
    this.#buf.writeUInt32LE(crc32(this.#buf.subarray(bodyAt, this.#length)), prefixAt + 4);
    this.#ended = this.#length;
    this.#open = false;
    if (!this.#autoFlush) return;
    if (this.#ended >= WRITE_NOW_BYTES) this.flush();
    else this.schedule();
  }

  /** Queues a flush at the end of this turn of the event loop (once per turn). */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(this.#writeSoon);
  }

  /**
   * Writes the ended records to the file (one write; more only if the system writes part).
   * On an error the file is cut back to its last whole record and the error thrown; the
   * records stay buffered.
   */
  flush(): void {
    if (this.#closed) return;
    if (this.#ended === 0) return;
    let written = 0;
    try {
      // positioned, so a write after a cut-back lands at the file's end in either open mode
      while (written < this.#ended) {
        written += fs.writeSync(this.#fd, this.#buf, written, this.#ended - written, this.fileBytes + written);
      }
    } catch (cause) {
      if (written > 0) this.#cutBack();
      throw cause;
    }
    this.fileBytes += this.#ended;
    this.#buf.copy(this.#buf, 0, this.#ended, this.#length);
    this.#length -= this.#ended;
    this.#ended = 0;
  }

  /** Forgets what is buffered (an open record included). */
  discard(): void {
    this.#length = 0;
    this.#ended = 0;
    this.#open = false;
  }

  /** Empties the buffer and the file. */
  truncate(): void {
    this.discard();
    fs.ftruncateSync(this.#fd, 0);
    fs.closeSync(this.#fd);
    this.#fd = fs.openSync(this.file, 'w');
    this.fileBytes = 0;
  }

  /** Closes the file, first writing what is buffered unless `flush` is false. */
  close(flush = true): void {
    if (this.#closed) return;
    try {
      if (flush) this.flush();
    } finally {
      this.#closed = true;
      this.discard();
      fs.closeSync(this.#fd);
    }
  }

  #room(bytes: number): void {
    const needed = this.#length + bytes;
    if (needed <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#length);
    this.#buf = next;
  }

  /** After a write cut short: the file back to its last whole record, if the system lets us. */
  #cutBack(): void {
    try {
      fs.ftruncateSync(this.#fd, this.fileBytes);
    } catch {
      // a torn record stays; readers drop it as a torn tail
    }
  }
}
