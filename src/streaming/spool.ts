/**
 * The spool of a sender whose host keeps no database (memory mode none: a headless collector, a
 * DB-less proxy): every point its charts stored goes to a bounded, crash-safe log on disk, so a
 * parent that was away can replicate it (reference §2.8) from here instead of losing it as
 * netdata does. DESIGN "Links above version 1".
 *
 * - Appends are buffered and written with one `write()` per turn of the event loop through the
 *   database's record log (as map mode's journal): after `kill -9` at most the last turn is lost.
 * - Segment files (`spool-segment.ts`) of about a sixteenth of `maxBytes` each; when the next
 *   write would pass `maxBytes`, the oldest segment is dropped (an ERROR line says what).
 * - In memory only a first and last time per chart per segment; a read scans the segments whose
 *   times overlap the window (replication is rare).
 * - A directory that cannot be created or written never stops the agent: one ERROR line, points
 *   are counted as dropped, and writing is tried again every `SPOOL_RETRY_SECS`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RecordLogWriter } from '../database/index.js';
import type { ReplayRange, ReplaySource, ReplayVisitor } from './replay-source.js';
import { SpoolLog } from './spool-log.js';
import { sha256Hex } from './spool-name-hash.js';
import { recoverSegments, reindexSegment, removeQuietly } from './spool-recovery.js';
import { SegmentIndex, beginPoints, readSegment, writeChart, writeEntry, writeFormat } from './spool-segment.js';

/** Segments a full spool is cut into (the share dropped at a time when it is full). */
export const SPOOL_SEGMENTS = 16;
/** The smallest segment, whatever `maxBytes` says. */
const MIN_SEGMENT_BYTES = 1024;
/** A turn's POINTS record is ended at this size (a burst of appends makes several). */
const MAX_POINTS_RECORD_BYTES = 64 * 1024;
/** Buffered bytes written at once rather than at the end of the turn (at most a segment's). */
const MAX_WRITE_NOW_BYTES = 1024 * 1024;
/** How often a spool that cannot write tries again (at its next append). */
export const SPOOL_RETRY_SECS = 30;

/** Where a spool lives and how big it may grow. */
export interface SpoolOptions {
  /** The spool's own directory (`spoolDirectory()`); created when missing. */
  directory: string;
  /** Most bytes its segment files take together (plus at most one turn's write). */
  maxBytes: number;
  /** Names the spool in log lines (`STREAM <label> [spool]: ...`): the streamed host's name. */
  label: string;
  /** Wall clock in ms (tests of the retry); default `Date.now`. */
  nowMs?: () => number;
}

/** Counters of one spool (self-monitoring, tests). */
export interface SpoolStats {
  bytesOnDisk: number;
  segments: number;
  /** Points held (written or about to be). */
  points: number;
  /** Points lost: dropped with the oldest segment, or not written (directory not writable). */
  droppedPoints: number;
  /** Bytes lost: dropped segments, torn tails, records that failed their check. */
  droppedBytes: number;
  droppedSegments: number;
  /** The newest second of a dropped segment (the spool reached no further back then); 0 = none dropped. */
  droppedUntilS: number;
  /** Appends at or before the chart's newest spooled time, ignored. */
  outOfOrderPoints: number;
  /** False while the directory cannot be written. */
  writable: boolean;
  /** The oldest spooled second; null when nothing is spooled. */
  oldestS: number | null;
}

/** What the spool remembers of a chart between appends. */
interface SpoolChart {
  /** Its CHART record's number in `segment`. */
  no: number;
  /** The segment it was last announced in (re-announced when that is not the writing one). */
  segment: SegmentIndex | null;
  updateEverySecs: number;
  dimensionIds: readonly string[];
  /** Newest spooled slot time: appends must be later. */
  lastS: number;
}

/**
 * The directory of the spool of `machineGuid`'s sender to `destinations` under `root`
 * (`[stream] spool directory`): the same host streamed to two destination sets gets two spools.
 * The order of the destinations does not matter.
 */
export function spoolDirectory(root: string, machineGuid: string, destinations: readonly string[]): string {
  const set = [...new Set(destinations)].sort().join(' ');
  const hash = sha256Hex(set).slice(0, 12);
  return path.join(root, `${machineGuid.replace(/[^A-Za-z0-9-]/g, '_')}-${hash}`);
}

