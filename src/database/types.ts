/**
 * The database's public contract: hosts hold charts, charts hold dimensions. The protocol parser
 * writes through it (define, begin, set, end); web, health, exporting and streaming read it and
 * observe it. Nothing here knows where lines came from.
 *
 * Times: `...Us` are microseconds since the epoch, `...S` seconds since the epoch.
 */

/** netdata's four algorithms (reference §1.4, §1.5). */
export type Algorithm =
  | 'absolute'
  | 'incremental'
  | 'percentage-of-absolute-row'
  | 'percentage-of-incremental-row';

export type ChartType = 'line' | 'area' | 'stacked';

/** `none` keeps metadata and last values only; the others keep a ring of `history` samples. */
export type MemoryMode = 'none' | 'ram' | 'save' | 'map';

export interface ChartOptions {
  obsolete: boolean;
  detail: boolean;
  hidden: boolean;
  storeFirst: boolean;
}

/** What a CHART line carries, after the parser applied netdata's defaults (reference §1.4). */
export interface ChartDefinition {
  /** Full id, `type.id`. */
  id: string;
  /** The part before the first dot. */
  type: string;
  /** The name without `type.`; `null` when the chart has no name of its own (name = id). */
  name: string | null;
  title: string;
  units: string;
  /** Defaults to the id part after the type when the plugin gave none. */
  family: string;
  /** Defaults to the full id when the plugin gave none. */
  context: string;
  chartType: ChartType;
  priority: number;
  updateEverySecs: number;
  options: ChartOptions;
  plugin: string;
  module: string;
}

export interface DimensionOptions {
  hidden: boolean;
  /** `noreset` / `nooverflow`: never treat a decrease as a reset or an overflow. */
  noReset: boolean;
  obsolete: boolean;
}

/** What a DIMENSION line carries, after defaults (multiplier/divisor 0 became 1). */
export interface DimensionDefinition {
  id: string;
  /** Defaults to the id. */
  name: string;
  algorithm: Algorithm;
  multiplier: number;
  divisor: number;
  options: DimensionOptions;
}

/** A dimension as readers see it; the numbers change after every `Chart.end()`. */
export interface Dimension {
  readonly index: number;
  readonly definition: Readonly<DimensionDefinition>;
  /** The id as utf8 bytes, for the comparisons of replication's RSET path (made on first read). */
  readonly idBytes: Buffer;
  /** Last collected raw integer value (as sent by SET), NaN before the first. */
  readonly lastCollectedValue: number;
  /** Time of the last collection that set this dimension, 0 before the first. */
  readonly lastCollectedTimeUs: number;
  /** Last value stored into a slot (after interpolation); NaN for a gap. */
  readonly lastStoredValue: number;
  /**
   * The calculated value carried to the next END (netdata's `last_calculated_value`): an
   * incremental dimension's remainder not stored in a slot yet, else the last calculated value.
   * A sender puts it in RDSTATE; `Chart.restoreDimensionState` takes it back.
   */
  readonly lastCalculatedValue: number;
  /** How many times the dimension was collected (updated in an iteration). */
  readonly collections: number;
  /** Whether the last completed iteration SET this dimension. */
  readonly updated: boolean;
}

/**
 * What `Chart.storeReplayed` did with one replicated point:
 * - `appended`: newer than the ring's last slot; the ring moved to it (slots between are gaps).
 * - `filled`: inside the ring, written where a slot was a gap; or older than the ring's first slot
 *   while the ring is not full: the ring grows back to it (gaps between).
 * - `kept`: inside the ring, but every slot it had a value for already holds one (nothing written).
 * - `too-old`: older than the ring's first slot and the ring is full (or would overflow).
 * - `misaligned`: its time is not a positive multiple of the chart's update every.
 * - `no-store`: the chart keeps no ring (memory mode none without `recentSlots`); only its times moved.
 */
export type ReplayOutcome = 'appended' | 'filled' | 'kept' | 'too-old' | 'misaligned' | 'no-store';

/** Variables set with VARIABLE (chart or host scope); read by health. */
export type Variables = Map<string, number>;

