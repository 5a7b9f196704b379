/**
 * A chart: its definition, its dimensions, the per-iteration numbers (`CollectionState`) and its
 * store. BEGIN/SET/END go straight to typed arrays; readers get `DimensionView`s.
 */
import { info, warn } from '../log.js';
import { nextDuration, USEC_PER_SEC } from './clock.js';
import { CollectionState } from './collection-state.js';
import { DimensionView } from './dimension.js';
import { frozenChartDefinition } from './frozen-definitions.js';
import type { InterpolationWindow } from './interpolation.js';
import { completeIteration, type IterationResult } from './iteration.js';
import { replayReachesStore, restoreChart, restoreDimension, storeReplayedPoint, type ReplayWrite } from './replay.js';
import * as ringRead from './ring-read.js';
import { ringsAreShared, SharedPosition, type SharedChartMemory } from './shared-chart.js';
import type { ChartStore, RingPosition } from './store.js';
import type { Chart, ChartDefinition, Dimension, DimensionDefinition, Host, ReplayOutcome, Variables } from './types.js';

/** What a chart tells its host (internal to the database part). */
export interface ChartEvents {
  /** The full name this definition gets on the host (unique among its charts). */
  fullNameFor(chart: ChartImpl, definition: ChartDefinition): string;
  renamed(chart: ChartImpl, oldFullName: string): void;
  chartDefined(chart: ChartImpl): void;
  /** A dimension new to the chart was created (before `dimensionDefined`). */
  dimensionAdded(chart: ChartImpl): void;
  dimensionDefined(chart: ChartImpl, dimension: Dimension): void;
  chartDone(chart: ChartImpl): void;
  pointReplayed(chart: ChartImpl, timeS: number, values: ArrayLike<number>): void;
}

/** How a chart is built by its host. */
export interface ChartParts {
  host: Host;
  definition: ChartDefinition;
  store: ChartStore;
  /** Slots for the reset checks (the host's history, also in mode none; the ring may be shorter). */
  historyEntries: number;
  gapWhenLostIterationsAbove: number;
  events: ChartEvents;
}

const BYTES_PER_CHART = 2048;
const BYTES_PER_DIMENSION = 512;

/**
 * The `Chart` of the contract, created by its host (`Host.defineChart`). Writers call begin, set
 * and end from one source at a time; readers may read between calls.
 */
