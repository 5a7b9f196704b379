/**
 * A host: its identity and settings, its charts by id and by full name, host variables and
 * labels, and the observers told about definitions and completed iterations.
 */
import { warn } from '../log.js';
import { Capacity } from './capacity.js';
import { ChartImpl, type ChartEvents } from './chart.js';
import { noneStoreFactory, ramStoreFactory } from './ram-store.js';
import { RingSlabs } from './ring-slabs.js';
import type { StoreFactories, StoreFactory } from './store.js';
import type {
  Chart,
  ChartDefinition,
  Dimension,
  Host,
  HostIdentity,
  HostObserver,
  HostSettings,
  HostStreamState,
  Variables,
} from './types.js';

/** netdata's RRD_DEFAULT_HISTORY_ENTRIES. */
export const DEFAULT_HISTORY_ENTRIES = 3600;
/** Fewer entries than this are raised to it (netdata's align_entries_to_pagesize). */
export const MIN_HISTORY_ENTRIES = 5;
/** netdata's RRD_HISTORY_ENTRIES_MAX. */
export const MAX_HISTORY_ENTRIES = 86400 * 365;
/** `[global] gap when lost iterations above` default. */
export const DEFAULT_GAP_WHEN_LOST_ITERATIONS_ABOVE = 1;

/** Optional parts of a host: store factories per memory mode (default: `none` and `ram`). */
export interface HostOptions {
  stores?: StoreFactories;
  /** Wall clock in seconds for `createdS` (tests). */
  nowS?: () => number;
  /** The totals this host counts into, shared with the other hosts of its registry (default: its own, with the default limits). */
  capacity?: Capacity;
}

const BUILT_IN_STORES: StoreFactories = { none: noneStoreFactory, ram: ramStoreFactory };
const BYTES_PER_HOST = 4096;

type Labels = Map<string, { value: string; source: number }>;

/**
 * Clamps settings to netdata's ranges. `recentSlots` is kept only in memory mode none and when
 * above 0 (at most `historyEntries`).
 */
export function normalizeSettings(settings: HostSettings): HostSettings {
  const history = Math.min(MAX_HISTORY_ENTRIES, Math.max(MIN_HISTORY_ENTRIES, Math.trunc(settings.historyEntries) || DEFAULT_HISTORY_ENTRIES));
  const recentSlots = settings.memoryMode === 'none' ? Math.min(history, Math.trunc(settings.recentSlots ?? 0) || 0) : 0;
  return Object.freeze({
    memoryMode: settings.memoryMode,
    historyEntries: history,
    updateEverySecs: Math.max(1, Math.trunc(settings.updateEverySecs) || 1),
    gapWhenLostIterationsAbove: Math.max(0, Math.trunc(settings.gapWhenLostIterationsAbove)),
    ...(recentSlots > 0 ? { recentSlots } : {}),
  });
}

/** The `Host` of the contract; made by {@link createHost}, held by the registry. */
export class HostImpl implements Host {
  readonly settings: Readonly<HostSettings>;
  readonly isLocal: boolean;
  readonly variables: Variables = new Map();
  readonly createdS: number;
  #labels: Labels = new Map();
  #identity: Readonly<HostIdentity>;
  #stream: Readonly<HostStreamState>;
  /** The newest `lastDataS` told, folded into `#stream` when it is read. */
  #lastDataS = 0;
  readonly #charts = new Map<string, ChartImpl>();
  readonly #byName = new Map<string, ChartImpl>();
  #observers: readonly HostObserver[] = [];
  readonly #storeFactory: StoreFactory;
  readonly #ringSlabs = new RingSlabs();
  readonly #events: ChartEvents;
  readonly #capacity: Capacity;
  #dimensionCount = 0;
  /** The newest slot time any chart stored (µs), noted at each END and replayed point. */
  #newestStoredUs = 0;

