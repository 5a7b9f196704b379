/**
 * The on-disk layout of memory modes `save` and `map` (reference §7 describes netdata's; binary
 * compatibility with it is not a goal):
 *
 *   <cache dir>/<machine guid>/host.json         who the host is and its settings
 *   <cache dir>/<machine guid>/journal           map mode: slots written since the last checkpoint
 *   <cache dir>/<machine guid>/<chart>/chart.hdr  chart header: definitions and ring position
 *   <cache dir>/<machine guid>/<chart>/<dim>.db   dimension: 32-byte header + history × float32 LE
 *
 * Headers are written whole to a temporary file and renamed over the old one, so a crash leaves
 * either the old or the new header, never half of one. Samples are plain 4-byte slots.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from './crc32.js';
import type { ChartDefinition, DimensionDefinition } from './types.js';
import type { RingPosition } from './store.js';

/** The layout version written in every header; other versions are reset. */
export const FILE_FORMAT_VERSION = 1;
/** The chart header's file name inside a chart directory. */
export const CHART_HEADER_FILE = 'chart.hdr';
/** The host file's name inside a host directory. */
export const HOST_FILE = 'host.json';
/** The `map` journal's file name inside a host directory. */
export const JOURNAL_FILE = 'journal';
const DIMENSION_FILE_SUFFIX = '.db';
/** Bytes before the samples in a dimension file. */
export const DIMENSION_HEADER_BYTES = 32;

const CHART_MAGIC = Buffer.from('TRBCHART', 'latin1');
const DIMENSION_MAGIC = Buffer.from('TRBDIM01', 'latin1');
const CHART_PREFIX_BYTES = 16;
/** Longest readable part of a file name made from an id (the rest is a hash). */
const MAX_NAME_CHARS = 120;

/** What `chart.hdr` holds. */
export interface ChartHeader {
  format: number;
  chartId: string;
  updateEverySecs: number;
  historyEntries: number;
  position: RingPosition;
  /** When the header was written (s). */
  savedS: number;
  definition: ChartDefinition | null;
  /** In the chart's dimension order (the journal refers to dimensions by this index). */
  dimensions: { file: string; definition: DimensionDefinition | null; id: string }[];
}

/**
 * A file or directory name for an id: characters other than `A-Z a-z 0-9 . _ -` become `_`
 * (netdata's chart directory names do the same); a name that had to change, or that starts with
 * a dot, gets `~` and a hash of the id so two ids never share a file.
 */
export function safeName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX_NAME_CHARS);
  if (cleaned === id && !id.startsWith('.') && id.length > 0) return id;
  return `${cleaned}~${crc32(id).toString(16).padStart(8, '0')}`;
}

/**
 * Writes `data` to `file` through a temporary file and a rename (never torn). Throws what the
 * disk throws, after removing the temporary file (a full disk keeps no half-written copy).
 */
export function writeAtomic(file: string, data: Buffer | string): void {
  const temp = `${file}.tmp`;
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (cause) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // a read-only disk keeps it; the next write replaces it
    }
    throw cause;
  }
}

/** The header bytes: magic, JSON length, JSON checksum, then the JSON. */
export function encodeChartHeader(header: ChartHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(CHART_PREFIX_BYTES);
  CHART_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(json.length, 8);
  prefix.writeUInt32LE(crc32(json), 12);
  return Buffer.concat([prefix, json]);
}

/** A header, or why the file at `file` is not one (`missing` when there is no file). */
export function readChartHeader(file: string): ChartHeader | string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return 'missing';
  }
  if (bytes.length < CHART_PREFIX_BYTES || !bytes.subarray(0, 8).equals(CHART_MAGIC)) return 'not a chart header (bad magic)';
  const length = bytes.readUInt32LE(8);
  if (bytes.length !== CHART_PREFIX_BYTES + length) return `wrong size (${bytes.length} bytes, header says ${CHART_PREFIX_BYTES + length})`;
  const json = bytes.subarray(CHART_PREFIX_BYTES);
  if (crc32(json) !== bytes.readUInt32LE(12)) return 'checksum mismatch';
  try {
    const header = JSON.parse(json.toString('utf8')) as ChartHeader;
    if (header.format !== FILE_FORMAT_VERSION) return `format version ${header.format}, expected ${FILE_FORMAT_VERSION}`;
    return header;
  } catch {
    return 'checksum matches but the content is not a header';
  }
}

