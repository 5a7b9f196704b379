/**
 * What `save` and `map` share: one chart's directory, its header checked on open (reset with a
 * log line naming the file when it fails its check, has other settings or is older than the whole
 * ring), its rings in RAM loaded from the dimension files, and the header written from the chart.
 */
import path from 'node:path';
import { error, warn } from '../log.js';
import { makeDirectory } from './disk-faults.js';
import {
  CHART_HEADER_FILE,
  dimensionFileName,
  encodeChartHeader,
  FILE_FORMAT_VERSION,
  readChartHeader,
  readDimensionFile,
  removeTree,
  safeName,
  writeAtomic,
  type ChartHeader,
  type DimensionFileKey,
} from './store-files.js';
import { sharedRing } from './ring-slabs.js';
import type { ChartStore, ChartStoreRequest, RingPosition } from './store.js';
import type { Chart } from './types.js';

/** What a file-backed chart store needs from its owner. */
export interface ChartFilesContext {
  hostDir: string;
  nowS(): number;
  /** Called when the store closes. */
  forget(store: FileChartStore): void;
  /** A write of `what` to `file` was refused by the disk (counted, logged once, retried). */
  fault(what: string, file: string, cause: unknown): void;
}

/** Why a chart header cannot be used for this request, or null. */
export function headerProblem(header: ChartHeader, request: Readonly<ChartStoreRequest>, nowS: number): string | null {
  if (header.chartId !== request.chartId) return `belongs to chart '${header.chartId}'`;
  if (header.updateEverySecs !== request.updateEverySecs) {
    return `update every ${header.updateEverySecs} differs from ${request.updateEverySecs}`;
  }
  if (header.historyEntries !== request.historyEntries) {
    return `history ${header.historyEntries} differs from ${request.historyEntries}`;
  }
  const last = header.position.lastSlotTimeS;
  if (last > 0 && nowS - last > request.historyEntries * request.updateEverySecs) {
    return `its data (last slot ${last}) is older than the whole ring`;
  }
  return null;
}

interface DimensionEntry {
  id: string;
  file: string;
  ring: Float32Array;
}

/** Base of the `save` and `map` stores: everything but when samples reach the disk. */
export abstract class FileChartStore implements ChartStore {
  readonly historyEntries: number;
  readonly dir: string;
  readonly request: Readonly<ChartStoreRequest>;
  protected readonly context: ChartFilesContext;
  protected readonly dimensions: DimensionEntry[] = [];
  protected position: RingPosition = { currentEntry: 0, counter: 0, lastSlotTimeS: 0 };
  protected chart: Chart | null = null;
  #saved: ChartHeader | null = null;
  #lastHeaderJson = '';
  #restored = false;
  #closed = false;

  constructor(request: Readonly<ChartStoreRequest>, context: ChartFilesContext) {
    this.request = request;
    this.context = context;
    this.historyEntries = request.historyEntries;
    this.dir = path.join(context.hostDir, safeName(request.chartId));
    this.#open();
  }

  dimensionRing(dimensionId: string): Float32Array {
    const existing = this.dimensions.find((d) => d.id === dimensionId);
    if (existing !== undefined) return existing.ring;
    const ring = sharedRing(this.historyEntries).fill(NaN);
    const saved = this.#saved?.dimensions.find((d) => d.id === dimensionId);
    const taken = new Set(this.dimensions.map((d) => d.file));
    const file = saved !== undefined && !taken.has(saved.file) ? saved.file : dimensionFileName(dimensionId, taken);
    const entry = { id: dimensionId, file, ring };
    if (saved !== undefined && this.#restored) this.#load(entry);
    this.dimensions.push(entry);
    this.dimensionAdded(entry);
    return ring;
  }

  restoredPosition(): RingPosition | undefined {
    return this.#restored && this.position.counter > 0 ? { ...this.position } : undefined;
  }

  describe(chart: Chart): void {
    this.chart = chart;
  }

  abstract slotWritten(position: Readonly<RingPosition>): void;

  memoryBytes(): number {
    return this.dimensions.length * this.historyEntries * Float32Array.BYTES_PER_ELEMENT;
  }

  /** Stops writing (the owner persisted what it had to) and tells the owner to forget the store. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.context.forget(this);
  }

  /** True once {@link close} was called: nothing more reaches the disk. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Writes whatever the mode keeps only in memory (save: everything; map: the checkpoint). */
  abstract persist(): void;

  /** A dimension got its ring (map creates its file here). */
  protected abstract dimensionAdded(entry: DimensionEntry): void;

  protected key(dimensionId: string): DimensionFileKey {
    return {
      chartId: this.request.chartId,
      dimensionId,
      historyEntries: this.historyEntries,
      updateEverySecs: this.request.updateEverySecs,
    };
  }

  /** The chart header's path. */
  get headerFile(): string {
    return path.join(this.dir, CHART_HEADER_FILE);
  }

  protected filePath(entry: DimensionEntry): string {
    return path.join(this.dir, entry.file);
  }

  /** Writes the header when it changed (definitions, position); true when written. Throws what the disk throws. */
  protected writeHeader(force = false): boolean {
    const header: ChartHeader = {
      format: FILE_FORMAT_VERSION,
      chartId: this.request.chartId,
      updateEverySecs: this.request.updateEverySecs,
      historyEntries: this.historyEntries,
      position: { ...this.position },
      savedS: 0,
      definition: this.chart ? { ...this.chart.definition } : null,
      dimensions: this.dimensions.map((d) => ({
        id: d.id,
        file: d.file,
        definition: this.chart?.dimension(d.id)?.definition ?? null,
      })),
    };
    const json = JSON.stringify(header);
    if (!force && json === this.#lastHeaderJson) return false;
    header.savedS = this.context.nowS();
    makeDirectory(this.dir);
    writeAtomic(this.headerFile, encodeChartHeader(header));
    this.#lastHeaderJson = json;
    return true;
  }

  #open(): void {
    const file = path.join(this.dir, CHART_HEADER_FILE);
    const header = readChartHeader(file);
    if (typeof header === 'string') {
      if (header !== 'missing') {
        error(`database: chart '${this.request.chartId}': file '${file}' ${header}; resetting the chart`);
        this.#remove(this.dir, 'a chart directory');
      }
      return;
    }
    const problem = headerProblem(header, this.request, this.context.nowS());
    if (problem !== null) {
      warn(`database: chart '${this.request.chartId}': file '${file}': ${problem}; resetting the chart`);
      this.#remove(this.dir, 'a chart directory');
      return;
    }
    this.#saved = header;
    this.#restored = true;
    this.position = { ...header.position };
  }

  #load(entry: DimensionEntry): void {
    const file = this.filePath(entry);
    const problem = readDimensionFile(file, this.key(entry.id), entry.ring);
    if (problem === null) return;
    entry.ring.fill(NaN);
    error(`database: chart '${this.request.chartId}', dimension '${entry.id}': file '${file}' ${problem}; resetting the dimension`);
    this.#remove(file, 'a dimension file');
  }

  /** Removes a file or tree; a disk that refuses is a fault (the next write replaces it). */
  #remove(target: string, what: string): void {
    try {
      removeTree(target);
    } catch (cause) {
      this.context.fault(what, target, cause);
    }
  }
}
