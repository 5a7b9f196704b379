/**
 * One agent per cache directory: a lock file holding the PID of the agent that uses the
 * directory, created with O_EXCL at start. A second agent finds it, sees that PID alive and
 * refuses to start (it would replay the first one's live journal and overwrite its files); a
 * lock left by an agent that died (`kill -9`, a crash) names a PID that is gone, or one that is
 * no agent, and is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { warn } from '../log.js';
import { errnoCode, makeDirectory } from './disk-faults.js';

/** The lock file's name inside the cache directory. */
export const CACHE_LOCK_FILE = 'tributary.lock';
/** Attempts at taking a stale lock over (another agent may be starting at the same time). */
const TAKE_OVER_ATTEMPTS = 3;
/** Longest lock file read (a PID and a newline; anything longer is not our lock). */
const LOCK_FILE_MAX_BYTES = 64;

/** The cache directory is in use by another running agent. */
export class CacheLockError extends Error {
  constructor(readonly cacheDir: string, readonly pid: number, readonly file: string) {
    super(`database: the cache directory '${cacheDir}' is in use by another agent (pid ${pid}, lock file '${file}'); ` +
      'stop that agent or give this one a cache directory of its own ([global] cache directory)');
    this.name = 'CacheLockError';
  }
}

/** The PID a lock file names, or 0 when it names none (empty, torn, missing). */
function lockedPid(file: string): number {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(LOCK_FILE_MAX_BYTES);
      text = buf.toString('latin1', 0, fs.readSync(fd, buf, 0, buf.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
  const match = /^\s*(\d{1,10})\s*$/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** Whether `pid` is a running process that may be an agent (not us, not a zombie, node or tributary). */
function isOtherAgent(pid: number): boolean {
  if (pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (cause) {
    if (errnoCode(cause) !== 'EPERM') return false;
  }
  try {
    if (/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'))) return false;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return /node|tributary|netdata/.test(cmdline);
  } catch {
    // no /proc: a live PID is taken for an agent
    return true;
  }
}

/**
 * The lock of one cache directory, held from `acquire` to `release` (at the agent's stop). The
 * file is not kept open (a cache with no file open for writing can be remounted read-only). A
 * lock file that could be created but not written (a full disk) is written again by `rewrite()`.
 */
export class CacheLock {
  readonly file: string;
  #written = false;
  #released = false;

  private constructor(file: string) {
    this.file = file;
  }

  /**
   * Takes the lock of `cacheDir` (creating the directory). Throws `CacheLockError` when a live
   * agent holds it, and what the file system throws when the directory or file cannot be made
   * (EROFS, EACCES, ENOSPC): the caller treats that as a disk fault and calls again later.
   * The PID is not written yet: call `rewrite()` next (a full disk may refuse it).
   */
  static acquire(cacheDir: string): CacheLock {
    const file = path.join(cacheDir, CACHE_LOCK_FILE);
    const holder = lockedPid(file);
    if (isOtherAgent(holder)) throw new CacheLockError(cacheDir, holder, file);
    makeDirectory(cacheDir);
    for (let attempt = 1; ; attempt++) {
      try {
        fs.closeSync(fs.openSync(file, 'wx', 0o644));
        return new CacheLock(file);
      } catch (cause) {
        if (errnoCode(cause) !== 'EEXIST' || attempt >= TAKE_OVER_ATTEMPTS) throw cause;
      }
      const pid = lockedPid(file);
      if (isOtherAgent(pid)) throw new CacheLockError(cacheDir, pid, file);
      if (pid !== process.pid) warn(`database: lock file '${file}' names pid ${pid || 'none'}, which is no running agent; taking it over`);
      fs.rmSync(file, { force: true });
    }
  }

  /** Whether the PID is in the file (false after a write the disk refused). */
  get written(): boolean {
    return this.#written;
  }

  /** Writes this process's PID into the file (again); throws what the write throws. */
  rewrite(): void {
    if (this.#released) return;
    fs.writeFileSync(this.file, `${process.pid}\n`);
    this.#written = true;
  }

  /** Removes the lock file if it is still ours (or was never written). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      const pid = lockedPid(this.file);
      if (pid === process.pid || (pid === 0 && !this.#written)) fs.rmSync(this.file, { force: true });
    } catch {
      // a read-only cache keeps the file; its PID is gone once we are
    }
  }
}
