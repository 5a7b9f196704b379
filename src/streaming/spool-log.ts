/**
 * Every log line of a spool, in one place, in the sender's layout (`STREAM <host> [spool]: ...`).
 * ERROR where points are lost (dropped for room, torn or corrupt, not written), INFO otherwise.
 */
import { error, info, LogThrottle } from '../log.js';

/** A time in log lines: UTC, to the second. */
function at(timeS: number): string {
  return new Date(timeS * 1000).toISOString().replace('.000Z', 'Z');
}

function reason(cause: unknown): string {
  const e = cause as NodeJS.ErrnoException;
  if (e?.code && !e.message.startsWith(e.code)) return `${e.code}: ${e.message}`;
  return String(e?.message ?? cause);
}

/** The lines of one spool. */
export class SpoolLog {
  readonly #tag: string;
  readonly #outOfOrder = new LogThrottle(1, 3600_000);

  constructor(label: string) {
    this.#tag = `STREAM ${label} [spool]`;
  }

  recovered(directory: string, points: number, charts: number, segments: number, bytes: number): void {
    info(`${this.#tag}: found ${points} points of ${charts} charts (${bytes} bytes in ${segments} segments) in '${directory}'`);
  }

  torn(file: string, bytes: number): void {
    error(`${this.#tag}: '${file}': ${bytes} bytes at its end are torn (a write cut short); dropped them`);
  }

  corrupt(file: string, records: number, bytes: number): void {
    error(`${this.#tag}: '${file}': ${records} records (${bytes} bytes) failed their checksum; skipped them`);
  }

  unreadable(file: string, bytes: number): void {
    error(`${this.#tag}: '${file}': ${bytes} bytes of points belong to a chart whose definition was lost; skipped them`);
  }

  notASegment(file: string): void {
    error(`${this.#tag}: '${file}' is not a spool segment of this version; removed it`);
  }

  cannotRead(file: string, cause: unknown): void {
    error(`${this.#tag}: cannot read '${file}' (${reason(cause)}); its points are not available`);
  }

  droppedSegment(file: string, maxBytes: number, points: number, charts: number, firstS: number, lastS: number): void {
    const span = points > 0 ? ` from ${at(firstS)} to ${at(lastS)}` : '';
    error(`${this.#tag}: spool full (${maxBytes} bytes): dropped its oldest segment '${file}' with ${points} points of ${charts} charts${span}`);
  }

  cannotWrite(directory: string, cause: unknown, retrySecs: number): void {
    error(`${this.#tag}: cannot write to spool directory '${directory}' (${reason(cause)}); ` +
      `points are not spooled until it can be written (trying again every ${retrySecs} seconds)`);
  }

  /** At most once an hour per spool. */
  outOfOrder(chartId: string, slotTimeS: number, lastS: number): void {
    this.#outOfOrder.log('ERROR', `${this.#tag}: chart '${chartId}': a point at ${at(slotTimeS)} is not after the newest spooled one (${at(lastS)}); ` +
      'not spooling it (did the clock go back?)');
  }

  writableAgain(directory: string, droppedPoints: number): void {
    info(`${this.#tag}: spool directory '${directory}' can be written again; ${droppedPoints} points were not spooled meanwhile`);
  }
}
