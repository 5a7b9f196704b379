/**
 * One segment file of a spool: `<sequence as 8 hex digits>.spool`, records framed by the
 * database's record log (u32 length, u32 crc32, body). Body: u8 type, then
 *   FORMAT (3): u32 format version; the first record of every segment
 *   CHART  (1): u32 chart number, u32 update every (s), u16 dimensions, then the chart id and each
 *               dimension id as u16 byte length + utf8
 *   POINTS (2): entries to the end of the body, each u32 chart number, u32 slot time (s), then
 *               one float32 LE per dimension of that chart (NaN = empty)
 * A chart's CHART record comes before its points in the same segment (so dimension ids are
 * written once per segment, not per point), and again, with a new number, when its dimensions
 * or update every change. One POINTS record holds a turn's points of every chart.
 */
import path from 'node:path';
import { RecordLogWriter, scanRecordFile, type RecordScan, type RecordScanOptions } from '../database/index.js';

export const SEGMENT_FORMAT_VERSION = 1;
const RECORD_CHART = 1;
const RECORD_POINTS = 2;
const RECORD_FORMAT = 3;
/** A POINTS entry before its values. */
export const ENTRY_FIXED_BYTES = 8;
const SEGMENT_NAME = /^([0-9a-f]{8})\.spool$/;
/** How the spool checks its records: skip a bad one when good ones follow. */
const SCAN: RecordScanOptions = { skipCorrupt: true, minRecordBytes: 1, maxRecordBytes: 64 * 1024 * 1024 };

/** The file name of segment `sequence`, or the sequence of a file name (null: not a segment). */
export function segmentFileName(sequence: number): string {
  return `${sequence.toString(16).padStart(8, '0')}.spool`;
}
export function segmentSequence(fileName: string): number | null {
  const m = SEGMENT_NAME.exec(fileName);
  return m ? parseInt(m[1], 16) : null;
}

/** What a segment holds of one chart. */
export interface ChartSpan {
  firstS: number;
  lastS: number;
  /** Of the chart's newest points in the segment. */
  updateEverySecs: number;
  points: number;
}

/** A segment as the spool keeps it in memory: its file and, per chart, a first and last time. */
export class SegmentIndex {
  readonly file: string;
  bytes = 0;
  points = 0;
  firstS = 0;
  lastS = 0;
  /** The number the next CHART record of this segment gets. */
  nextChartNo = 0;
  readonly charts = new Map<string, ChartSpan>();

  constructor(directory: string, readonly sequence: number) {
    this.file = path.join(directory, segmentFileName(sequence));
  }

  /** Counts one point of `chartId` at `slotTimeS`. */
  note(chartId: string, updateEverySecs: number, slotTimeS: number): ChartSpan {
    let span = this.charts.get(chartId);
    if (span === undefined) {
      span = { firstS: slotTimeS, lastS: slotTimeS, updateEverySecs, points: 0 };
      this.charts.set(chartId, span);
    }
    if (slotTimeS < span.firstS) span.firstS = slotTimeS;
    if (slotTimeS > span.lastS) span.lastS = slotTimeS;
    span.updateEverySecs = updateEverySecs;
    span.points++;
    this.points++;
    if (this.firstS === 0 || slotTimeS < this.firstS) this.firstS = slotTimeS;
    if (slotTimeS > this.lastS) this.lastS = slotTimeS;
    return span;
  }
}

// ---- writing ------------------------------------------------------------------------------------

/** Writes the FORMAT record a new segment starts with. */
export function writeFormat(log: RecordLogWriter): void {
  const at = log.begin(5);
  log.buffer[at] = RECORD_FORMAT;
  log.buffer.writeUInt32LE(SEGMENT_FORMAT_VERSION, at + 1);
  log.end();
}

/** Writes a CHART record (its own record; no POINTS record may be open). */
export function writeChart(log: RecordLogWriter, chartNo: number, updateEverySecs: number, chartId: string, dimensionIds: readonly string[]): void {
  let bytes = 1 + 4 + 4 + 2 + 2 + Buffer.byteLength(chartId);
  for (const id of dimensionIds) bytes += 2 + Buffer.byteLength(id);
  let at = log.begin(bytes);
  const buf = log.buffer;
  buf[at] = RECORD_CHART;
  buf.writeUInt32LE(chartNo, at + 1);
  buf.writeUInt32LE(updateEverySecs, at + 5);
  buf.writeUInt16LE(dimensionIds.length, at + 9);
  at = writeText(buf, at + 11, chartId);
  for (const id of dimensionIds) at = writeText(buf, at, id);
  log.end();
}

function writeText(buf: Buffer, at: number, text: string): number {
  const n = buf.write(text, at + 2, 'utf8');
  buf.writeUInt16LE(n, at);
  return at + 2 + n;
}

/** Opens the turn's POINTS record. */
export function beginPoints(log: RecordLogWriter): void {
  const at = log.begin(1);
  log.buffer[at] = RECORD_POINTS;
}

