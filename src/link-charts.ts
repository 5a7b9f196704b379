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
}

function series(id: string, title: string, units: string, priority: number, divisor: number,
  read: (link: LinkFigures) => number | null): Series {
  return { id, title, units, priority, divisor, read, chart: null };
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
  /** Dimension ids set in the last iteration, per chart. */
  const shown = new Map<Series, Set<string>>(all.map((s) => [s, new Set<string>()]));
  let toldLimit = false;

  const chartOf = (s: Series): Chart => {
    s.chart ??= define(host, chartDef(s.id, s.title, s.units, s.priority, 'line', updateEverySecs), []);
    return s.chart;
  };

  /** The dimension `id` of `chart`, (re)defined when new or retired; returns its index. */
  const dimension = (chart: Chart, id: string, divisor: number): number => {
    const d = chart.dimension(id);
    if (d && !d.definition.options.obsolete) return d.index;
    return chart.defineDimension({
      id, name: id, algorithm: 'absolute', multiplier: 1, divisor, options: { hidden: false, noReset: false, obsolete: false },
    }).index;
  };

  const retire = (chart: Chart, id: string): void => {
    const d = chart.dimension(id);
    if (!d || d.definition.options.obsolete) return;
    chart.defineDimension({ ...d.definition, options: { ...d.definition.options, hidden: true, obsolete: true } });
  };

  const charted = (links: readonly LinkFigures[]): Map<string, LinkFigures> => {
    const byId = new Map<string, LinkFigures>();
    for (const link of links) {
      if (byId.size >= MAX_CHARTED_LINKS) {
        if (!toldLimit) warn(`self-monitoring: more than ${MAX_CHARTED_LINKS} streaming links; the netdata.streaming_* charts show the first ${MAX_CHARTED_LINKS}`);
        toldLimit = true;
        break;
      }
      byId.set(linkDimensionId(link), link);
    }
    return byId;
  };

  const collectSeries = (s: Series, links: Map<string, LinkFigures>, nowUs: number): void => {
    const values: Array<[string, number]> = [];
    for (const [id, link] of links) {
      const v = s.read(link);
      if (v !== null && Number.isFinite(v)) values.push([id, Math.round(v)]);
    }
    const before = shown.get(s)!;
    if (values.length === 0 && before.size === 0) return;
    const chart = chartOf(s);
    const now = new Set(values.map(([id]) => id));
    for (const id of before) if (!now.has(id)) retire(chart, id);
    const indexes = values.map(([id]) => dimension(chart, id, s.divisor));
    chart.begin(0, false, nowUs);
    for (let i = 0; i < values.length; i++) chart.set(indexes[i]!, values[i]![1]);
    chart.end(nowUs);
    shown.set(s, now);
  };

  return {
    collect(links, nowUs) {
      const byId = charted(links);
      for (const s of all) collectSeries(s, byId, nowUs);
    },
  };
}