/**
 * A sender's spool. `open()` recovers what an earlier run left (after a clean stop or a crash);
 * the sender calls `append()` after every END for each slot it stored, `range()` and `read()` to
 * answer replication, and `close()` at its stop. Single-threaded: all on the event loop.
 */
export class Spool implements ReplaySource {
  readonly directory: string;
  readonly maxBytes: number;
  /** Size at which the writing segment is closed and a new one started. */
  readonly segmentBytes: number;
  readonly #writeNowBytes: number;
  readonly #maxRecordBytes: number;
  readonly #log: SpoolLog;
  readonly #nowMs: () => number;
  /** Oldest first; the writing segment, when there is one, is the last. */
  readonly #segments: SegmentIndex[] = [];
  readonly #charts = new Map<string, SpoolChart>();
  #writer: RecordLogWriter | null = null;
  #writing: SegmentIndex | null = null;
  /** The newest recovered segment, continued by the first append when it has room. */
  #resumable: SegmentIndex | null = null;
  #nextSequence = 1;
  /** Whether the directory was listed and its segments checked. */
  #recovered = false;
  #bufferedPoints = 0;
  #scheduled = false;
  #failing = false;
  #retryAtMs = 0;
  #droppedWhenFailed = 0;
  #closed = false;
  readonly #counters = { droppedPoints: 0, droppedBytes: 0, droppedSegments: 0, droppedUntilS: 0, outOfOrderPoints: 0 };
  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  private constructor(options: Readonly<SpoolOptions>) {
    this.directory = options.directory;
    this.maxBytes = options.maxBytes;
    this.segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.floor(options.maxBytes / SPOOL_SEGMENTS));
    this.#writeNowBytes = Math.min(MAX_WRITE_NOW_BYTES, this.segmentBytes);
    this.#maxRecordBytes = Math.min(MAX_POINTS_RECORD_BYTES, Math.floor(this.segmentBytes / 4));
    this.#log = new SpoolLog(options.label);
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** Opens the spool in `options.directory`, checking and indexing what is there. Never throws for I/O. */
  static open(options: Readonly<SpoolOptions>): Spool {
    const spool = new Spool(options);
    try {
      spool.#recover();
    } catch (cause) {
      spool.#fail(cause);
    }
    return spool;
  }

  get stats(): Readonly<SpoolStats> {
    let bytesOnDisk = 0;
    let points = 0;
    let oldestS = 0;
    for (const segment of this.#segments) {
      bytesOnDisk += segment.bytes;
      points += segment.points;
      if (segment.firstS > 0 && (oldestS === 0 || segment.firstS < oldestS)) oldestS = segment.firstS;
    }
    return {
      ...this.#counters, bytesOnDisk, points, segments: this.#segments.length, writable: !this.#failing, oldestS: oldestS || null,
    };
  }

