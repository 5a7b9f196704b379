/**
 * A destination's queue on disk (this agent's own; netdata 1.37 keeps a memory buffer only):
 * batches append to segment files through the database's record log (length + crc32 per
 * record, one `write()` per turn of the event loop), so after `kill -9` at most the last turn
 * is lost; a small `head` file, replaced by rename after every delivery, says where the
 * undelivered part starts. A restart finds the segments, skips what was delivered and what fails
 * its check, and sends the rest in order. When the next batch would pass `maxBytes`, the oldest
 * segment is dropped (the owner logs and counts it through `onDrop`).
 *
 *   <dir>/000000000001.queue   records: u32 samples (LE), then the request body
 *   <dir>/head                 "<segment> <offset>": records of that segment before offset were delivered
 *   <dir>/exported-until       "<after>": the instance's iterations up to `after` (s) are queued
 *
 * `exported-until` is replaced by rename right after the batches it covers are written (the same
 * flush), so after `kill -9` it never claims a batch that is not on disk; the instance's first
 * iteration after a restart starts there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RecordLogWriter, scanRecordFile, RECORD_PREFIX_BYTES } from '../database/index.js';
import { error, info } from '../log.js';
import type { BatchQueue, DropListener, QueuedBatch } from './batch-queue.js';

/** A full queue is cut into this many segments (the share dropped at a time). */
export const DISK_QUEUE_SEGMENTS = 8;
/** The smallest segment, whatever `maxBytes` says. */
const MIN_SEGMENT_BYTES = 16 * 1024;
/** A record's bytes before its body: the sample count. */
const SAMPLES_FIELD_BYTES = 4;
/** Longest record a scan accepts (a batch is far smaller; a bigger length is corruption). */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const SEGMENT_SUFFIX = '.queue';
const SEGMENT_NAME = /^(\d{12})\.queue$/;
const HEAD_FILE = 'head';
/** The file holding how far the instance's iterations reached (see the header). */
const EXPORTED_FILE = 'exported-until';

interface RecordRef {
  /** Offset of the record's body in its file. */
  offset: number;
  length: number;
  samples: number;
}

interface Segment {
  seq: number;
  file: string;
  records: RecordRef[];
  /** The first record not yet delivered. */
  head: number;
  bytes: number;
}

/** The reading of a queue directory at start. */
export interface DiskQueueRecovery {
  batches: number;
  samples: number;
  /** Bytes that failed their check or were torn, skipped. */
  skippedBytes: number;
}

/** One destination's disk queue in its own directory; owned by that destination alone. */
export class DiskQueue implements BatchQueue {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #tag: string;
  readonly #onDrop: DropListener;
  readonly #segments: Segment[] = [];
  #writer: RecordLogWriter | null = null;
  #samples = 0;
  #batches = 0;
  #bytes = 0;
  #flushQueued = false;
  #peeked: { ref: RecordRef; batch: QueuedBatch } | null = null;
  /** `exported-until` to write with the next flush; null when the file is current. */
  #pendingAfterS: number | null = null;
  readonly recovered: DiskQueueRecovery;
  readonly resumeAfterS: number | undefined;

