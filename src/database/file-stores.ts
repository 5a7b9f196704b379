/**
 * The `save` and `map` store factories over one cache directory, and what they share per host:
 * the host file, the `map` journal, the timers that save (`save every seconds`) and checkpoint.
 * The registry owns one of these when it is given a cache directory. It holds the directory's
 * lock (`cache-lock.ts`) and answers a disk that refuses writes (`disk-faults.ts`): samples stay
 * in memory, what failed is retried every `retryEverySecs` until it is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { debug, error, info, warn } from '../log.js';
import { CACHE_LOCK_FILE, CacheLock, CacheLockError } from './cache-lock.js';
import { DEFAULT_DISK_RETRY_SECS, DiskFaults, makeDirectory, type DiskStats } from './disk-faults.js';
import { HostJournal } from './journal.js';
import { replayJournal } from './journal-replay.js';
import { FileChartStore, headerProblem, type ChartFilesContext } from './store-chart-files.js';
import {
  CHART_HEADER_FILE,
  FILE_FORMAT_VERSION,
  HOST_FILE,
  JOURNAL_FILE,
  readChartHeader,
  removeTree,
  safeName,
  subdirectories,
  writeAtomic,
  type ChartHeader,
} from './store-files.js';
import { MapStore } from './store-map.js';
import { SaveStore } from './store-save.js';
import type { ChartStoreRequest, StoreFactories } from './store.js';
import type { Host, HostIdentity, HostSettings } from './types.js';

/** `[global] save every seconds` default: 0 = `save` writes only at a clean stop. */
export const DEFAULT_SAVE_EVERY_SECS = 0;
/** How often `map` writes its journal into the dimension files and empties it. */
export const DEFAULT_CHECKPOINT_EVERY_SECS = 60;
/**
 * A journal this long whose checkpoints fail is suspended: it stops growing (the rings in RAM
 * hold the samples) until a checkpoint writes everything.
 */
export const MAX_UNCHECKPOINTED_JOURNAL_BYTES = 64 * 1024 * 1024;

/** Where and how often files are written. */
export interface PersistenceOptions {
  /** `[directories] cache`: one directory per host below it, by machine GUID. */
  cacheDir: string;
  /** `[global] save every seconds`: `save` charts are written this often (0 = only at stop). */
  saveEverySecs?: number;
  /** `map` checkpoints this often (default 60). */
  checkpointEverySecs?: number;
  /** Seconds between retries of the writes a disk refused (default 5). */
  retryEverySecs?: number;
  /**
   * Whether a cache directory that cannot be created or locked is a disk fault (logged, counted,
   * retried): true when the local host keeps its files there (`save`, `map`, the default); when
   * false it is only a debug line, and the directory is needed only for children in those modes.
   */
  cacheRequired?: boolean;
  /** Wall clock in seconds (tests). */
  nowS?: () => number;
}

/** A host found in the cache directory. */
export interface SavedHost {
  identity: HostIdentity;
  settings: HostSettings;
  /** When the host file was last written (s). */
  savedS: number;
  disconnectedAtS: number;
}

interface HostFile extends SavedHost {
  format: number;
}

interface HostFiles {
  dir: string;
  stores: Set<FileChartStore>;
  journal: HostJournal | null;
  context: ChartFilesContext;
}

/**
 * The `save` and `map` stores of every host under one cache directory. Created and owned by the
 * registry; `close()` once, at the agent's stop.
 */
export class FileStores {
  readonly cacheDir: string;
  readonly factories: StoreFactories;
  readonly #options: PersistenceOptions;
  readonly #hosts = new Map<string, HostFiles>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #nowS: () => number;
  readonly #faults: DiskFaults;
  readonly #retryEverySecs: number;
  #retryTimer: NodeJS.Timeout | null = null;
  #lock: CacheLock | null = null;
  /** Host files the disk refused, by path: written again by the retry. */
  readonly #pendingHostFiles = new Map<string, string>();
  /** `save` charts the disk refused: written again by the retry. */
  readonly #failedSaves = new Set<SaveStore>();
  #closed = false;
  readonly #fault = (what: string, file: string, cause: unknown): void => this.#faults.report(what, file, cause);

  /**
   * Takes the cache directory's lock; throws `CacheLockError` when another running agent holds
   * it. A directory the disk refuses is a fault, not an error: the agent runs in memory.
   */
  constructor(options: PersistenceOptions) {
    this.#options = options;
    this.cacheDir = options.cacheDir;
    this.#nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
    this.#retryEverySecs = options.retryEverySecs ?? DEFAULT_DISK_RETRY_SECS;
    this.#faults = new DiskFaults(this.cacheDir, this.#retryEverySecs, () => this.#scheduleRetry());
    this.#takeLock(options.cacheRequired ?? true);
    this.factories = {
      save: (request) => this.#track(new SaveStore(request, this.#host(request.hostGuid).context)),
      map: (request) => this.#track(new MapStore(request, this.#host(request.hostGuid).context, this.#journal(request))),
    };
  }