/** A chart: definition, dimensions, per-iteration state and its ring (per memory mode). */
export interface Chart {
  readonly host: Host;
  readonly id: string;
  readonly definition: Readonly<ChartDefinition>;
  /** `type.name` when the chart has a name, else the id. */
  readonly fullName: string;
  readonly dimensions: readonly Dimension[];
  readonly variables: Variables;
  readonly labels: Map<string, { value: string; source: number }>;
  /** Ring size in slots (the host's history); in memory mode none `recentSlots` (default 0). */
  readonly historyEntries: number;
  /** Number of END calls processed. */
  readonly iterations: number;
  /** Time of the last collection (END), 0 before the first. */
  readonly lastCollectedTimeUs: number;
  /**
   * Slots the last END wrote (values and gaps), the newest at `lastEntryS()`; at most the ring's
   * length, 0 when it wrote none or the chart keeps no ring. Set by END only (replayed points do
   * not change it): read it in `HostObserver.chartDone` to copy that END's slots with `valueAt`.
   */
  readonly lastSlotsWritten: number;
  /** Duration of the last iteration as used by the database (µs since the previous one). */
  readonly lastDurationUs: number;
  /**
   * Time of the newest slot the chart's timeline reached (µs, a whole slot time; netdata's
   * `last_updated`), in every memory mode; 0 before. A sender puts it in RSSTATE.
   */
  readonly lastUpdatedUs: number;
  /**
   * Whether the last END saw an incremental counter go backwards on a dimension without
   * `noreset` (netdata's `SN_EXISTS_RESET` flag on that iteration's first slot; reference §1.5).
   */
  readonly resetDetected: boolean;

  /** Updates the definition in place (re-sent CHART). Dimensions and data stay. */
  redefine(definition: ChartDefinition): void;
  /** Creates or updates a dimension in place (re-sent DIMENSION); returns it. */
  defineDimension(definition: DimensionDefinition): Dimension;
  /** Finds a dimension by id; undefined when unknown. */
  dimension(id: string): Dimension | undefined;

  /**
   * Starts an iteration (BEGIN). `microseconds` is the collector's time since its last collection
   * (0 = unknown: use the wall clock). `trusted` = the duration comes from a streaming child
   * (netdata's `rrdset_next_usec_unfiltered`). `nowUs` is the receiver's wall clock.
   */
  begin(microseconds: number, trusted: boolean, nowUs: number): void;
  /** Records the collected value of dimension `index` for this iteration (SET). */
  set(index: number, value: number): void;
  /**
   * Like `set`, for a value the parser read with more than 15 digits (a double would round it).
   * The dimension then keeps an exact BigInt shadow of its collected values so an incremental
   * counter wrapping at 2^64 gives the exact delta (reference §1.5 step 1); values above 2^63 are
   * read as unsigned 64-bit, as netdata compares counters. Every other use (absolute values,
   * totals) takes the nearest double. Dimensions never given a big value stay pure doubles.
   */
  setBig(index: number, value: bigint): void;
  /** Ends the iteration (END): computes, interpolates and stores; notifies observers. */
  end(nowUs: number): void;

  /**
   * Stores one point replicated from a child (RBEGIN/RSET, reference §2.8): `values[i]` is the
   * stored value of dimension index i at slot time `timeS` (NaN = empty; missing indexes are
   * empty, extra ones ignored). Unlike netdata 1.37, which advances its ring one slot per RBEGIN,
   * the point goes to the slot of its own time, so duplicated or skipped seconds shift nothing.
   * A newer point moves the ring to `timeS` (gaps between; a jump of more than a whole ring
   * restarts the ring at it) and the chart's times as netdata's RBEGIN does, so the next live
   * END continues after it; an older point only fills gaps (a stored value, live or replayed, is
   * never overwritten). Every written slot reaches the store (`save` and `map` keep it). Unlike
   * netdata's RSET, a newer point does not count as a collection: an incremental or
   * percentage-of-incremental-row dimension's next SET is then a first collection (a gap) until
   * `restoreDimensionState`, never a delta from a value collected before the gap. Observers get
   * `pointReplayed` after a point was stored (in mode none: after the times moved). `values` is
   * read during the call only. Call between iterations, not inside one.
   */
  storeReplayed(timeS: number, values: ArrayLike<number>): ReplayOutcome;
  /**
   * RDSTATE (netdata's pluginsd_replay_rrddim_collection_state): the child's collection state of
   * dimension `index` after its last collection, so the next live BEGIN/SET/END computes what the
   * child stored. `lastCollectedUs` is when it was collected; `lastCollectedValue` the raw value
   * (a bigint keeps more than 53 bits exactly, as `setBig`); `lastCalculated` the carried
   * calculated value (an incremental dimension's unstored remainder); `lastStored` the last
   * stored value (NaN = a gap). The dimension then counts as collected before (netdata's
   * `collections_counter`), so its next SET is not a first collection. Unlike netdata, a state
   * older than the dimension's own last collection is ignored (returns false), so a late RDSTATE
   * never rolls live state back. Call after the replayed points, before the next live BEGIN.
   */
  restoreDimensionState(
    index: number,
    lastCollectedUs: number,
    lastCollectedValue: number | bigint,
    lastCalculated: number,
    lastStored: number,
  ): boolean;
  /**
   * RSSTATE (netdata's pluginsd_replay_rrdset_collection_state): the child chart's last
   * collection time and last stored slot time (µs). Each only moves forward. A last-updated time
   * past the ring's last slot moves the ring there with gaps (the child had slots it did not
   * send); it is taken down to its slot (whole multiple of update every). Afterwards the next
   * BEGIN takes a trusted duration from `lastCollectedUs`, and END neither treats the chart as
   * collected for the first time nor fills a gap over replayed slots.
   */
  restoreChartState(lastCollectedUs: number, lastUpdatedUs: number): void;

