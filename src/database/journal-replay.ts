/**
 * Start-up of a `map` host: a journal left by a process that did not stop cleanly (`kill -9`, a
 * crash) is replayed into the dimension files and the chart headers, then removed. It runs before
 * any chart of the host is opened, so charts then load plain files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { info, warn } from '../log.js';
import {
  CHART_HEADER_FILE,
  DIMENSION_HEADER_BYTES,
  encodeChartHeader,
  readChartHeader,
  writeAtomic,
  type ChartHeader,
} from './store-files.js';
import { RECORD_CHART, RECORD_SLOTS, SLOTS_FIXED_BYTES } from './journal.js';
import { scanRecords, type RecordScan } from './record-log-scan.js';

interface ReplayChart {
  dir: string;
  header: ChartHeader | null;
  fds: (number | null)[];
  touched: boolean;
}

/** Told of a write the disk refused during a replay. */
export type ReplayFault = (what: string, file: string, cause: unknown) => void;

/**
 * Replays `<hostDir>/<fileName>` if present; returns the number of slot records applied. When
 * the disk refuses a write (read-only, full), `onFault` is told and the journal is kept for the
 * next start; the charts then load what their files hold.
 */
export function replayJournal(hostDir: string, fileName: string, onFault: ReplayFault): number {
  const file = path.join(hostDir, fileName);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return 0;
  }
  const charts = new Map<number, ReplayChart>();
  let applied = 0;
  let scan: RecordScan | null = null;
  let refused = false;
  try {
    scan = scanRecords(bytes, (body) => {
      if (body[0] === RECORD_CHART) charts.set(body.readUInt32LE(1), openChart(hostDir, body.toString('utf8', 5)));
      else if (body[0] === RECORD_SLOTS && applySlots(charts.get(body.readUInt32LE(1)), body)) applied++;
    });
  } catch (cause) {
    refused = true;
    onFault('the map journal replay into', hostDir, cause);
  } finally {
    for (const chart of charts.values()) refused = !finishChart(chart, onFault) || refused;
  }
  if (scan !== null && scan.tornBytes > 0) warn(`database: journal '${file}': ${scan.tornBytes} bytes at its end are torn; ignoring them`);
  if (refused) return applied;
  if (applied > 0) info(`database: journal '${file}': replayed ${applied} iterations into ${charts.size} charts`);
  try {
    fs.rmSync(file, { force: true });
  } catch (cause) {
    onFault('the map journal', file, cause);
  }
  return applied;
}

function openChart(hostDir: string, dirName: string): ReplayChart {
  const dir = path.join(hostDir, dirName);
  const header = readChartHeader(path.join(dir, CHART_HEADER_FILE));
  // A chart whose header cannot be read is reset when it opens; its records are skipped.
  return { dir, header: typeof header === 'string' ? null : header, fds: [], touched: false };
}

function applySlots(chart: ReplayChart | undefined, body: Buffer): boolean {
  const header = chart?.header;
  if (chart === undefined || header == null) return false;
  const first = body.readUInt32LE(5);
  const slots = body.readUInt32LE(9);
  const dimensions = body.readUInt32LE(13);
  const entries = header.historyEntries;
  if (dimensions > header.dimensions.length || slots > entries || first >= entries) return false;
  if (body.length !== SLOTS_FIXED_BYTES + dimensions * slots * 4) return false;
  for (let d = 0; d < dimensions; d++) {
    const fd = dimensionFd(chart, d, entries);
    if (fd === null) continue;
    const at = SLOTS_FIXED_BYTES + d * slots * 4;
    const head = Math.min(slots, entries - first);
    fs.writeSync(fd, body, at, head * 4, DIMENSION_HEADER_BYTES + first * 4);
    if (head < slots) fs.writeSync(fd, body, at + head * 4, (slots - head) * 4, DIMENSION_HEADER_BYTES);
  }
  header.position = {
    currentEntry: body.readUInt32LE(17),
    counter: body.readDoubleLE(21),
    lastSlotTimeS: body.readDoubleLE(29),
  };
  chart.touched = true;
  return true;
}

/** The open file of dimension `index`, or null when it is missing or not the expected size. */
function dimensionFd(chart: ReplayChart, index: number, entries: number): number | null {
  if (chart.fds[index] !== undefined) return chart.fds[index];
  const file = path.join(chart.dir, chart.header!.dimensions[index].file);
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r+');
    if (fs.fstatSync(fd).size !== DIMENSION_HEADER_BYTES + entries * 4) {
      fs.closeSync(fd);
      fd = null;
    }
  } catch {
    fd = null;
  }
  chart.fds[index] = fd;
  return fd;
}

/** Closes the chart's files and writes its header; false when the disk refused the header. */
function finishChart(chart: ReplayChart, onFault: ReplayFault): boolean {
  for (const fd of chart.fds) if (fd != null) fs.closeSync(fd);
  if (!chart.touched || chart.header === null) return true;
  const file = path.join(chart.dir, CHART_HEADER_FILE);
  try {
    writeAtomic(file, encodeChartHeader(chart.header));
    return true;
  } catch (cause) {
    onFault('a chart header', file, cause);
    return false;
  }
}