export class ChartImpl implements Chart {
  readonly host: Host;
  readonly id: string;
  readonly variables: Variables = new Map();
  readonly labels = new Map<string, { value: string; source: number }>();
  #definition!: Readonly<ChartDefinition>;
  #fullName = '';
  readonly #dimensions: DimensionView[] = [];
  readonly #byId = new Map<string, DimensionView>();
  readonly #state: CollectionState;
  readonly #store: ChartStore;
  readonly #events: ChartEvents;
  #iterations = 0;
  #lastSlotsWritten = 0;
  /** Dimensions defined with the obsolete option (checked at END only while > 0). */
  #obsoleteDimensions = 0;
  /** The definition's obsolete option, kept here so END reads no object but the chart's own. */
  #obsolete = false;
  readonly #window: InterpolationWindow = {
    lastCollectUs: 0,
    nowCollectUs: 0,
    lastStoredUs: 0,
    nextStoreUs: 0,
    storeThisEntry: false,
  };
  readonly #result: IterationResult = { slotsWritten: 0, restart: null };
  readonly #position: RingPosition = { currentEntry: 0, counter: 0, lastSlotTimeS: 0, slotsWritten: 0 };
  readonly #replayWrite: ReplayWrite = { firstEntry: 0, slots: 0 };
  /** The position in shared memory, once a query thread reads this chart (`sharedMemory`). */
  #shared: SharedPosition | null = null;

  constructor(parts: ChartParts) {
    this.host = parts.host;
    this.id = parts.definition.id;
    this.#store = parts.store;
    this.#events = parts.events;
    const entries = parts.store.historyEntries > 0 ? parts.store.historyEntries : parts.historyEntries;
    this.#state = new CollectionState(parts.definition.updateEverySecs, entries, parts.gapWhenLostIterationsAbove, parts.historyEntries);
    this.#restore();
    this.#apply(parts.definition);
    this.#store.describe?.(this);
  }

  get definition(): Readonly<ChartDefinition> {
    return this.#definition;
  }
  get fullName(): string {
    return this.#fullName;
  }
  get dimensions(): readonly Dimension[] {
    return this.#dimensions;
  }
  get historyEntries(): number {
    return this.#store.historyEntries;
  }
  get iterations(): number {
    return this.#iterations;
  }
  get lastCollectedTimeUs(): number {
    return this.#state.lastCollectedUs;
  }
  get lastSlotsWritten(): number {
    return this.#lastSlotsWritten;
  }
  get lastDurationUs(): number {
    return this.#state.usecSinceLastUpdate;
  }
  get lastUpdatedUs(): number {
    return this.#state.lastUpdatedUs;
  }
  get resetDetected(): boolean {
    return this.#state.resetDetected;
  }

  redefine(definition: ChartDefinition): void {
    const oldFullName = this.#fullName;
    this.#apply(definition);
    if (oldFullName !== this.#fullName) this.#events.renamed(this, oldFullName);
    this.#store.describe?.(this);
    this.#events.chartDefined(this);
  }

  defineDimension(definition: DimensionDefinition): Dimension {
    let dimension = this.#byId.get(definition.id);
    if (dimension !== undefined) {
      if (dimension.definition.options.obsolete) this.#obsoleteDimensions--;
      dimension.redefine(definition);
    } else {
      const index = this.#state.addDimension(this.#store.dimensionRing(definition.id));
      dimension = new DimensionView(this.#state, index, definition);
      this.#dimensions.push(dimension);
      this.#byId.set(definition.id, dimension);
      this.#events.dimensionAdded(this);
    }
    if (definition.options.obsolete) this.#obsoleteDimensions++;
    this.#store.describe?.(this);
    this.#events.dimensionDefined(this, dimension);
    return dimension;
  }

  dimension(id: string): Dimension | undefined {
    return this.#byId.get(id);
  }

  begin(microseconds: number, trusted: boolean, nowUs: number): void {
    if (this.#state.counterDone > 0) nextDuration(this.#state, microseconds, trusted, nowUs);
  }

  set(index: number, value: number): void {
    const s = this.#state;
    if (index >= s.size) return;
    s.collected[index] = value;
    s.updated[index] = 1;
    s.collections[index]++;
    const magnitude = value < 0 ? -value : value;
    if (magnitude > s.collectedMax[index]) s.collectedMax[index] = magnitude;
    if (s.bigCollected !== null) s.bigCollected[index] = null;
  }

  setBig(index: number, value: bigint): void {
    const s = this.#state;
    if (index >= s.size) return;
    this.set(index, Number(value));
    s.enableBig();
    s.bigCollected![index] = value;
  }

  end(nowUs: number): void {
    const s = this.#state;
    if (this.#obsolete || this.#obsoleteDimensions > 0) this.#collectedWhileObsolete();
    const shared = this.#shared;
    if (shared !== null) shared.beginWrite();
    const result = completeIteration(s, nowUs, this.#window, this.#result);
    if (shared !== null) shared.publish(s);
    this.#iterations++;
    if (result.restart !== null) this.#logRestart(result.restart);
    this.#lastSlotsWritten = 0;
    if (result.slotsWritten > 0 && this.#store.historyEntries > 0) {
      this.#lastSlotsWritten = Math.min(result.slotsWritten, s.counter, s.entries);
      this.#position.currentEntry = s.currentEntry;
      this.#position.counter = s.counter;
      this.#position.lastSlotTimeS = s.lastUpdatedUs / USEC_PER_SEC;
      this.#position.slotsWritten = result.slotsWritten;
      this.#store.slotWritten(this.#position);
    }
    this.#events.chartDone(this);
  }

  storeReplayed(timeS: number, values: ArrayLike<number>): ReplayOutcome {
    const s = this.#state;
    this.#shared?.beginWrite();
    const outcome = storeReplayedPoint(s, this.#store.historyEntries > 0, timeS, values, this.#replayWrite);
    this.#shared?.publish(s);
    if (outcome === 'appended' || outcome === 'filled') {
      replayReachesStore(this.#store, s, this.#position, this.#replayWrite, outcome === 'appended');
    }
    if (outcome === 'appended' || outcome === 'filled' || outcome === 'no-store') {
      this.#events.pointReplayed(this, timeS, values);
    }
    return outcome;
  }

  restoreDimensionState(
    index: number,
    lastCollectedUs: number,
    lastCollectedValue: number | bigint,
    lastCalculated: number,
    lastStored: number,
  ): boolean {
    return restoreDimension(this.#state, index, lastCollectedUs, lastCollectedValue, lastCalculated, lastStored);
  }

  restoreChartState(lastCollectedUs: number, lastUpdatedUs: number): void {
    this.#shared?.beginWrite();
    restoreChart(this.#state, this.#store.historyEntries > 0, lastCollectedUs, lastUpdatedUs, this.#replayWrite);
    this.#shared?.publish(this.#state);
    replayReachesStore(this.#store, this.#state, this.#position, this.#replayWrite, true);
  }

  firstEntryS(): number {
    return ringRead.firstEntryS(this.#state, this.#storedSlots());
  }

  lastEntryS(): number {
    return ringRead.lastEntryS(this.#state, this.#storedSlots());
  }

  valueAt(index: number, timeS: number): number {
    return ringRead.valueAt(this.#state, this.#storedSlots(), this.#state.rings[index] ?? null, timeS);
  }

  readSlots(index: number, newestS: number, count: number, out: Float64Array, offset?: number, stride?: number): void {
    ringRead.readSlots(this.#state, this.#storedSlots(), this.#state.rings[index] ?? null, newestS, count, out, offset, stride);
  }

  /**
   * The chart's rings and its position record for a query thread, or null when some ring is not
   * in shared memory or the store keeps no samples. The first call creates the record; from then
   * on every write to the rings goes through its sequence (`shared-chart.ts`). Main thread only.
   */
  sharedMemory(): SharedChartMemory | null {
    const rings = this.#state.rings;
    if (this.#store.historyEntries === 0 || !ringsAreShared(rings)) return null;
    if (this.#shared === null) {
      this.#shared = new SharedPosition();
      this.#shared.beginWrite();
      this.#shared.publish(this.#state);
    }
    return { position: this.#shared.address, rings: rings.slice(), entries: this.#state.entries };
  }

  /** Approximate bytes held: ring samples, per-dimension arrays, objects. */
  memoryBytes(): number {
    return (
      BYTES_PER_CHART +
      this.#dimensions.length * BYTES_PER_DIMENSION +
      this.#state.memoryBytes() +
      this.#store.memoryBytes()
    );
  }

  /** Releases the store (the chart is removed or the agent stops). */
  close(): void {
    this.#shared?.release();
    this.#store.close();
  }

  #storedSlots(): number {
    return ringRead.storedSlots(this.#state, this.#store.historyEntries > 0);
  }

  #apply(definition: ChartDefinition): void {
    this.#definition = frozenChartDefinition(definition);
    this.#obsolete = definition.options.obsolete;
    this.#fullName = this.#events.fullNameFor(this, definition);
    const s = this.#state;
    s.storeFirst = definition.options.storeFirst;
    if (definition.updateEverySecs > 0 && definition.updateEverySecs !== s.updateEverySecs) {
      info(`chart '${this.id}' on host '${this.host.hostname}': update every changed from ${s.updateEverySecs} to ${definition.updateEverySecs}; restarting its timeline`);
      this.#shared?.beginWrite();
      s.updateEverySecs = definition.updateEverySecs;
      s.reset();
      this.#shared?.publish(s);
    }
  }

  /** netdata logs and clears the obsolete flag of a chart or dimension that is still collected. */
  #collectedWhileObsolete(): void {
    if (this.#definition.options.obsolete) {
      warn(`chart '${this.id}' on host '${this.host.hostname}' has the obsolete option but it is collected; clearing it`);
      this.#definition = frozenChartDefinition({ ...this.#definition, options: { ...this.#definition.options, obsolete: false } });
      this.#obsolete = false;
    }
    const updated = this.#state.updated;
    for (const dimension of this.#dimensions) {
      if (!dimension.definition.options.obsolete || updated[dimension.index] === 0) continue;
      warn(`dimension '${dimension.definition.id}' of chart '${this.id}' has the obsolete option but it is collected; clearing it`);
      dimension.redefine({ ...dimension.definition, options: { ...dimension.definition.options, obsolete: false } });
      this.#obsoleteDimensions--;
    }
  }

  #restore(): void {
    const position = this.#store.restoredPosition();
    if (position === undefined) return;
    const s = this.#state;
    s.currentEntry = position.currentEntry % s.entries;
    s.counter = position.counter;
    s.lastUpdatedUs = position.lastSlotTimeS * USEC_PER_SEC;
  }

  #logRestart(reason: 'took-too-long' | 'too-old-data'): void {
    const what = reason === 'took-too-long' ? 'took too long to be updated' : 'too old data';
    info(`host '${this.host.hostname}', chart '${this.id}': ${what}; resetting it, the next entry will not be stored`);
  }
}

/**
 * A chart's shared memory for a query thread (`ChartImpl.sharedMemory`), or null for a chart
 * whose rings are not shared or that is not one of this database's.
 */
export function sharedChartMemory(chart: Chart): SharedChartMemory | null {
  return chart instanceof ChartImpl ? chart.sharedMemory() : null;
}
