/**
 * The stream's own health as charts on the local host: a few `netdata.streaming_*` charts with
 * one dimension per link (values/s, bytes/s, lag, send buffer fill, reconnects, replication
 * backlog), fed once per iteration by the self-monitoring loop from the links' figures (the
 * same ones `/api/v1/topology` shows). A link that appears gets its dimension; one that goes
 * away has it marked obsolete and hidden, and it is no longer set. So thousands of links cost
 * six charts and one pass over them per iteration, and no timer each.
 */
import type { Chart, Host } from './database/index.js';
import { warn } from './log.js';
import { chartDef, define } from './self-charts.js';

/** What the charts read of one link (streaming's `LinkStatus` satisfies it). */
export interface LinkFigures {
  direction: 'in' | 'out';
  host: string;
  peer: string;
  valuesPerSecond: number;
  bytesPerSecond: number;
  lagSeconds: number | null;
  /** Outbound: send buffer fill, 0..1; inbound: null. */
  bufferFill: number | null;
  reconnects: number;
  replication: { chartsPending: number } | null;
}

/** Links charted at most; one past it is left out (logged once), so no input grows a chart without bound. */
export const MAX_CHARTED_LINKS = 2000;

/** A link's dimension in one chart: its index, the last pass that set it, whether it is retired. */
interface LinkDimension {
  index: number;
  seenPass: number;
  retired: boolean;
}

/** One chart of the set: how it is defined and what each link puts in it (null: nothing this time). */
interface Series {
  id: string;
  title: string;
  units: string;
  priority: number;
  /** Stored values are divided by this (values kept as integers, as every dimension's). */
  divisor: number;
  read: (link: LinkFigures) => number | null;
  chart: Chart | null;
  readonly dims: Map<string, LinkDimension>;
  /** Dimensions set in the last pass. */
  live: number;
}

function series(id: string, title: string, units: string, priority: number, divisor: number,
  read: (link: LinkFigures) => number | null): Series {
  return { id, title, units, priority, divisor, read, chart: null, dims: new Map(), live: 0 };
}

/** A link's dimension id: `in:<host>`, `out:<host>:<peer>`, spaces made `_`. */
export function linkDimensionId(link: LinkFigures): string {
  const id = link.direction === 'in' ? `in:${link.host}` : `out:${link.host}:${link.peer}`;
  return id.replace(/\s/g, '_');
}

/** The streaming charts of `host`; nothing is defined until the first link shows. */
export interface LinkCharts {
  /** One iteration at `nowUs` with the links now. */
  collect(links: readonly LinkFigures[], nowUs: number): void;
}

export function createLinkCharts(host: Host, updateEverySecs: number): LinkCharts {
  const all = [
    series('streaming_values', 'Tributary values per second on each streaming link', 'values/s', 12, 1000,
      (l) => l.valuesPerSecond * 1000),
    series('streaming_bytes', 'Tributary bytes per second on each streaming link (on the wire)', 'KiB/s', 13, 1024 * 1000,
      (l) => l.bytesPerSecond * 1000),
    series('streaming_lag', 'Tributary streaming links behind now (newest second stored or sent)', 'seconds', 14, 1,
      (l) => l.lagSeconds),
    series('streaming_buffer', 'Tributary send buffer fill of each outbound link', '%', 15, 100,
      (l) => l.bufferFill === null ? null : l.bufferFill * 100 * 100),
    series('streaming_reconnects', 'Tributary reconnects of each streaming link', 'reconnects', 16, 1, (l) => l.reconnects),
    series('streaming_replication', 'Tributary charts still to replicate on each streaming link', 'charts', 17, 1,
      (l) => l.replication?.chartsPending ?? null),
  ];
  let toldLimit = false;
  let pass = 0;
  // reused every pass: the charted links' ids and links, and one chart's values and indexes
  const ids: string[] = [];
  const charted: LinkFigures[] = [];
  const values: number[] = [];
  const indexes: number[] = [];

  const chartOf = (s: Series): Chart => {
    s.chart ??= define(host, chartDef(s.id, s.title, s.units, s.priority, 'line', updateEverySecs), []);
    return s.chart;
  };

  /** The dimension `id` of the series, defined when new and again when it was retired. */
  const dimension = (s: Series, chart: Chart, id: string): LinkDimension => {
    let d = s.dims.get(id);
    if (d && !d.retired) return d;
    const index = chart.defineDimension({
      id, name: id, algorithm: 'absolute', multiplier: 1, divisor: s.divisor,
      options: { hidden: false, noReset: false, obsolete: false },
    }).index;
    if (d) { d.index = index; d.retired = false; } else { d = { index, seenPass: 0, retired: false }; s.dims.set(id, d); }
    return d;
  };

  /** Dimensions not set this pass become obsolete and hidden (once). */
  const retireUnseen = (s: Series, chart: Chart): void => {
    for (const [id, d] of s.dims) {
      if (d.retired || d.seenPass === pass) continue;
      d.retired = true;
      const def = chart.dimension(id)?.definition;
      if (def) chart.defineDimension({ ...def, options: { ...def.options, hidden: true, obsolete: true } });
    }
  };

  const gather = (links: readonly LinkFigures[]): void => {
    ids.length = 0;
    charted.length = 0;
    for (const link of links) {
      if (charted.length >= MAX_CHARTED_LINKS) {
        if (!toldLimit) warn(`self-monitoring: more than ${MAX_CHARTED_LINKS} streaming links; the netdata.streaming_* charts show the first ${MAX_CHARTED_LINKS}`);
        toldLimit = true;
        break;
      }
      ids.push(linkDimensionId(link));
      charted.push(link);
    }
  };

  const collectSeries = (s: Series, nowUs: number): void => {
    values.length = 0;
    indexes.length = 0;
    for (let i = 0; i < charted.length; i++) {
      const v = s.read(charted[i]!);
      if (v === null || !Number.isFinite(v)) continue;
      const d = dimension(s, chartOf(s), ids[i]!);
      d.seenPass = pass;
      values.push(Math.round(v));
      indexes.push(d.index);
    }
    if (values.length === 0 && s.live === 0) return;
    const chart = chartOf(s);
    retireUnseen(s, chart);
    s.live = values.length;
    chart.begin(0, false, nowUs);
    for (let i = 0; i < values.length; i++) chart.set(indexes[i]!, values[i]!);
    chart.end(nowUs);
  };

  return {
    collect(links, nowUs) {
      pass++;
      gather(links);
      for (const s of all) collectSeries(s, nowUs);
    },
  };
}
