/**
 * A read-only `Chart` (and a `Host` holding it) over a chart's shared memory, for a query thread
 * (`web/query-worker.ts`): its definitions come in a message (`ChartShadowMeta`, sent again
 * whenever they change), its rings and position are read in place. It reads the rings with the
 * chart's own code (`ring-read.ts`) at one position taken with `hold()`, so a query on it returns
 * exactly what the chart would have returned at that moment. Every write method throws.
 */
import { storedSlots, firstEntryS, lastEntryS, valueAt, readSlots, type RingState } from './ring-read.js';
import { PositionReader, type RingCursor, type SharedChartMemory } from './shared-chart.js';
import type {
  Chart, ChartDefinition, Dimension, DimensionDefinition, Host, HostCapacity, HostIdentity, HostObserver,
  HostSettings, HostStreamState, ReplayOutcome, Variables,
} from './types.js';

/** What a query thread is told of a chart (structured-cloned; the rings stay shared). */
export interface ChartShadowMeta {
  /** The main thread's number for the chart, unique for the process's life. */
  readonly key: number;
  readonly id: string;
  readonly fullName: string;
  readonly definition: Readonly<ChartDefinition>;
  readonly dimensions: readonly Readonly<DimensionDefinition>[];
  readonly memory: SharedChartMemory;
}

/** Reads a chart's shadow meta off a live chart and its shared memory. */
export function shadowMeta(key: number, chart: Chart, memory: SharedChartMemory): ChartShadowMeta {
  return {
    key,
    id: chart.id,
    fullName: chart.fullName,
    definition: chart.definition,
    dimensions: chart.dimensions.map((d) => d.definition),
    memory,
  };
}

const readOnly = (what: string): never => {
  throw new Error(`a query thread's chart is read-only (${what})`);
};

class ShadowDimension implements Dimension {
  readonly idBytes: Buffer;
  readonly lastCollectedValue = NaN;
  readonly lastCollectedTimeUs = 0;
  readonly lastStoredValue = NaN;
  readonly lastCalculatedValue = NaN;
  readonly collections = 0;
  readonly updated = false;

  constructor(readonly index: number, readonly definition: Readonly<DimensionDefinition>) {
    this.idBytes = Buffer.from(definition.id, 'utf8');
  }
}

/** The ring position held for one query, plus the ring length (a `RingState`). */
class HeldPosition implements RingCursor, RingState {
  currentEntry = 0;
  counter = 0;
  lastUpdatedUs = 0;
  updateEverySecs = 1;
  lastCollectedUs = 0;
  constructor(readonly entries: number) {}
}

/** Tries to take a position before giving up (a write is under way each time). */
const HOLD_TRIES = 1000;

/** A chart of a query thread. Created from a `ChartShadowMeta`; reads only. */
export class ShadowChart implements Chart {
  readonly host: Host;
  readonly id: string;
  readonly definition: Readonly<ChartDefinition>;
  readonly fullName: string;
  readonly dimensions: readonly Dimension[];
  readonly variables: Variables = new Map();
  readonly labels = new Map<string, { value: string; source: number }>();
  readonly historyEntries: number;
  readonly iterations = 0;
  readonly lastSlotsWritten = 0;
  readonly lastDurationUs = 0;
  readonly resetDetected = false;
  readonly #rings: readonly Float32Array[];
  readonly #reader: PositionReader;
  readonly #held: HeldPosition;
  #stored = 0;

  constructor(meta: ChartShadowMeta) {
    this.id = meta.id;
    this.fullName = meta.fullName;
    this.definition = meta.definition;
    this.dimensions = meta.dimensions.map((d, i) => new ShadowDimension(i, d));
    this.historyEntries = meta.memory.entries;
    this.#rings = meta.memory.rings;
    this.#reader = new PositionReader(meta.memory.position);
    this.#held = new HeldPosition(meta.memory.entries);
    this.host = new ShadowHost(this);
  }