  /** Starts the `save every seconds` and checkpoint timers (they never keep the process alive). */
  start(): void {
    if (this.#timers.length > 0) return;
    const saveSecs = this.#options.saveEverySecs ?? DEFAULT_SAVE_EVERY_SECS;
    const checkpointSecs = this.#options.checkpointEverySecs ?? DEFAULT_CHECKPOINT_EVERY_SECS;
    if (saveSecs > 0) this.#every(saveSecs, () => this.save());
    if (checkpointSecs > 0) this.#every(checkpointSecs, () => this.checkpoint());
  }

  /** The directory of a host's files. */
  hostDir(machineGuid: string): string {
    return path.join(this.cacheDir, safeName(machineGuid));
  }

  /** Writes the host file (identity, settings, link state) atomically. */
  saveHost(host: Host): void {
    const file: HostFile = {
      format: FILE_FORMAT_VERSION,
      identity: { ...host.identity },
      settings: { ...host.settings },
      savedS: this.#nowS(),
      disconnectedAtS: host.isLocal ? 0 : host.stream.connected ? this.#nowS() : host.stream.disconnectedAtS,
    };
    this.#writeHostFile(path.join(this.hostDir(host.machineGuid), HOST_FILE), JSON.stringify(file));
  }

  /** The disk's state for the agent's charts. */
  diskStats(): DiskStats {
    return this.#faults.stats();
  }

  /** Hosts with a readable host file under the cache directory. */
  savedHosts(): SavedHost[] {
    const hosts: SavedHost[] = [];
    for (const dir of subdirectories(this.cacheDir)) {
      const file = path.join(dir, HOST_FILE);
      if (!fs.existsSync(file)) continue;
      try {
        const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as HostFile;
        if (saved.format !== FILE_FORMAT_VERSION || typeof saved.identity?.machineGuid !== 'string') throw new Error('not a host file');
        hosts.push({ identity: saved.identity, settings: saved.settings, savedS: saved.savedS, disconnectedAtS: saved.disconnectedAtS });
      } catch (cause) {
        warn(`database: host file '${file}' cannot be read (${(cause as Error).message}); not restoring that host`);
      }
    }
    return hosts;
  }

  /** The chart headers of a host that would load (definitions included), journal replayed. */
  savedCharts(machineGuid: string, settings: Readonly<HostSettings>): ChartHeader[] {
    this.#host(machineGuid);
    const charts: ChartHeader[] = [];
    for (const dir of subdirectories(this.hostDir(machineGuid))) {
      const header = readChartHeader(path.join(dir, CHART_HEADER_FILE));
      if (typeof header === 'string' || header.definition === null) continue;
      const request = { hostGuid: machineGuid, chartId: header.chartId, historyEntries: settings.historyEntries, updateEverySecs: header.definition.updateEverySecs || settings.updateEverySecs };
      if (headerProblem(header, request, this.#nowS()) === null) charts.push(header);
    }
    return charts;
  }

  /** Writes every `save` chart (also at stop); a chart the disk refuses is retried. */
  save(): void {
    for (const host of this.#hosts.values()) {
      for (const store of host.stores) if (store instanceof SaveStore) this.#save(store);
    }
  }

  /**
   * Writes the journaled slots of every `map` chart into their files and empties the journals;
   * a host whose charts the disk refused keeps its journal (and the retry checkpoints again).
   */
  checkpoint(): void {
    for (const host of this.#hosts.values()) {
      if (host.journal === null) continue;
      if (this.#checkpointHost(host)) host.journal.truncate();
      else if (host.journal.fileBytes > MAX_UNCHECKPOINTED_JOURNAL_BYTES) host.journal.suspend();
    }
  }

  /** Forgets a removed host and deletes its files (its stores must be closed first). */
  dropHost(machineGuid: string): void {
    const host = this.#hosts.get(machineGuid);
    host?.journal?.close(true);
    this.#hosts.delete(machineGuid);
    for (const store of this.#failedSaves) if (store.request.hostGuid === machineGuid) this.#failedSaves.delete(store);
    this.#pendingHostFiles.delete(path.join(this.hostDir(machineGuid), HOST_FILE));
    try {
      removeTree(this.hostDir(machineGuid));
    } catch (cause) {
      this.#fault('a removed host directory', this.hostDir(machineGuid), cause);
    }
  }

  /**
   * At a clean stop: saves and checkpoints everything, removes the journals of hosts written
   * whole (a host the disk refused keeps its journal for the next start), stops the timers and
   * releases the lock.
   */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#retryPending();
    this.save();
    for (const host of this.#hosts.values()) {
      const written = this.#checkpointHost(host);
      host.journal?.close(written);
      host.journal = null;
    }
    if (this.#faults.failing) {
      error(`database: stopping while the cache directory '${this.cacheDir}' refuses writes: ` +
        'samples kept only in memory since the first failed write are lost');
    }
    this.#lock?.release();
    this.#lock = null;
  }

  /** The journal to its file, then every `map` chart's changed slots into its files; false when the disk refused one. */
  #checkpointHost(host: HostFiles): boolean {
    host.journal?.flush();
    let written = true;
    for (const store of host.stores) {
      if (!(store instanceof MapStore)) continue;
      try {
        store.persist();
      } catch (cause) {
        written = false;
        this.#fault(`chart '${store.request.chartId}' to`, store.dir, cause);
      }
    }
    return written;
  }

  #save(store: SaveStore): void {
    try {
      store.persist();
      this.#failedSaves.delete(store);
    } catch (cause) {
      this.#failedSaves.add(store);
      this.#fault(`chart '${store.request.chartId}' to`, store.dir, cause);
    }
  }

  #writeHostFile(file: string, json: string): void {
    try {
      makeDirectory(path.dirname(file));
      writeAtomic(file, json);
      this.#pendingHostFiles.delete(file);
    } catch (cause) {
      this.#pendingHostFiles.set(file, json);
      this.#fault('a host file', file, cause);
    }
  }

  /** Takes the lock, or counts the disk's refusal; another live agent's lock is thrown. */
  #takeLock(required: boolean): void {
    try {
      this.#lock = CacheLock.acquire(this.cacheDir);
    } catch (cause) {
      if (cause instanceof CacheLockError) throw cause;
      const file = path.join(this.cacheDir, CACHE_LOCK_FILE);
      if (required) this.#fault('the lock file', file, cause);
      else debug(`database: no lock on the cache directory '${this.cacheDir}' (${(cause as Error).message}); it is used only by children in memory mode save or map`);
      return;
    }
    this.#writeLockPid();
  }

