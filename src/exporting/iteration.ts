/**
 * One backend iteration (reference §4.2): the lines of every archived host, chart and dimension
 * for the interval `(afterS, beforeS]`. Pure apart from the name cache: it reads the database
 * through its interface and returns text; sending is somebody else's job.
 */
import type { BackendDataSource } from '../config/index.js';
import type { Chart, Dimension, Host } from '../database/index.js';
import { formatCollectedValue, formatStoredValue, type MetricFormatter, type MetricPoint } from './format.js';
import { backendName } from './names.js';
import { chartAvailable, type Selection } from './selection.js';
import { storedValue, storedWindow } from './stored-value.js';

/** What does not change between iterations. */
export interface IterationSettings {
  format: MetricFormatter;
  /** `[backend] prefix`. */
  prefix: string;
  /** `[backend] hostname`: the name the local host is archived under. */
  localHostname: string;
  dataSource: BackendDataSource;
  /** `send names instead of ids`. */
  sendNames: boolean;
  selection: Selection;
  /** The host's labels as the lines carry them (1.37's connectors); none when absent. */
  hostLabels?: (host: Host) => string;
}

/** The lines of one iteration and how many metrics they hold. */
export interface IterationOutput {
  text: string;
  metrics: number;
}

const USEC_PER_SEC = 1_000_000;

/** Builds iterations for one backend; keeps each chart's and dimension's sanitised name. */
export class IterationBuilder {
  readonly #settings: Readonly<IterationSettings>;
  readonly #names = new WeakMap<Chart | Dimension, { source: string; name: string }>();
  readonly #point: MetricPoint;

  constructor(settings: Readonly<IterationSettings>) {
    this.#settings = settings;
    this.#point = {
      prefix: settings.prefix, hostname: '', hostTags: '', hostLabels: '', chart: undefined!, dimension: undefined!,
      chartName: '', dimensionName: '', value: '', timestampS: 0,
    };
  }

  /**
   * The lines for `(afterS, beforeS]`: only dimensions collected at or after `collectedSinceS`
   * (`afterS` unless a catch-up's steps say where they began) are sent; in `average`/`sum` a
   * metric whose window holds no value is not sent.
   */
  build(hosts: readonly Host[], afterS: number, beforeS: number, collectedSinceS = afterS): IterationOutput {
    const out: IterationOutput = { text: '', metrics: 0 };
    for (const host of hosts) {
      if (!this.#settings.selection.host(host)) continue;
      this.#point.hostname = host.isLocal ? this.#settings.localHostname : host.hostname;
      this.#point.hostTags = host.identity.tags ?? '';
      this.#point.hostLabels = this.#settings.hostLabels?.(host) ?? '';
      for (const chart of host.charts.values()) this.#chart(chart, afterS, beforeS, collectedSinceS, out);
    }
    return out;
  }

  #chart(chart: Chart, afterS: number, beforeS: number, collectedSinceS: number, out: IterationOutput): void {
    const asCollected = this.#settings.dataSource === 'as collected';
    if (!this.#settings.selection.chart(chart) || !chartAvailable(chart, !asCollected)) return;
    const window = asCollected ? undefined : storedWindow(chart, afterS, beforeS);
    if (!asCollected && !window) return;
    const p = this.#point;
    p.chart = chart;
    p.chartName = this.#name(chart, this.#settings.sendNames ? chart.fullName : chart.id);
    const sum = this.#settings.dataSource === 'sum';
    for (const dimension of chart.dimensions) {
      const collectedS = Math.floor(dimension.lastCollectedTimeUs / USEC_PER_SEC);
      if (dimension.lastCollectedTimeUs === 0 || collectedS < collectedSinceS) continue;
      if (window) {
        const value = storedValue(chart, dimension.index, window, sum);
        if (Number.isNaN(value)) continue;
        p.value = formatStoredValue(value);
        p.timestampS = window.lastS;
      } else {
        if (!Number.isFinite(dimension.lastCollectedValue)) continue;
        p.value = formatCollectedValue(dimension.lastCollectedValue);
        p.timestampS = collectedS;
      }
      const d = dimension.definition;
      p.dimension = dimension;
      p.dimensionName = this.#name(dimension, this.#settings.sendNames ? d.name : d.id);
      out.text += this.#settings.format(p);
      out.metrics++;
    }
  }

  #name(key: Chart | Dimension, source: string): string {
    const cached = this.#names.get(key);
    if (cached && cached.source === source) return cached.name;
    const name = backendName(source);
    this.#names.set(key, { source, name });
    return name;
  }
}
