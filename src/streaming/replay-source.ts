/**
 * Where a sender answers the parent's `REPLAY_CHART "<chart>" "<start>" <after> <before>`
 * (reference §2.8, §11) from: the rings of a host with a database, or the spool of a host without
 * one (DESIGN "Links above version 1"). One reader interface over both, so the answering code is
 * one: `range` gives REND's first and last times, `read` the points for RBEGIN/RSET.
 */
import type { Chart, Host } from '../database/index.js';

/** What a source holds of one chart. */
export interface ReplayRange {
  /** Oldest and newest stored slot times (s). */
  firstS: number;
  lastS: number;
  /** The chart's update every (s) as stored, the spacing of its newest points. */
  updateEverySecs: number;
}

/**
 * Gets one stored point: its slot time (s), the dimension ids and one value per id, aligned
 * (NaN = empty). Both arrays are valid only during the call (the source reuses them). Returning
 * `false` ends the read there (an answer that would not fit the send buffer).
 */
export type ReplayVisitor = (slotTimeS: number, dimensionIds: readonly string[], values: ArrayLike<number>) => void | boolean;

/** The reader side of replication: a database's rings or the spool. */
export interface ReplaySource {
  /** What is stored for `chartId`, or null when nothing is. */
  range(chartId: string): ReplayRange | null;
  /** Visits the chart's points with `afterS < slot time <= beforeS`, oldest first; returns how many. */
  read(chartId: string, afterS: number, beforeS: number, visit: ReplayVisitor): number;
}

/** A `ReplaySource` over the rings of `host`'s charts (memory modes ram, save, map). */
export function hostReplaySource(host: Host): ReplaySource {
  return {
    range(chartId) {
      const chart = host.chart(chartId);
      if (chart === undefined || chart.lastEntryS() === 0) return null;
      return { firstS: chart.firstEntryS(), lastS: chart.lastEntryS(), updateEverySecs: chartUpdateEverySecs(chart) };
    },
    read(chartId, afterS, beforeS, visit) {
      const chart = host.chart(chartId);
      if (chart === undefined || chart.lastEntryS() === 0) return 0;
      const step = chartUpdateEverySecs(chart);
      const first = chart.firstEntryS();
      const ids = chart.dimensions.map((d) => d.definition.id);
      const values = new Float64Array(ids.length);
      let points = 0;
      // the first slot time after `afterS` on the chart's grid
      const start = afterS < first ? first : first + (Math.floor((afterS - first) / step) + 1) * step;
      for (let t = start, last = Math.min(beforeS, chart.lastEntryS()); t <= last; t += step) {
        for (let d = 0; d < ids.length; d++) values[d] = chart.valueAt(d, t);
        points++;
        if (visit(t, ids, values) === false) break;
      }
      return points;
    },
  };
}

function chartUpdateEverySecs(chart: Chart): number {
  return chart.definition.updateEverySecs || chart.host.settings.updateEverySecs;
}
