/**
 * Reading record logs back (`record-log.ts` writes them): every record's length and crc32 are
 * checked before its body is handed on. By default the scan stops at the first record that fails
 * (map's journal: what follows a bad record cannot be trusted to apply); with `skipCorrupt` a
 * failed record followed by good ones is skipped and counted, and only a failure with no good
 * record after it ends the scan as a torn tail (a write cut short by a crash).
 */
import fs from 'node:fs';
import { crc32 } from './crc32.js';
import { RECORD_PREFIX_BYTES } from './record-log.js';

/** What a scan found. */
export interface RecordScan {
  /** Records that passed their check and were visited. */
  records: number;
  /** Where the scan stopped: the end of the last good record (a torn tail starts here). */
  endBytes: number;
  /** Bytes after `endBytes` that are not a whole, checked record. */
  tornBytes: number;
  /** Failed records skipped between good ones (`skipCorrupt`), and their bytes. */
  corruptRecords: number;
  corruptBytes: number;
}

/** How strict a scan is. */
export interface RecordScanOptions {
  /** Skip a failed record when a good one follows (default: stop at it). */
  skipCorrupt?: boolean;
  /** A longer length is a failed record without looking at its body (default: no limit). */
  maxRecordBytes?: number;
  /** A shorter length is a failed record (default 0; a log that never writes empty bodies says 1). */
  minRecordBytes?: number;
}

/** Gets each good record's body (a view valid only during the call) and its offset. */
export type RecordVisitor = (body: Buffer, offset: number) => void;

/** Bytes of a log, seen through a window that `cover` moves. */
interface LogBytes {
  readonly size: number;
  /** The window's bytes; `base` is the log offset of `buf[0]`. */
  readonly buf: Buffer;
  readonly base: number;
  /** Makes [start, end) visible in `buf` (end <= size). */
  cover(start: number, end: number): void;
}

class BufferBytes implements LogBytes {
  readonly size: number;
  readonly base = 0;
  constructor(readonly buf: Buffer) {
    this.size = buf.length;
  }
  cover(): void {}
}

class FileBytes implements LogBytes {
  buf: Buffer;
  base = 0;
  #valid = 0;
  constructor(readonly fd: number, readonly size: number, chunkBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.min(chunkBytes, size));
  }
  cover(start: number, end: number): void {
    if (start >= this.base && end <= this.base + this.#valid) return;
    if (end - start > this.buf.length) this.buf = Buffer.allocUnsafe(end - start);
    const want = Math.min(this.buf.length, this.size - start);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(this.fd, this.buf, got, want - got, start + got);
      if (n === 0) break;
      got += n;
    }
    this.base = start;
    this.#valid = got;
  }
}

/** Scans records held in memory. */
export function scanRecords(bytes: Buffer, visit: RecordVisitor, options: RecordScanOptions = {}): RecordScan {
  return scan(new BufferBytes(bytes), visit, options);
}

/** Default window of `scanRecordFile`. */
export const SCAN_CHUNK_BYTES = 256 * 1024;

/**
 * Scans a record file in windows of `chunkBytes` (a record larger than that is read whole), so
 * memory stays small whatever the file's size. Throws what opening or reading the file throws.
 */
export function scanRecordFile(file: string, visit: RecordVisitor, options: RecordScanOptions & { chunkBytes?: number } = {}): RecordScan {
  const fd = fs.openSync(file, 'r');
  try {
    return scan(new FileBytes(fd, fs.fstatSync(fd).size, options.chunkBytes ?? SCAN_CHUNK_BYTES), visit, options);
  } finally {
    fs.closeSync(fd);
  }
}

function scan(bytes: LogBytes, visit: RecordVisitor, options: RecordScanOptions): RecordScan {
  const result: RecordScan = { records: 0, endBytes: 0, tornBytes: 0, corruptRecords: 0, corruptBytes: 0 };
  let at = 0;
  while (at < bytes.size) {
    const length = checkedLength(bytes, at, options);
    if (length >= 0) {
      const bodyAt = at + RECORD_PREFIX_BYTES - bytes.base;
      visit(bytes.buf.subarray(bodyAt, bodyAt + length), at);
      result.records++;
      at += RECORD_PREFIX_BYTES + length;
      result.endBytes = at;
      continue;
    }
    const next = options.skipCorrupt ? nextGoodRecord(bytes, at + 1, options) : -1;
    if (next < 0) break;
    result.corruptRecords++;
    result.corruptBytes += next - at;
    at = next;
  }
  result.tornBytes = bytes.size - at;
  return result;
}

/** The body length of a good record at `at`, or -1. */
function checkedLength(bytes: LogBytes, at: number, options: RecordScanOptions): number {
  if (at + RECORD_PREFIX_BYTES > bytes.size) return -1;
  bytes.cover(at, at + RECORD_PREFIX_BYTES);
  const prefixAt = at - bytes.base;
  const length = bytes.buf.readUInt32LE(prefixAt);
  if (length > (options.maxRecordBytes ?? Infinity) || length < (options.minRecordBytes ?? 0)) return -1;
  const end = at + RECORD_PREFIX_BYTES + length;
  if (end > bytes.size) return -1;
  bytes.cover(at, end);
  const bodyAt = at + RECORD_PREFIX_BYTES - bytes.base;
  const expected = bytes.buf.readUInt32LE(bodyAt - 4);
  return crc32(bytes.buf.subarray(bodyAt, bodyAt + length)) === expected ? length : -1;
}

/** The offset of the next good record from `from` on, or -1 (a rare path: after corruption). */
function nextGoodRecord(bytes: LogBytes, from: number, options: RecordScanOptions): number {
  for (let at = from; at + RECORD_PREFIX_BYTES <= bytes.size; at++) {
    if (checkedLength(bytes, at, options) >= 0) return at;
  }
  return -1;
}