  #writeLockPid(): void {
    try {
      this.#lock?.rewrite();
    } catch (cause) {
      this.#fault('the lock file', this.#lock!.file, cause);
    }
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== null || this.#closed) return;
    this.#retryTimer = setTimeout(() => this.#retry(), this.#retryEverySecs * 1000);
    this.#retryTimer.unref();
  }

  /** One retry round: every refused write again; a round the disk takes whole ends the outage. */
  #retry(): void {
    this.#retryTimer = null;
    const errorsBefore = this.#faults.writeErrors;
    this.#retryPending();
    this.checkpoint();
    if (this.#faults.writeErrors === errorsBefore) this.#faults.roundSucceeded();
    else this.#scheduleRetry();
  }

  /** The lock, host files and `save` charts the disk refused, written again. */
  #retryPending(): void {
    if (this.#lock === null) {
      try {
        this.#takeLock(true);
      } catch (cause) {
        error((cause as Error).message);
      }
    } else if (!this.#lock.written) this.#writeLockPid();
    for (const [file, json] of [...this.#pendingHostFiles]) this.#writeHostFile(file, json);
    for (const store of [...this.#failedSaves]) this.#save(store);
  }

  #every(secs: number, action: () => void): void {
    const timer = setInterval(action, secs * 1000);
    timer.unref();
    this.#timers.push(timer);
  }

  #track<T extends FileChartStore>(store: T): T {
    this.#host(store.request.hostGuid).stores.add(store);
    return store;
  }

  /** The files of a host; the first time, replays a journal a crash left behind. */
  #host(machineGuid: string): HostFiles {
    let host = this.#hosts.get(machineGuid);
    if (host !== undefined) return host;
    const dir = this.hostDir(machineGuid);
    replayJournal(dir, JOURNAL_FILE, this.#fault);
    const stores = new Set<FileChartStore>();
    const forget = (store: FileChartStore): void => {
      stores.delete(store);
      if (store instanceof SaveStore) this.#failedSaves.delete(store);
    };
    host = { dir, stores, journal: null, context: { hostDir: dir, nowS: this.#nowS, forget, fault: this.#fault } };
    this.#hosts.set(machineGuid, host);
    return host;
  }

  #journal(request: Readonly<ChartStoreRequest>): HostJournal {
    const host = this.#host(request.hostGuid);
    host.journal ??= new HostJournal(host.dir, JOURNAL_FILE, this.#fault);
    return host.journal;
  }
}

/** Log line for a restored host (one place for the wording). */
export function logRestoredHost(host: Host, charts: number, dir: string): void {
  info(`database: restored host '${host.hostname}' (${host.machineGuid}) with ${charts} charts from '${dir}'; not connected until its child reconnects`);
}