  constructor(identity: HostIdentity, settings: HostSettings, isLocal: boolean, options: HostOptions = {}) {
    this.#identity = Object.freeze({ ...identity });
    this.settings = normalizeSettings(settings);
    this.isLocal = isLocal;
    this.createdS = Math.floor(options.nowS ? options.nowS() : Date.now() / 1000);
    this.#stream = Object.freeze({
      connected: isLocal,
      connectedSinceS: isLocal ? this.createdS : 0,
      disconnectedAtS: 0,
      clientAddress: '',
      lastDataS: 0,
    });
    this.#capacity = options.capacity ?? new Capacity();
    this.#storeFactory = pickStore(this.settings, identity.hostname, options.stores);
    this.#events = this.#chartEvents();
  }

  get identity(): Readonly<HostIdentity> {
    return this.#identity;
  }
  get stream(): Readonly<HostStreamState> {
    if (this.#lastDataS !== this.#stream.lastDataS) this.#stream = streamState(this.#stream, { lastDataS: this.#lastDataS });
    return this.#stream;
  }

  setStreamState(state: Partial<HostStreamState>): void {
    if (state.lastDataS !== undefined) this.#lastDataS = state.lastDataS;
    // a receiver tells lastDataS every second: it joins the snapshot when the snapshot is read
    if (!changesMoreThanLastData(state)) return;
    this.#stream = streamState(this.#stream, { ...state, lastDataS: this.#lastDataS });
  }

  get hostname(): string {
    return this.#identity.hostname;
  }
  get machineGuid(): string {
    return this.#identity.machineGuid;
  }
  get charts(): ReadonlyMap<string, Chart> {
    return this.#charts;
  }
  get labels(): Labels {
    return this.#labels;
  }
  get capacity(): Readonly<Capacity> {
    return this.#capacity;
  }
  get newestStoredS(): number {
    return Math.floor(this.#newestStoredUs / 1_000_000);
  }

  /** Notes `chart`'s last stored slot: kept as it is written, so no reader walks every chart. */
  #noteStored(chart: ChartImpl): void {
    const us = chart.lastUpdatedUs;
    if (us > this.#newestStoredUs) this.#newestStoredUs = us;
  }

  defineChart(definition: ChartDefinition): Chart {
    const existing = this.#charts.get(definition.id);
    if (existing !== undefined) {
      existing.redefine(this.#withDefaults(definition));
      return existing;
    }
    const withDefaults = this.#withDefaults(definition);
    const chart = new ChartImpl({
      host: this,
      definition: withDefaults,
      store: this.#storeFactory({
        hostGuid: this.machineGuid,
        chartId: definition.id,
        historyEntries: this.settings.historyEntries,
        updateEverySecs: withDefaults.updateEverySecs,
        ringSlabs: this.#ringSlabs,
        recentSlots: this.settings.recentSlots,
      }),
      historyEntries: this.settings.historyEntries,
      gapWhenLostIterationsAbove: this.settings.gapWhenLostIterationsAbove,
      events: this.#events,
    });
    this.#charts.set(chart.id, chart);
    this.#byName.set(chart.fullName, chart);
    this.#capacity.charts++;
    this.#noteStored(chart); // a store restored from disk has slots already
    this.#events.chartDefined(chart);
    return chart;
  }

  chart(idOrName: string): Chart | undefined {
    return this.#charts.get(idOrName) ?? this.#byName.get(idOrName);
  }

  setVariable(name: string, value: number): void {
    this.variables.set(name, value);
    for (const observer of this.#observers) observer.hostVariableSet?.(name, value);
  }

  replaceLabels(labels: Labels): void {
    this.#labels = new Map(labels);
    for (const observer of this.#observers) observer.hostLabelsChanged?.(this);
  }

  addObserver(observer: HostObserver): void {
    if (!this.#observers.includes(observer)) this.#observers = [...this.#observers, observer];
  }

  removeObserver(observer: HostObserver): void {
    this.#observers = this.#observers.filter((o) => o !== observer);
  }

  updateIdentity(identity: Partial<HostIdentity>): void {
    this.#identity = withDefined(this.#identity, identity, 'machineGuid');
  }

  memoryBytes(): number {
    let bytes = BYTES_PER_HOST;
    for (const chart of this.#charts.values()) bytes += chart.memoryBytes();
    return bytes;
  }

  /** Releases every chart's store (the host is removed or the agent stops). */
  close(): void {
    for (const chart of this.#charts.values()) chart.close();
  }

  /** The host leaves its registry: its charts and dimensions no longer count toward the totals. */
  releaseCapacity(): void {
    this.#capacity.release(this.#charts.size, this.#dimensionCount);
    this.#dimensionCount = 0;
  }

  #withDefaults(definition: ChartDefinition): ChartDefinition {
    if (definition.updateEverySecs >= 1) return definition;
    return { ...definition, updateEverySecs: this.settings.updateEverySecs };
  }

  #chartEvents(): ChartEvents {
    return {
      fullNameFor: (chart, definition) => {
        const wanted = definition.name ? `${definition.type}.${definition.name}` : definition.id;
        const holder = this.#byName.get(wanted);
        return holder === undefined || holder === chart ? wanted : definition.id;
      },
      renamed: (chart, oldFullName) => {
        if (this.#byName.get(oldFullName) === chart) this.#byName.delete(oldFullName);
        this.#byName.set(chart.fullName, chart);
      },
      chartDefined: (chart) => {
        for (const observer of this.#observers) observer.chartDefined?.(chart);
      },
      dimensionAdded: () => {
        this.#dimensionCount++;
        this.#capacity.dimensions++;
      },
      dimensionDefined: (chart, dimension: Dimension) => {
        for (const observer of this.#observers) observer.dimensionDefined?.(chart, dimension);
      },
      chartDone: (chart) => {
        this.#noteStored(chart);
        for (const observer of this.#observers) observer.chartDone?.(chart);
      },
      pointReplayed: (chart, timeS, values) => {
        this.#noteStored(chart);
        for (const observer of this.#observers) observer.pointReplayed?.(chart, timeS, values);
      },
    };
  }
}

/** Whether `state` defines any field but `lastDataS` (no array made: it runs per host per second). */
function changesMoreThanLastData(state: Partial<HostStreamState>): boolean {
  for (const key in state) {
    if (key !== 'lastDataS' && state[key as keyof HostStreamState] !== undefined) return true;
  }
  return false;
}

/**
 * A frozen copy of `base` with the fields of `changes` that are defined, as a literal: a frozen
 * spread copy would get a map of its own each time (see frozen-definitions.ts).
 */
function streamState(base: Readonly<HostStreamState>, changes: Partial<HostStreamState>): Readonly<HostStreamState> {
  return Object.freeze({
    connected: changes.connected !== undefined ? changes.connected : base.connected,
    connectedSinceS: changes.connectedSinceS !== undefined ? changes.connectedSinceS : base.connectedSinceS,
    disconnectedAtS: changes.disconnectedAtS !== undefined ? changes.disconnectedAtS : base.disconnectedAtS,
    clientAddress: changes.clientAddress !== undefined ? changes.clientAddress : base.clientAddress,
    lastDataS: changes.lastDataS !== undefined ? changes.lastDataS : base.lastDataS,
  });
}

/** A frozen copy of `base` with the fields of `changes` that are defined, except `kept`. */
function withDefined<T extends object>(base: Readonly<T>, changes: Partial<T>, kept?: keyof T): Readonly<T> {
  const next = { ...base } as T;
  for (const key of Object.keys(changes) as (keyof T)[]) {
    const value = changes[key];
    if (value !== undefined && key !== kept) next[key] = value;
  }
  return Object.freeze(next);
}

function pickStore(settings: HostSettings, hostname: string, stores: StoreFactories | undefined): StoreFactory {
  const factory = stores?.[settings.memoryMode] ?? BUILT_IN_STORES[settings.memoryMode];
  if (factory !== undefined) return factory;
  warn(`host '${hostname}': memory mode '${settings.memoryMode}' is not available; using 'ram'`);
  return ramStoreFactory;
}

/** Creates a host (the local one, or one mirrored from a child). */
export function createHost(
  identity: HostIdentity,
  settings: HostSettings,
  isLocal: boolean,
  options?: HostOptions,
): HostImpl {
  return new HostImpl(identity, settings, isLocal, options);
}