  /** Oldest slot time in the ring (s), 0 when nothing is stored. */
  firstEntryS(): number;
  /** Newest slot time in the ring (s), 0 when nothing is stored. */
  lastEntryS(): number;
  /**
   * The stored value of dimension `index` at slot time `timeS` (a multiple of update every
   * within [firstEntryS, lastEntryS]); NaN for a gap or a time outside the ring.
   */
  valueAt(index: number, timeS: number): number;
  /**
   * `valueAt(index, newestS - k * update every)` into `out[offset + k * stride]` for k < count
   * (offset 0 and stride 1 by default), newest first, in one walk of the ring (a query reads
   * thousands of slots per dimension).
   */
  readSlots(index: number, newestS: number, count: number, out: Float64Array, offset?: number, stride?: number): void;
}

/** Observers are told about definitions and completed iterations (sender, health, exporting). */
export interface HostObserver {
  chartDefined?(chart: Chart): void;
  dimensionDefined?(chart: Chart, dimension: Dimension): void;
  /** After END has stored the iteration (read `chart.lastDurationUs`, `dimension.updated`). */
  chartDone?(chart: Chart): void;
  /**
   * After `Chart.storeReplayed` stored a point at `timeS` (appended or filled; in mode none
   * without `recentSlots`, after the chart's times moved). Read the stored values back with
   * `chart.valueAt`; `values` are the replicated values as given (NaN = empty), valid during the
   * call only, for charts that keep no ring.
   */
  pointReplayed?(chart: Chart, timeS: number, values: ArrayLike<number>): void;
  /** A host variable was set (VARIABLE HOST / GLOBAL). */
  hostVariableSet?(name: string, value: number): void;
  /** The host's labels were replaced (OVERWRITE, or a child's facts). */
  hostLabelsChanged?(host: Host): void;
}

/** Who a host is, as the receiver or the local config knows it. */
export interface HostIdentity {
  hostname: string;
  machineGuid: string;
  registryHostname?: string;
  os?: string;
  timezone?: string;
  tags?: string;
  programName?: string;
  programVersion?: string;
  /** 0 for the local host, the child's hops for a mirrored one. */
  hops?: number;
  /** The zone's abbreviation and UTC offset (s) as the child said them (`abbrev_timezone`, `utc_offset`). */
  abbrevTimezone?: string;
  utcOffsetSecs?: number;
  /**
   * The host's system facts (netdata's `rrdhost_system_info`): this machine's, or the child's
   * from its STREAM request (reference §2.1). Values as netdata keeps them, strings such as
   * `"unknown"` or `"2.596e+09"`; a field absent when the source did not give it.
   */
  system?: Readonly<{
    osName?: string; osId?: string; osIdLike?: string; osVersion?: string; osVersionId?: string; osDetection?: string;
    /** Logical CPUs; CPU frequency (Hz); RAM and disk size (bytes). */
    coresTotal?: string; cpuFreq?: string; ramTotal?: string; totalDiskSpace?: string;
    containerOsName?: string; containerOsId?: string; containerOsIdLike?: string; containerOsVersion?: string;
    containerOsVersionId?: string; containerOsDetection?: string;
    isK8sNode?: string;
    kernelName?: string; kernelVersion?: string; architecture?: string;
    virtualization?: string; virtDetection?: string; container?: string; containerDetection?: string;
    cloudProviderType?: string; cloudInstanceType?: string; cloudInstanceRegion?: string;
    /** `ml_capable`, `ml_enabled`, `mc_version` of the request. */
    mlCapable?: number; mlEnabled?: number; mcVersion?: number;
  }>;
}

