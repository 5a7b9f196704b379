/**
 * A spool's start-up after a clean stop or a crash: every segment file is checked (record
 * lengths and checksums, its format record) and indexed; a torn tail is cut off, a file that is
 * not a segment removed, a bad record skipped, each with a line naming the file. Also the
 * re-indexing of a segment whose write failed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SegmentIndex, indexSegment, segmentSequence } from './spool-segment.js';
import type { SpoolLog } from './spool-log.js';

/** What an earlier run left, checked. */
export interface RecoveredSegments {
  /** Oldest first. */
  segments: SegmentIndex[];
  nextSequence: number;
  /** Torn tails, bad records and files that were not segments. */
  droppedBytes: number;
}

/** Checks and indexes the segments in `directory` (created when missing); throws when it cannot be listed. */
export function recoverSegments(directory: string, log: SpoolLog): RecoveredSegments {
  fs.mkdirSync(directory, { recursive: true });
  const sequences = fs.readdirSync(directory).map(segmentSequence).filter((s): s is number => s !== null).sort((a, b) => a - b);
  const found: RecoveredSegments = { segments: [], nextSequence: (sequences.at(-1) ?? 0) + 1, droppedBytes: 0 };
  for (const sequence of sequences) {
    const segment = new SegmentIndex(directory, sequence);
    const dropped = recoverSegment(segment, log);
    if (dropped === null) continue;
    found.droppedBytes += dropped.bytes;
    if (dropped.keep) found.segments.push(segment);
  }
  return found;
}

/** Checks one segment; returns whether to keep it and the bytes it lost, null when unreadable. */
function recoverSegment(segment: SegmentIndex, log: SpoolLog): { keep: boolean; bytes: number } | null {
  let check;
  try {
    check = indexSegment(segment);
  } catch (cause) {
    log.cannotRead(segment.file, cause);
    return null;
  }
  const { scan } = check;
  if (!check.formatOk) {
    // a segment created just before a crash may be empty: not worth a line
    if (scan.records > 0 || scan.tornBytes > 0) log.notASegment(segment.file);
    removeQuietly(segment.file);
    return { keep: false, bytes: scan.endBytes + scan.tornBytes };
  }
  if (scan.tornBytes > 0) {
    log.torn(segment.file, scan.tornBytes);
    try {
      fs.truncateSync(segment.file, scan.endBytes);
    } catch {
      // read-only: the tail is skipped again at every read
    }
  }
  if (scan.corruptRecords > 0) log.corrupt(segment.file, scan.corruptRecords, scan.corruptBytes);
  if (check.unreadableBytes > 0) log.unreadable(segment.file, check.unreadableBytes);
  return { keep: true, bytes: scan.tornBytes + scan.corruptBytes + check.unreadableBytes };
}

/** The index of what `segment`'s file holds now, or null (the file is removed) when nothing. */
export function reindexSegment(segment: SegmentIndex): SegmentIndex | null {
  const fresh = new SegmentIndex(path.dirname(segment.file), segment.sequence);
  try {
    if (indexSegment(fresh).formatOk) return fresh;
  } catch {
    // unreadable: forgotten below
  }
  removeQuietly(segment.file);
  return null;
}

/** Removes a file when the directory lets us (a read-only one skips it again at the next open). */
export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // see above
  }
}