  /**
   * Takes the chart's current position for the reads that follow; returns its sequence (give it
   * to `unchanged` after the reads), or -1 when none could be taken (the chart is gone or its
   * writer holds it).
   */
  hold(): number {
    for (let i = 0; i < HOLD_TRIES; i++) {
      const seq = this.#reader.read(this.#held);
      if (seq >= 0) {
        this.#stored = storedSlots(this.#held, true);
        return seq;
      }
    }
    return -1;
  }

  /** Whether no slot was written since `hold` returned `seq` (else the reads may be mixed). */
  unchanged(seq: number): boolean {
    return this.#reader.unchanged(seq);
  }

  get lastCollectedTimeUs(): number {
    return this.#held.lastCollectedUs;
  }
  get lastUpdatedUs(): number {
    return this.#held.lastUpdatedUs;
  }

  firstEntryS(): number {
    return firstEntryS(this.#held, this.#stored);
  }
  lastEntryS(): number {
    return lastEntryS(this.#held, this.#stored);
  }
  valueAt(index: number, timeS: number): number {
    return valueAt(this.#held, this.#stored, this.#rings[index] ?? null, timeS);
  }
  readSlots(index: number, newestS: number, count: number, out: Float64Array, offset?: number, stride?: number): void {
    readSlots(this.#held, this.#stored, this.#rings[index] ?? null, newestS, count, out, offset, stride);
  }
  dimension(id: string): Dimension | undefined {
    return this.dimensions.find((d) => d.definition.id === id);
  }

  redefine(): void { readOnly('redefine'); }
  defineDimension(): Dimension { return readOnly('defineDimension'); }
  begin(): void { readOnly('begin'); }
  set(): void { readOnly('set'); }
  setBig(): void { readOnly('setBig'); }
  end(): void { readOnly('end'); }
  storeReplayed(): ReplayOutcome { return readOnly('storeReplayed'); }
  restoreDimensionState(): boolean { return readOnly('restoreDimensionState'); }
  restoreChartState(): void { readOnly('restoreChartState'); }
}

const NO_CAPACITY: HostCapacity = Object.freeze({
  charts: 0, dimensions: 0, maxCharts: 0, maxDimensions: 0, roomForChart: false, roomForDimension: false,
});

/**
 * The host a query thread runs a request on: it holds the one chart the main thread resolved
 * the request's `chart=` to (by id, then by name, as `Host.chart` does there).
 */
class ShadowHost implements Host {
  readonly identity: Readonly<HostIdentity> = { hostname: '', machineGuid: '' };
  readonly stream: Readonly<HostStreamState> = {
    connected: true, connectedSinceS: 0, disconnectedAtS: 0, clientAddress: '', lastDataS: 0,
  };
  readonly hostname = '';
  readonly machineGuid = '';
  readonly settings: Readonly<HostSettings>;
  readonly isLocal = false;
  readonly charts: ReadonlyMap<string, Chart>;
  readonly variables: Variables = new Map();
  readonly labels = new Map<string, { value: string; source: number }>();
  readonly createdS = 0;
  readonly newestStoredS = 0;
  readonly capacity = NO_CAPACITY;

  constructor(readonly only: ShadowChart) {
    this.charts = new Map([[only.id, only]]);
    this.settings = {
      memoryMode: 'ram', historyEntries: only.historyEntries, updateEverySecs: only.definition.updateEverySecs,
      gapWhenLostIterationsAbove: 1,
    };
  }

  /** The chart, whatever the request named it (the main thread resolved the name). */
  chart(): Chart | undefined {
    return this.only;
  }

  setStreamState(): void { readOnly('setStreamState'); }
  defineChart(): Chart { return readOnly('defineChart'); }
  setVariable(): void { readOnly('setVariable'); }
  replaceLabels(): void { readOnly('replaceLabels'); }
  addObserver(_observer: HostObserver): void { readOnly('addObserver'); }
  removeObserver(_observer: HostObserver): void { readOnly('removeObserver'); }
  updateIdentity(): void { readOnly('updateIdentity'); }
  memoryBytes(): number { return 0; }
}