export interface HostSettings {
  memoryMode: MemoryMode;
  historyEntries: number;
  updateEverySecs: number;
  /** `[global] gap when lost iterations above` (default 1). */
  gapWhenLostIterationsAbove: number;
  /**
   * Memory mode `none` only: when > 0 (default 0) each chart keeps a RAM ring of this many
   * slots (cut from the host's ring slabs, like `ram`), so `valueAt`, `firstEntryS`,
   * `lastEntryS` and `lastSlotsWritten` answer for the newest slots and queries see them; a
   * headless sender copies each END's slots into its spool from there. 4 bytes a slot per
   * dimension. The chart's "took too long" and "too old data" resets keep the host's
   * `historyEntries`, not this length, so a pause longer than the ring does not reset the chart
   * (its next END writes every slot of the pause, as in `ram`, and the ring keeps the newest).
   */
  recentSlots?: number;
}

/** A mirrored host's link to its child, kept by the stream receiver (local host: connected). */
export interface HostStreamState {
  connected: boolean;
  /** When the current (or last) connection started (s), 0 if never. */
  connectedSinceS: number;
  /** When the last connection ended (s), 0 if never. */
  disconnectedAtS: number;
  /** `ip:port` of the child's socket, '' if none. */
  clientAddress: string;
  /** When the child last sent anything (s, whole seconds), 0 if never: the silent child alarm reads it. */
  lastDataS: number;
}

export interface Host {
  readonly identity: Readonly<HostIdentity>;
  /** Streaming link state; the web's host menu and the orphan cleanup read it. */
  readonly stream: Readonly<HostStreamState>;
  setStreamState(state: Partial<HostStreamState>): void;
  readonly hostname: string;
  readonly machineGuid: string;
  readonly settings: Readonly<HostSettings>;
  readonly isLocal: boolean;
  readonly charts: ReadonlyMap<string, Chart>;
  readonly variables: Variables;
  readonly labels: Map<string, { value: string; source: number }>;
  /** Creation time (s). */
  readonly createdS: number;
  /**
   * The newest second any of the host's charts has stored since the host was made (a chart
   * restored from disk counts from its definition); 0 before the first.
   */
  readonly newestStoredS: number;

  /** Creates a chart or updates the existing one of the same id; returns it. */
  defineChart(definition: ChartDefinition): Chart;
  /** Finds a chart by id, then by full name. */
  chart(idOrName: string): Chart | undefined;
  setVariable(name: string, value: number): void;
  /** Replaces the host labels (OVERWRITE). */
  replaceLabels(labels: Map<string, { value: string; source: number }>): void;
  addObserver(observer: HostObserver): void;
  removeObserver(observer: HostObserver): void;
  /** Updates identity fields (hostname, tags, os, hops) when a child reconnects. */
  updateIdentity(identity: Partial<HostIdentity>): void;
  /** Approximate bytes held (rings and state), for /api/v1/charts rrd_memory_bytes. */
  memoryBytes(): number;
  /** The charts and dimensions of all hosts of this host's registry, against their totals. */
  readonly capacity: Readonly<HostCapacity>;
}

/**
 * What all hosts of a registry hold together and the most they may (`[db] max charts`, `[db]
 * max dimensions`). A writer asks before it defines a new chart or dimension; the database
 * counts what is defined whatever asked.
 */
export interface HostCapacity {
  readonly charts: number;
  readonly dimensions: number;
  readonly maxCharts: number;
  readonly maxDimensions: number;
  /** Whether one more chart fits. */
  readonly roomForChart: boolean;
  /** Whether one more dimension fits. */
  readonly roomForDimension: boolean;
}

/** Every host the agent holds: the local one and mirrored ones, by GUID and hostname. */
export interface HostRegistry {
  readonly localhost: Host;
  hosts(): Host[];
  /** By machine GUID, then hostname. */
  find(hostnameOrGuid: string): Host | undefined;
  /** Finds by GUID or creates a mirrored host with the given settings. */
  findOrCreate(identity: HostIdentity, settings: HostSettings): Host;
  remove(machineGuid: string): boolean;
}