/** Adds one point to the open POINTS record. */
export function writeEntry(log: RecordLogWriter, chartNo: number, slotTimeS: number, values: ArrayLike<number>, count: number): void {
  let at = log.reserve(ENTRY_FIXED_BYTES + count * 4);
  const buf = log.buffer;
  buf.writeUInt32LE(chartNo, at);
  buf.writeUInt32LE(slotTimeS, at + 4);
  at += ENTRY_FIXED_BYTES;
  for (let d = 0; d < count; d++, at += 4) buf.writeFloatLE(values[d], at);
}

// ---- reading ------------------------------------------------------------------------------------

/** A CHART record as read back. */
interface SegmentChart {
  id: string;
  updateEverySecs: number;
  dimensionIds: string[];
}

/** What checking a whole segment found. */
export interface SegmentCheck {
  scan: RecordScan;
  /** False when the first record is not a FORMAT record of this version. */
  formatOk: boolean;
  /** Bytes of POINTS records that could not be read (a chart number without its CHART record). */
  unreadableBytes: number;
}

/** Reads a segment's records in order: CHART records to `onChart`, POINTS bodies to `onPoints` (returns bytes it could not read). */
function walk(file: string, onChart: (no: number, chart: SegmentChart) => void, onPoints: (body: Buffer, charts: ReadonlyArray<SegmentChart | undefined>) => number): SegmentCheck {
  const charts: (SegmentChart | undefined)[] = [];
  let formatOk = false;
  let first = true;
  let unreadableBytes = 0;
  const scan = scanRecordFile(file, (body) => {
    const type = body[0];
    if (first) {
      first = false;
      formatOk = type === RECORD_FORMAT && body.length === 5 && body.readUInt32LE(1) === SEGMENT_FORMAT_VERSION;
    }
    if (!formatOk) return;
    if (type === RECORD_CHART) {
      const chart = readChart(body);
      if (chart !== null) {
        charts[chart.no] = chart.chart;
        onChart(chart.no, chart.chart);
      }
    } else if (type === RECORD_POINTS) unreadableBytes += onPoints(body, charts);
  }, SCAN);
  return { scan, formatOk, unreadableBytes };
}

function readChart(body: Buffer): { no: number; chart: SegmentChart } | null {
  if (body.length < 13) return null;
  const count = body.readUInt16LE(9);
  let at = 11;
  const texts: string[] = [];
  for (let i = 0; i <= count; i++) {
    if (at + 2 > body.length) return null;
    const n = body.readUInt16LE(at);
    if (at + 2 + n > body.length) return null;
    texts.push(body.toString('utf8', at + 2, at + 2 + n));
    at += 2 + n;
  }
  return { no: body.readUInt32LE(1), chart: { id: texts[0], updateEverySecs: body.readUInt32LE(5), dimensionIds: texts.slice(1) } };
}

/**
 * Checks a segment written by an earlier run and indexes it (a first and last time per chart).
 * Throws what reading the file throws.
 */
export function indexSegment(index: SegmentIndex): SegmentCheck {
  let maxChartNo = -1;
  const check = walk(index.file, (no) => {
    if (no > maxChartNo) maxChartNo = no;
  }, (body, charts) => {
    for (let at = 1; at < body.length;) {
      const chart = charts[body.readUInt32LE(at)];
      const end = chart === undefined ? Infinity : at + ENTRY_FIXED_BYTES + chart.dimensionIds.length * 4;
      if (end > body.length) return body.length - at;
      index.note(chart!.id, chart!.updateEverySecs, body.readUInt32LE(at + 4));
      at = end;
    }
    return 0;
  });
  index.nextChartNo = maxChartNo + 1;
  index.bytes = check.scan.endBytes;
  return check;
}

/** Thrown out of a scan to end it early. */
const STOP = Symbol('stop');

/**
 * Visits the points of `chartId` in `(afterS, beforeS]`, in file order; stops when `visit`
 * returns false. Returns the points visited and whether it was stopped. Throws what reading
 * the file throws.
 */
export function readSegment(
  file: string,
  chartId: string,
  afterS: number,
  beforeS: number,
  visit: (slotTimeS: number, dimensionIds: readonly string[], values: ArrayLike<number>) => void | boolean,
): { points: number; stopped: boolean } {
  let points = 0;
  const wanted: boolean[] = [];
  const values: Float64Array[] = [];
  try {
    walk(file, (no, chart) => {
      wanted[no] = chart.id === chartId;
    }, (body, charts) => {
      for (let at = 1; at < body.length;) {
        const no = body.readUInt32LE(at);
        const chart = charts[no];
        if (chart === undefined) return 0;
        const count = chart.dimensionIds.length;
        const end = at + ENTRY_FIXED_BYTES + count * 4;
        if (end > body.length) return 0;
        const t = body.readUInt32LE(at + 4);
        if (wanted[no] && t > afterS && t <= beforeS) {
          const v = (values[count] ??= new Float64Array(count));
          for (let d = 0, o = at + ENTRY_FIXED_BYTES; d < count; d++, o += 4) v[d] = body.readFloatLE(o);
          points++;
          if (visit(t, chart.dimensionIds, v) === false) throw STOP;
        }
        at = end;
      }
      return 0;
    });
  } catch (thrown) {
    if (thrown !== STOP) throw thrown;
    return { points, stopped: true };
  }
  return { points, stopped: false };
}
