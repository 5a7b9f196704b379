/**
 * One iteration of netdata 1.37's Prometheus remote write connector
 * (`exporting/prometheus/remote_write/remote_write.c` @1.37): per host a `netdata_info` series
 * (`instance`, `application`, `version`, and the host labels the instance sends), then a series
 * per dimension. Names and labels:
 * - average / sum: `<prefix>_<context><units>_average` (units only in average:
 *   `_persec`, `_percent`, other symbols `_`) or `<prefix>_<context>_sum`, labels `chart`,
 *   `family`, `dimension` and `instance`; value over the stored window (`stored-value.ts`),
 *   timestamp the window's end in ms;
 * - as collected: `<prefix>_<context>[_total]` with a `dimension` label when the chart's dimensions
 *   share algorithm, multiplier and divisor, else `<prefix>_<context>_<dimension>[_total]` without;
 *   the value and time of the last collection.
 * Context and label names keep only ASCII letters and digits (the rest `_`); label values escape
 * `"`, `\` and newline with a backslash, as netdata's `prometheus_label_copy` does. Labels are
 * sent sorted by name (netdata sends `__name__, chart, family, dimension, instance`; receivers
 * store the same set either way, and Prometheus expects them sorted).
 */
import type { BackendDataSource } from '../config/index.js';
import type { Chart, Dimension, Host } from '../database/index.js';
import { prometheusUnits } from './prometheus.js';
import { sentLabels } from './host-labels.js';
import { chartAvailable, type Selection } from './selection.js';
import { storedValue, storedWindow } from './stored-value.js';
import { encodeLabels, type SeriesSample } from './write-request.js';

/** netdata's `PROMETHEUS_ELEMENT_MAX`: longest name or label value. */
export const PROMETHEUS_ELEMENT_MAX = 256;
const USEC_PER_MS = 1000;
const MS_PER_SEC = 1000;

/** A series of a batch: its sample and a hash of its labels (for sharding). */
export interface BatchSeries extends SeriesSample {
  readonly hash: number;
}

/** What does not change between iterations. */
export interface RemoteWriteSettings {
  prefix: string;
  /** `hostname` of the instance: the `instance` label of the local host. */
  localHostname: string;
  dataSource: BackendDataSource;
  sendNames: boolean;
  sendConfiguredLabels: boolean;
  sendAutomaticLabels: boolean;
  selection: Selection;
}

/** `prometheus_name_copy`: every byte not an ASCII letter or digit becomes `_`. */
export function prometheusName(text: string): string {
  return cut(text).replace(/[^A-Za-z0-9]/g, '_');
}

