/**
 * What a sender that streams from a spool (a host without a database) tells its parent about
 * that spool in its request, so the parent's coverage ledger can tell seconds the spool dropped
 * because it was full from seconds that were never kept: the {@link SPOOL_HEADER}, e.g.
 * `X-Tributary-Spool: oldest=1764661200, dropped=5120, until=1764661199`.
 *
 * A header and not a parameter: netdata 1.37 logs every parameter it does not know and passes
 * over headers it does not know without a word (request.ts). A netdata child never sends it, so
 * its links read as before. The values are the spool's at connect time: what it drops while the
 * link is up is told at the next connect.
 */
import type { SpoolStats } from './spool.js';

/** The request header of the spool's state. */
export const SPOOL_HEADER = 'X-Tributary-Spool';
/** Longest value read; a well-formed one is about 60 characters. */
export const MAX_SPOOL_HEADER_CHARS = 96;

/** A spool's state as its sender told it. */
export interface SpoolClaim {
  /** The oldest second the spool holds; 0 = it holds nothing. */
  readonly oldestS: number;
  /** Points it lost since the sender started (dropped with full segments, or not written). */
  readonly droppedPoints: number;
  /** The newest second of a segment it dropped for room; 0 = it dropped none. */
  readonly droppedUntilS: number;
}

const FORMAT = /^oldest=(\d{1,10}), dropped=(\d{1,15}), until=(\d{1,10})$/;

/** The claim of a spool with these counters. */
export function spoolClaim(stats: Readonly<SpoolStats>): SpoolClaim {
  return { oldestS: stats.oldestS ?? 0, droppedPoints: stats.droppedPoints, droppedUntilS: stats.droppedUntilS };
}

/** The header's value for `claim`. */
export function formatSpoolClaim(claim: SpoolClaim): string {
  return `oldest=${claim.oldestS}, dropped=${claim.droppedPoints}, until=${claim.droppedUntilS}`;
}

/** The claim of a header's value, or null when it is not one (too long, not of the format, a number not safe). */
export function parseSpoolClaim(text: string): SpoolClaim | null {
  if (text.length > MAX_SPOOL_HEADER_CHARS) return null;
  const m = FORMAT.exec(text);
  if (m === null) return null;
  const [oldestS, droppedPoints, droppedUntilS] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!Number.isSafeInteger(droppedPoints)) return null;
  return { oldestS, droppedPoints, droppedUntilS };
}