/** What a dimension file must match to be loaded. */
export interface DimensionFileKey {
  chartId: string;
  dimensionId: string;
  historyEntries: number;
  updateEverySecs: number;
}

function dimensionKeyHash(key: DimensionFileKey): number {
  return crc32(`${key.chartId}\0${key.dimensionId}`);
}

/** The 32-byte dimension header: magic, history, update every, id hash, checksum. */
function encodeDimensionHeader(key: DimensionFileKey): Buffer {
  const header = Buffer.alloc(DIMENSION_HEADER_BYTES);
  DIMENSION_MAGIC.copy(header, 0);
  header.writeUInt32LE(key.historyEntries, 8);
  header.writeUInt32LE(key.updateEverySecs, 12);
  header.writeUInt32LE(dimensionKeyHash(key), 16);
  header.writeUInt32LE(FILE_FORMAT_VERSION, 20);
  header.writeUInt32LE(crc32(header.subarray(0, 28)), 28);
  return header;
}

/** The bytes of a ring as stored (little-endian float32, no copy on little-endian machines). */
export function ringBytes(ring: Float32Array): Buffer {
  return Buffer.from(ring.buffer, ring.byteOffset, ring.byteLength);
}

/** Writes a whole dimension file (header + samples) atomically. */
export function writeDimensionFile(file: string, key: DimensionFileKey, ring: Float32Array): void {
  writeAtomic(file, Buffer.concat([encodeDimensionHeader(key), ringBytes(ring)]));
}

/** Loads the samples of a dimension file into `ring`; returns null, or why it cannot. */
export function readDimensionFile(file: string, key: DimensionFileKey, ring: Float32Array): string | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return 'missing';
  }
  const expected = DIMENSION_HEADER_BYTES + key.historyEntries * 4;
  if (bytes.length < DIMENSION_HEADER_BYTES || !bytes.subarray(0, 8).equals(DIMENSION_MAGIC)) return 'not a dimension file (bad magic)';
  if (crc32(bytes.subarray(0, 28)) !== bytes.readUInt32LE(28)) return 'header checksum mismatch';
  if (bytes.readUInt32LE(20) !== FILE_FORMAT_VERSION) return `format version ${bytes.readUInt32LE(20)}`;
  if (bytes.readUInt32LE(16) !== dimensionKeyHash(key)) return `belongs to another chart or dimension`;
  const history = bytes.readUInt32LE(8);
  const updateEvery = bytes.readUInt32LE(12);
  if (history !== key.historyEntries) return `history ${history} differs from ${key.historyEntries}`;
  if (updateEvery !== key.updateEverySecs) return `update every ${updateEvery} differs from ${key.updateEverySecs}`;
  if (bytes.length !== expected) return `wrong size (${bytes.length} bytes, expected ${expected})`;
  ringBytes(ring).set(bytes.subarray(DIMENSION_HEADER_BYTES));
  return null;
}

/** A file name for dimension `id` not used by `taken`. */
export function dimensionFileName(id: string, taken: ReadonlySet<string>): string {
  const base = safeName(id);
  let name = `${base}${DIMENSION_FILE_SUFFIX}`;
  for (let n = 2; taken.has(name); n++) name = `${base}~${n}${DIMENSION_FILE_SUFFIX}`;
  return name;
}

/** Removes a directory and everything in it (missing is fine). */
export function removeTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Subdirectories of `dir` (none when it does not exist). */
export function subdirectories(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}
