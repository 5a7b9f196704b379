/**
 * The `save` and `map` store factories over one cache directory, and what they share per host:
 * the host file, the `map` journal, the timers that save (`save every seconds`) and checkpoint.
 * The registry owns one of these when it is given a cache directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { error, info, warn } from '../log.js';
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

/** Where and how often files are written. */
export interface PersistenceOptions {
  /** `[directories] cache`: one directory per host below it, by machine GUID. */
  cacheDir: string;
  /** `[global] save every seconds`: `save` charts are written this often (0 = only at stop). */
  saveEverySecs?: number;
  /** `map` checkpoints this often (default 60). */
  checkpointEverySecs?: number;
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

  constructor(options: PersistenceOptions) {
    this.#options = options;
    this.cacheDir = options.cacheDir;
    this.#nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
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
    const dir = this.hostDir(host.machineGuid);
    try {
      fs.mkdirSync(dir, { recursive: true });
      writeAtomic(path.join(dir, HOST_FILE), JSON.stringify(file));
    } catch (cause) {
      error(`database: cannot write '${path.join(dir, HOST_FILE)}': ${(cause as Error).message}`);
    }
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

  /** Writes every `save` chart (also at stop). */
  save(): void {
    for (const host of this.#hosts.values()) {
      for (const store of host.stores) if (store instanceof SaveStore) store.persist();
    }
  }

  /** Writes the journaled slots of every `map` chart into their files and empties the journals. */
  checkpoint(): void {
    for (const host of this.#hosts.values()) {
      if (host.journal === null) continue;
      this.#checkpointHost(host);
      host.journal.truncate();
    }
  }

  /** Forgets a removed host and deletes its files (its stores must be closed first). */
  dropHost(machineGuid: string): void {
    const host = this.#hosts.get(machineGuid);
    host?.journal?.close(true);
    this.#hosts.delete(machineGuid);
    removeTree(this.hostDir(machineGuid));
  }

  /** At a clean stop: saves and checkpoints everything, removes the journals, stops the timers. */
  close(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.save();
    for (const host of this.#hosts.values()) {
      this.#checkpointHost(host);
      host.journal?.close(true);
      host.journal = null;
    }
  }

  /** The journal to its file, then every `map` chart's changed slots into its files. */
  #checkpointHost(host: HostFiles): void {
    host.journal?.flush();
    for (const store of host.stores) if (store instanceof MapStore) this.#persist(store);
  }

  #persist(store: FileChartStore): void {
    try {
      store.persist();
    } catch (cause) {
      error(`database: cannot write chart '${store.request.chartId}' to '${store.dir}': ${(cause as Error).message}`);
    }
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
    replayJournal(dir, JOURNAL_FILE);
    const stores = new Set<FileChartStore>();
    host = { dir, stores, journal: null, context: { hostDir: dir, nowS: this.#nowS, forget: (s) => stores.delete(s) } };
    this.#hosts.set(machineGuid, host);
    return host;
  }

  #journal(request: Readonly<ChartStoreRequest>): HostJournal {
    const host = this.#host(request.hostGuid);
    host.journal ??= new HostJournal(host.dir, JOURNAL_FILE);
    return host.journal;
  }
}

/** Log line for a restored host (one place for the wording). */
export function logRestoredHost(host: Host, charts: number, dir: string): void {
  info(`database: restored host '${host.hostname}' (${host.machineGuid}) with ${charts} charts from '${dir}'; not connected until its child reconnects`);
}