  /** Opens (creates) `dir` and reads what an earlier run left; throws when it cannot be created. */
  constructor(dir: string, maxBytes: number, tag: string, onDrop: DropListener) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    this.#segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.floor(maxBytes / DISK_QUEUE_SEGMENTS));
    this.#tag = tag;
    this.#onDrop = onDrop;
    fs.mkdirSync(dir, { recursive: true });
    this.recovered = this.#recover();
    this.resumeAfterS = this.#readExported();
    if (this.recovered.batches > 0) {
      info(`${tag}: found ${this.recovered.batches} batches (${this.recovered.samples} samples) not yet delivered in '${dir}'`);
    }
  }

  get batches(): number {
    return this.#batches;
  }
  get samples(): number {
    return this.#samples;
  }
  get bytes(): number {
    return this.#bytes;
  }

  push(batch: QueuedBatch): void {
    const recordBytes = RECORD_PREFIX_BYTES + SAMPLES_FIELD_BYTES + batch.body.length;
    if (recordBytes > this.#maxBytes) {
      this.#onDrop(1, batch.samples, batch.body.length, `a batch of ${recordBytes} bytes is larger than the disk queue (${this.#maxBytes} bytes)`);
      return;
    }
    let tail = this.#tail();
    if (tail.bytes > 0 && tail.bytes + recordBytes > this.#segmentBytes) tail = this.#roll();
    while (this.#bytes + recordBytes > this.#maxBytes && this.#segments.length > 1) this.#dropOldest();
    const writer = this.#writer!;
    const at = writer.begin(SAMPLES_FIELD_BYTES + batch.body.length);
    const offset = writer.fileBytes + at;
    writer.buffer.writeUInt32LE(batch.samples, at);
    batch.body.copy(writer.buffer, at + SAMPLES_FIELD_BYTES);
    writer.end();
    tail.records.push({ offset, length: SAMPLES_FIELD_BYTES + batch.body.length, samples: batch.samples });
    tail.bytes += recordBytes;
    this.#bytes += recordBytes;
    this.#samples += batch.samples;
    this.#batches++;
    this.#queueFlush();
  }

  markExported(afterS: number): void {
    this.#pendingAfterS = afterS;
    this.#queueFlush();
  }

  peek(): QueuedBatch | undefined {
    const segment = this.#segments.find((s) => s.head < s.records.length);
    if (!segment) return undefined;
    const ref = segment.records[segment.head]!;
    if (this.#peeked?.ref === ref) return this.#peeked.batch;
    if (segment === this.#tail() && ref.offset + ref.length > this.#writer!.fileBytes) this.#flush();
    const bytes = Buffer.allocUnsafe(ref.length);
    const fd = fs.openSync(segment.file, 'r');
    try {
      fs.readSync(fd, bytes, 0, ref.length, ref.offset);
    } finally {
      fs.closeSync(fd);
    }
    const batch = { body: bytes.subarray(SAMPLES_FIELD_BYTES), samples: ref.samples };
    this.#peeked = { ref, batch };
    return batch;
  }

  shift(): void {
    const index = this.#segments.findIndex((s) => s.head < s.records.length);
    if (index < 0) return;
    const segment = this.#segments[index]!;
    const ref = segment.records[segment.head++]!;
    this.#peeked = null;
    this.#forget(ref);
    this.#writeHead(segment.seq, ref.offset + ref.length);
    if (segment.head === segment.records.length && segment !== this.#tail()) this.#remove(index);
  }

  close(): void {
    this.#flush();
    this.#writer?.close();
    this.#writer = null;
  }

  #forget(ref: RecordRef): void {
    this.#bytes -= RECORD_PREFIX_BYTES + ref.length;
    this.#samples -= ref.samples;
    this.#batches--;
  }

  #tail(): Segment {
    if (!this.#writer) this.#roll();
    return this.#segments[this.#segments.length - 1]!;
  }

  #roll(): Segment {
    this.#flush();
    this.#writer?.close();
    const seq = (this.#segments[this.#segments.length - 1]?.seq ?? 0) + 1;
    const file = path.join(this.#dir, `${String(seq).padStart(12, '0')}${SEGMENT_SUFFIX}`);
    this.#writer = new RecordLogWriter(file, { autoFlush: false });
    const segment: Segment = { seq, file, records: [], head: 0, bytes: 0 };
    this.#segments.push(segment);
    return segment;
  }

  #dropOldest(): void {
    const oldest = this.#segments[0]!;
    let samples = 0;
    let batches = 0;
    let bytes = 0;
    for (let i = oldest.head; i < oldest.records.length; i++) {
      const ref = oldest.records[i]!;
      samples += ref.samples;
      bytes += ref.length;
      batches++;
      this.#forget(ref);
    }
    oldest.head = oldest.records.length;
    this.#peeked = null;
    this.#remove(0);
    const next = this.#segments[0];
    if (next) this.#writeHead(next.seq, next.records[next.head]?.offset ?? 0);
    if (batches > 0) this.#onDrop(batches, samples, bytes, `the disk queue is full (${this.#maxBytes} bytes)`);
  }

  #remove(index: number): void {
    const [segment] = this.#segments.splice(index, 1);
    try {
      fs.rmSync(segment!.file, { force: true });
    } catch (err) {
      error(`${this.#tag}: cannot remove '${segment!.file}': ${String(err)}`);
    }
  }

  #writeHead(seq: number, offset: number): void {
    const file = path.join(this.#dir, HEAD_FILE);
    try {
      fs.writeFileSync(`${file}.tmp`, `${seq} ${offset}\n`);
      fs.renameSync(`${file}.tmp`, file);
    } catch (err) {
      error(`${this.#tag}: cannot record the delivered position in '${file}' (batches may be sent again after a restart): ${String(err)}`);
    }
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    try {
      this.#writer?.flush();
    } catch (err) {
      error(`${this.#tag}: cannot write the disk queue '${this.#writer?.file}' (kept in memory, tried again): ${String(err)}`);
      return;
    }
    if (this.#pendingAfterS !== null) this.#writeExported(this.#pendingAfterS);
  }

  #writeExported(afterS: number): void {
    const file = path.join(this.#dir, EXPORTED_FILE);
    try {
      fs.writeFileSync(`${file}.tmp`, `${afterS}\n`);
      fs.renameSync(`${file}.tmp`, file);
      this.#pendingAfterS = null;
    } catch (err) {
      error(`${this.#tag}: cannot record how far the iterations reached in '${file}' (tried again): ${String(err)}`);
    }
  }

  #readExported(): number | undefined {
    try {
      const afterS = Number(fs.readFileSync(path.join(this.#dir, EXPORTED_FILE), 'utf8').trim());
      return Number.isSafeInteger(afterS) && afterS > 0 ? afterS : undefined;
    } catch {
      return undefined; // a first start, or a queue made before the file existed
    }
  }

  #readHead(): { seq: number; offset: number } {
    try {
      const [seq, offset] = fs.readFileSync(path.join(this.#dir, HEAD_FILE), 'utf8').trim().split(' ').map(Number);
      if (Number.isSafeInteger(seq) && Number.isSafeInteger(offset)) return { seq: seq!, offset: offset! };
    } catch {
      // no head file: nothing was delivered yet
    }
    return { seq: 0, offset: 0 };
  }

  #recover(): DiskQueueRecovery {
    const head = this.#readHead();
    const found = fs.readdirSync(this.#dir)
      .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
      .filter((f) => f.match)
      .map((f) => ({ file: path.join(this.#dir, f.name), seq: Number(f.match![1]) }))
      .sort((a, b) => a.seq - b.seq);
    let skippedBytes = 0;
    for (const { file, seq } of found) {
      if (seq < head.seq) {
        fs.rmSync(file, { force: true });
        continue;
      }
      const segment: Segment = { seq, file, records: [], head: 0, bytes: 0 };
      const scan = scanRecordFile(file, (body, offset) => {
        const bodyOffset = offset + RECORD_PREFIX_BYTES;
        if (seq === head.seq && bodyOffset < head.offset) return;
        if (body.length < SAMPLES_FIELD_BYTES) return;
        segment.records.push({ offset: bodyOffset, length: body.length, samples: body.readUInt32LE(0) });
      }, { skipCorrupt: true, maxRecordBytes: MAX_RECORD_BYTES, minRecordBytes: SAMPLES_FIELD_BYTES });
      const bad = scan.tornBytes + scan.corruptBytes;
      if (bad > 0) error(`${this.#tag}: '${file}': ${bad} bytes are torn or failed their check; skipped them`);
      skippedBytes += bad;
      if (segment.records.length === 0) {
        fs.rmSync(file, { force: true });
        continue;
      }
      for (const ref of segment.records) {
        segment.bytes += RECORD_PREFIX_BYTES + ref.length;
        this.#bytes += RECORD_PREFIX_BYTES + ref.length;
        this.#samples += ref.samples;
        this.#batches++;
      }
      this.#segments.push(segment);
    }
    return { batches: this.#batches, samples: this.#samples, skippedBytes };
  }
}