/** `prometheus_label_copy`: `"`, `\` and newline get a backslash before them. */
export function prometheusLabel(text: string): string {
  return cut(text).replace(/["\\\n]/g, (c) => `\\${c}`);
}

function cut(text: string): string {
  return text.length > PROMETHEUS_ELEMENT_MAX ? text.slice(0, PROMETHEUS_ELEMENT_MAX) : text;
}

/** FNV-1a over the encoded labels: the same series always lands on the same shard. */
export function labelsHash(labels: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) h = Math.imul(h ^ labels[i]!, 0x01000193);
  return h >>> 0;
}

interface CachedLabels {
  key: string;
  labels: Buffer;
  hash: number;
}

/** A chart's share of its series' labels (sanitised once per change, not per iteration). */
interface ChartScope {
  key: string;
  chart: string;
  family: string;
  instance: string;
  /** `<prefix>_<context>`: as collected names start here. */
  base: string;
  /** The average or sum series name. */
  stored: string;
  homogeneous: boolean;
  prometheusModule: boolean;
}

/** A dimension's encoded labels and what they were made from. */
interface DimensionLabels extends CachedLabels {
  scope: ChartScope;
  source: string;
  definition: Readonly<Dimension['definition']>;
  homogeneous: boolean;
}

function homogeneous(chart: Chart): boolean {
  const [first] = chart.dimensions;
  return chart.dimensions.every((d) => d.definition.algorithm === first!.definition.algorithm
    && d.definition.multiplier === first!.definition.multiplier
    && d.definition.divisor === first!.definition.divisor);
}

function isCounter(d: Dimension): boolean {
  const a = d.definition.algorithm;
  return a === 'incremental' || a === 'percentage-of-incremental-row';
}

/** Builds the series of each iteration for one instance; keeps each series' encoded labels. */
export class RemoteWriteBuilder {
  readonly #s: Readonly<RemoteWriteSettings>;
  readonly #cache = new WeakMap<Host, CachedLabels>();
  readonly #scopes = new WeakMap<Chart, ChartScope>();
  readonly #dimensions = new WeakMap<Dimension, DimensionLabels>();

  constructor(settings: Readonly<RemoteWriteSettings>) {
    this.#s = settings;
  }

  /**
   * The series for `(afterS, beforeS]`, appended to `out`; `netdata_info` of each host stamped
   * `nowMs` unless `withInfo` is false (the earlier steps of a catch-up).
   */
  build(hosts: readonly Host[], afterS: number, beforeS: number, nowMs: number, withInfo = true, out: BatchSeries[] = []): BatchSeries[] {
    for (const host of hosts) {
      if (!this.#s.selection.host(host)) continue;
      const instance = prometheusLabel(host.isLocal ? this.#s.localHostname : host.hostname);
      if (withInfo) out.push({ ...this.#hostInfo(host, instance), value: 1, timestampMs: nowMs });
      for (const chart of host.charts.values()) this.#chart(chart, instance, afterS, beforeS, out);
    }
    return out;
  }

  #hostInfo(host: Host, instance: string): CachedLabels {
    const labels: Array<[string, string]> = [['__name__', 'netdata_info'], ['instance', instance]];
    // netdata leaves out what the host does not say
    if (host.identity.programName) labels.push(['application', host.identity.programName]);
    if (host.identity.programVersion) labels.push(['version', host.identity.programVersion]);
    for (const [name, value] of sentLabels(host, this.#s)) labels.push([prometheusName(name), prometheusLabel(value)]);
    return this.#labels(host, labels);
  }

  #chart(chart: Chart, instance: string, afterS: number, beforeS: number, out: BatchSeries[]): void {
    const s = this.#s;
    const asCollected = s.dataSource === 'as collected';
    if (!s.selection.chart(chart) || !chartAvailable(chart, !asCollected)) return;
    const scope = this.#scope(chart, instance);
    if (asCollected) {
      for (const d of chart.dimensions) {
        if (d.lastCollectedTimeUs === 0 || d.definition.options.obsolete) continue;
        if (Math.floor(d.lastCollectedTimeUs / 1e6) < afterS || !Number.isFinite(d.lastCollectedValue)) continue;
        const cached = this.#dimension(d, scope);
        out.push({ labels: cached.labels, hash: cached.hash, value: d.lastCollectedValue, timestampMs: Math.floor(d.lastCollectedTimeUs / USEC_PER_MS) });
      }
      return;
    }
    const window = storedWindow(chart, afterS, beforeS);
    if (!window) return;
    const sum = s.dataSource === 'sum';
    const timestampMs = window.lastS * MS_PER_SEC;
    for (const d of chart.dimensions) {
      if (d.lastCollectedTimeUs === 0 || d.definition.options.obsolete) continue;
      const value = storedValue(chart, d.index, window, sum);
      if (!Number.isFinite(value)) continue;
      const cached = this.#dimension(d, scope);
      out.push({ labels: cached.labels, hash: cached.hash, value, timestampMs });
    }
  }

  /** What every series of `chart` shares, rebuilt only when the chart's names change. */
  #scope(chart: Chart, instance: string): ChartScope {
    const s = this.#s;
    const def = chart.definition;
    const chartSource = s.sendNames ? chart.fullName : chart.id;
    const key = `${chartSource}\u0000${def.family}\u0000${def.context}\u0000${def.units}\u0000${def.module}\u0000${instance}`;
    const cached = this.#scopes.get(chart);
    if (cached && cached.key === key) {
      if (s.dataSource === 'as collected') cached.homogeneous = homogeneous(chart);
      return cached;
    }
    const context = prometheusName(def.context);
    const scope: ChartScope = {
      key, chart: prometheusLabel(chartSource), family: prometheusLabel(def.family), instance,
      base: `${s.prefix}_${context}`,
      stored: s.dataSource === 'sum' ? `${s.prefix}_${context}_sum` : `${s.prefix}_${context}${prometheusUnits(def.units)}_average`,
      homogeneous: homogeneous(chart), prometheusModule: def.module === 'prometheus',
    };
    this.#scopes.set(chart, scope);
    return scope;
  }

  /** A dimension's encoded labels in `scope`, rebuilt only when its name, definition or scope change. */
  #dimension(d: Dimension, scope: ChartScope): CachedLabels {
    const s = this.#s;
    const source = s.sendNames ? d.definition.name : d.definition.id;
    const cached = this.#dimensions.get(d);
    if (cached && cached.scope === scope && cached.source === source && cached.definition === d.definition
      && cached.homogeneous === scope.homogeneous) return cached;
    // written in name order already: __name__, chart, dimension, family, instance
    let labels: Array<[string, string]>;
    if (s.dataSource !== 'as collected') {
      labels = [['__name__', scope.stored], ['chart', scope.chart], ['dimension', prometheusLabel(source)], ['family', scope.family], ['instance', scope.instance]];
    } else {
      const suffix = isCounter(d) && !scope.prometheusModule ? '_total' : '';
      labels = scope.homogeneous
        ? [['__name__', `${scope.base}${suffix}`], ['chart', scope.chart], ['dimension', prometheusLabel(source)], ['family', scope.family], ['instance', scope.instance]]
        : [['__name__', `${scope.base}_${prometheusName(source)}${suffix}`], ['chart', scope.chart], ['family', scope.family], ['instance', scope.instance]];
    }
    const encoded = encodeLabels(labels);
    const fresh: DimensionLabels = {
      key: '', labels: encoded, hash: labelsHash(encoded), scope, source, definition: d.definition, homogeneous: scope.homogeneous,
    };
    this.#dimensions.set(d, fresh);
    return fresh;
  }

  /** The encoded labels of `owner`'s series, kept until one of them changes. */
  #labels(owner: Host, labels: Array<[string, string]>): CachedLabels {
    const key = labels.map(([n, v]) => `${n}\u0000${v}`).join('\u0001');
    const cached = this.#cache.get(owner);
    if (cached && cached.key === key) return cached;
    labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const encoded = encodeLabels(labels);
    const fresh = { key, labels: encoded, hash: labelsHash(encoded) };
    this.#cache.set(owner, fresh);
    return fresh;
  }
}
