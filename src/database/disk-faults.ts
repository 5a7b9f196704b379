/**
 * What the `save` and `map` stores do when the disk refuses a write (full, read-only, gone):
 * the samples stay in memory, the first error of an outage is logged once with what was written
 * where and the errno, every failed write is counted (the agent's `netdata.db_disk_*` charts),
 * the owner retries after a delay, and the first round that writes everything logs "recovered".
 * Nothing here throws: a disk is outside input, and no outside input ends the process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { error, info } from '../log.js';

/** Seconds between write retries while the disk refuses writes. */
export const DEFAULT_DISK_RETRY_SECS = 5;

/** The disk's state as the agent's own charts show it. */
export interface DiskStats {
  /** Writes refused by the disk since start (each file, each attempt). */
  writeErrors: number;
  /** Whether writes are failing now (samples written since the outage began are in memory only). */
  failing: boolean;
  /** Outages that ended with every pending write done. */
  recoveries: number;
}

/** The errno code of a failed call (`ENOSPC`, `EROFS`...), or `EIO` when it has none. */
export function errnoCode(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

/** What an errno means for an operator, in a few words. */
function meaning(code: string): string {
  switch (code) {
    case 'ENOSPC': return 'the disk is full';
    case 'EDQUOT': return 'the disk quota is exhausted';
    case 'EROFS': return 'the file system is read-only, not writable';
    case 'EACCES':
    case 'EPERM': return 'permission denied, not writable';
    default: return (code === 'EIO' ? 'input/output error' : code);
  }
}

/**
 * One cache directory's disk faults: its stores report each failed write, the owner asks
 * `failing` to know whether to retry and calls `roundSucceeded()` after a retry round that
 * reported nothing.
 */
export class DiskFaults {
  readonly cacheDir: string;
  #writeErrors = 0;
  #recoveries = 0;
  #failingSinceMs = 0;
  #errorsThisOutage = 0;
  /** Errno codes already logged in this outage (a new kind of failure is logged once too). */
  readonly #logged = new Set<string>();
  /** Called once per outage at its first error (the owner schedules its retries). */
  readonly #onFailing: () => void;
  readonly #retrySecs: number;

  /** `onFailing` is called at the first error of each outage; the owner retries every `retrySecs`. */
  constructor(cacheDir: string, retrySecs: number, onFailing: () => void) {
    this.cacheDir = cacheDir;
    this.#retrySecs = retrySecs;
    this.#onFailing = onFailing;
  }

  /** Whether a write failed since the last round that wrote everything. */
  get failing(): boolean {
    return this.#failingSinceMs !== 0;
  }

  /** Failed writes since start. */
  get writeErrors(): number {
    return this.#writeErrors;
  }

  /** A snapshot for the agent's charts. */
  stats(): DiskStats {
    return { writeErrors: this.#writeErrors, failing: this.failing, recoveries: this.#recoveries };
  }

  /**
   * A write of `what` to `file` failed with `cause`: counted; logged when it is the outage's
   * first failure of this errno.
   */
  report(what: string, file: string, cause: unknown): void {
    this.#writeErrors++;
    this.#errorsThisOutage++;
    const code = errnoCode(cause);
    const first = !this.failing;
    if (first) this.#failingSinceMs = Date.now();
    if (!this.#logged.has(code)) {
      this.#logged.add(code);
      const reason = (cause as Error | null)?.message ?? String(cause);
      error(`database: cannot write ${what} '${file}': ${code} (${meaning(code)}): ${reason}; ` +
        `keeping the samples in memory and retrying every ${this.#retrySecs} seconds`);
    }
    if (first) this.#onFailing();
  }

  /** A retry round wrote everything that was pending: the outage is over. */
  roundSucceeded(): void {
    if (!this.failing) return;
    const secs = Math.round((Date.now() - this.#failingSinceMs) / 1000);
    info(`database: writes to the cache directory '${this.cacheDir}' recovered after ${secs} seconds ` +
      `and ${this.#errorsThisOutage} failed writes; the samples kept in memory are on disk again`);
    this.#recoveries++;
    this.#failingSinceMs = 0;
    this.#errorsThisOutage = 0;
    this.#logged.clear();
  }
}

/**
 * Creates `dir` and its missing parents one by one, so a failure carries the real errno
 * (`mkdirSync(..., { recursive: true })` says ENOENT on a read-only file system).
 */
export function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir);
    return;
  } catch (cause) {
    const code = errnoCode(cause);
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT') throw cause;
  }
  const parent = path.dirname(dir);
  if (parent === dir) throw new Error(`cannot create '${dir}': no existing parent`);
  makeDirectory(parent);
  try {
    fs.mkdirSync(dir);
  } catch (cause) {
    if (errnoCode(cause) !== 'EEXIST') throw cause;
  }
}