  /**
   * Spools the point of `chartId` at `slotTimeS`: `values[i]` is dimension `dimensionIds[i]`'s
   * stored value (NaN = empty). A time at or before the chart's newest spooled one is ignored.
   * Call it with the same `dimensionIds` array while the chart's dimensions stay the same.
   */
  append(chartId: string, updateEverySecs: number, slotTimeS: number, dimensionIds: readonly string[], values: ArrayLike<number>): void {
    if (this.#closed) return;
    if (values.length < dimensionIds.length) {
      throw new RangeError(`spool: chart '${chartId}': ${values.length} values for ${dimensionIds.length} dimensions`);
    }
    let chart = this.#charts.get(chartId);
    if (chart === undefined) {
      chart = { no: -1, segment: null, updateEverySecs, dimensionIds, lastS: 0 };
      this.#charts.set(chartId, chart);
    }
    if (slotTimeS <= chart.lastS) {
      this.#counters.outOfOrderPoints++;
      this.#log.outOfOrder(chartId, slotTimeS, chart.lastS);
      return;
    }
    try {
      this.#store(chart, chartId, updateEverySecs, slotTimeS, dimensionIds, values);
    } catch (cause) {
      // opening a segment failed: this point was not buffered
      this.#counters.droppedPoints++;
      this.#fail(cause);
    }
  }

  /** What is spooled of `chartId`, or null. */
  range(chartId: string): ReplayRange | null {
    let firstS = 0;
    let lastS = 0;
    let updateEverySecs = 0;
    for (const segment of this.#segments) {
      const span = segment.charts.get(chartId);
      if (span === undefined) continue;
      if (firstS === 0 || span.firstS < firstS) firstS = span.firstS;
      if (span.lastS > lastS) {
        lastS = span.lastS;
        updateEverySecs = span.updateEverySecs;
      }
    }
    return lastS === 0 ? null : { firstS, lastS, updateEverySecs };
  }

  /**
   * Visits the spooled points of `chartId` with `afterS < slot time <= beforeS`, oldest first
   * (writing what is buffered first); returns how many. A segment that cannot be read is
   * logged and skipped.
   */
  read(chartId: string, afterS: number, beforeS: number, visit: ReplayVisitor): number {
    this.flush();
    let points = 0;
    for (const segment of [...this.#segments]) {
      const span = segment.charts.get(chartId);
      if (span === undefined || span.lastS <= afterS || span.firstS > beforeS) continue;
      try {
        const read = readSegment(segment.file, chartId, afterS, beforeS, visit);
        points += read.points;
        if (read.stopped) break;
      } catch (cause) {
        this.#log.cannotRead(segment.file, cause);
      }
    }
    return points;
  }

  /** Writes what is buffered now (also done at the end of every turn with appends). */
  flush(): void {
    const writer = this.#writer;
    if (writer === null) return;
    if (writer.recordOpen) writer.end();
    if (writer.bufferedBytes === 0) return;
    try {
      this.#makeRoom(writer.bufferedBytes);
      writer.flush();
    } catch (cause) {
      this.#fail(cause);
      return;
    }
    this.#writing!.bytes = writer.fileBytes;
    this.#bufferedPoints = 0;
    if (this.#failing) {
      this.#failing = false;
      this.#log.writableAgain(this.directory, this.#counters.droppedPoints - this.#droppedWhenFailed);
    }
  }

  /** Writes what is buffered and closes the file; the spool stays on disk for the next `open()`. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    try {
      this.#writer?.close(false);
    } catch {
      // already written or counted as dropped
    }
    this.#writer = null;
    this.#writing = null;
  }

  #store(chart: SpoolChart, chartId: string, updateEverySecs: number, slotTimeS: number, dimensionIds: readonly string[], values: ArrayLike<number>): void {
    const writer = this.#writerForTurn();
    if (writer === null) {
      this.#counters.droppedPoints++;
      return;
    }
    if (chart.segment !== this.#writing || chart.updateEverySecs !== updateEverySecs || !sameIds(chart.dimensionIds, dimensionIds)) {
      this.#announce(writer, chart, chartId, updateEverySecs, dimensionIds);
    } else chart.dimensionIds = dimensionIds; // the same ids: compare by reference next time
    if (!writer.recordOpen) beginPoints(writer);
    writeEntry(writer, chart.no, slotTimeS, values, dimensionIds.length);
    chart.lastS = slotTimeS;
    this.#writing!.note(chartId, updateEverySecs, slotTimeS);
    this.#bufferedPoints++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
    if (writer.openRecordBytes >= this.#maxRecordBytes) writer.end();
    if (writer.bufferedBytes >= this.#writeNowBytes) this.flush();
  }

  /** The writer to append to: started (or retried) when there is none, a new segment when full. */
  #writerForTurn(): RecordLogWriter | null {
    if (this.#writer === null) {
      if (this.#failing && this.#nowMs() < this.#retryAtMs) return null;
      this.#startSegment();
    } else if (!this.#writer.recordOpen && this.#writer.fileBytes + this.#writer.bufferedBytes >= this.segmentBytes) {
      this.flush();
      this.#writer?.close(false);
      this.#writer = null;
      this.#writing = null;
      if (this.#failing) return null;
      this.#startSegment();
    }
    return this.#writer;
  }

  #startSegment(): void {
    if (!this.#recovered) this.#recover(); // never write over segments not yet seen
    fs.mkdirSync(this.directory, { recursive: true });
    const resumed = this.#resumable;
    this.#resumable = null;
    if (resumed !== null && resumed === this.#segments[this.#segments.length - 1] && resumed.bytes < this.segmentBytes) {
      this.#writer = new RecordLogWriter(resumed.file, { mode: 'append', autoFlush: false });
      this.#writing = resumed;
      return;
    }
    const segment = new SegmentIndex(this.directory, this.#nextSequence++);
    this.#writer = new RecordLogWriter(segment.file, { autoFlush: false });
    this.#writing = segment;
    this.#segments.push(segment);
    writeFormat(this.#writer);
  }

  /** A CHART record for `chart` in the writing segment (ending the turn's POINTS record first). */
  #announce(writer: RecordLogWriter, chart: SpoolChart, chartId: string, updateEverySecs: number, dimensionIds: readonly string[]): void {
    if (writer.recordOpen) writer.end();
    const segment = this.#writing!;
    chart.no = segment.nextChartNo++;
    chart.segment = segment;
    chart.updateEverySecs = updateEverySecs;
    chart.dimensionIds = dimensionIds;
    writeChart(writer, chart.no, updateEverySecs, chartId, dimensionIds);
  }

  /** Drops the oldest segments until `incoming` more bytes fit in `maxBytes`. */
  #makeRoom(incoming: number): void {
    let bytes = incoming;
    for (const segment of this.#segments) bytes += segment.bytes;
    while (bytes > this.maxBytes && this.#segments.length > 0 && this.#segments[0] !== this.#writing) {
      const oldest = this.#segments.shift()!;
      bytes -= oldest.bytes;
      removeQuietly(oldest.file);
      this.#counters.droppedPoints += oldest.points;
      this.#counters.droppedBytes += oldest.bytes;
      this.#counters.droppedSegments++;
      this.#counters.droppedUntilS = Math.max(this.#counters.droppedUntilS, oldest.lastS);
      this.#log.droppedSegment(oldest.file, this.maxBytes, oldest.points, oldest.charts.size, oldest.firstS, oldest.lastS);
    }
  }

  /**
   * A write, an open or a mkdir failed: what was buffered is dropped (counted), the writing
   * segment is indexed again from what reached the file, and writing waits `SPOOL_RETRY_SECS`.
   */
  #fail(cause: unknown): void {
    this.#counters.droppedPoints += this.#bufferedPoints;
    this.#bufferedPoints = 0;
    const writing = this.#writing;
    try {
      this.#writer?.close(false);
    } catch {
      // the file is given up either way
    }
    this.#writer = null;
    this.#writing = null;
    const at = writing === null ? -1 : this.#segments.indexOf(writing);
    if (at >= 0) {
      const fresh = reindexSegment(writing!);
      if (fresh === null) this.#segments.splice(at, 1);
      else this.#segments[at] = fresh;
    }
    this.#retryAtMs = this.#nowMs() + SPOOL_RETRY_SECS * 1000;
    if (this.#failing) return;
    this.#failing = true;
    this.#droppedWhenFailed = this.#counters.droppedPoints;
    this.#log.cannotWrite(this.directory, cause, SPOOL_RETRY_SECS);
  }

  /**
   * At open (and at the first retry when the directory could not be listed then): what an
   * earlier run left, checked; then the bound, should `maxBytes` have shrunk. Throws for I/O.
   */
  #recover(): void {
    const found = recoverSegments(this.directory, this.#log);
    this.#recovered = true;
    this.#segments.push(...found.segments);
    this.#nextSequence = found.nextSequence;
    this.#counters.droppedBytes += found.droppedBytes;
    this.#resumable = this.#segments.at(-1) ?? null;
    for (const segment of this.#segments) {
      for (const [id, span] of segment.charts) {
        const chart = this.#charts.get(id);
        if (chart === undefined) this.#charts.set(id, { no: -1, segment: null, updateEverySecs: span.updateEverySecs, dimensionIds: [], lastS: span.lastS });
        else if (span.lastS > chart.lastS) chart.lastS = span.lastS;
      }
    }
    const { points, bytesOnDisk, segments } = this.stats;
    if (segments > 0) this.#log.recovered(this.directory, points, this.#charts.size, segments, bytesOnDisk);
    this.#makeRoom(0);
  }
}

function sameIds(known: readonly string[], ids: readonly string[]): boolean {
  if (known === ids) return true;
  if (known.length !== ids.length) return false;
  for (let i = 0; i < ids.length; i++) if (known[i] !== ids[i]) return false;
  return true;
}
