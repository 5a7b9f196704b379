/**
 * How the agent's own `netdata.*` charts are defined: netdata's style (family `tributary`,
 * plugin `tributary`, module `stats`, priorities from 130000), shared by self-monitoring.ts and
 * link-charts.ts.
 */
import type { Chart, ChartDefinition, DimensionDefinition, Host } from './database/index.js';

const PRIORITY_BASE = 130000;

/** A dimension of a self-monitoring chart: id (also its name), algorithm and divisor. */
export type Dim = [id: string, algorithm: DimensionDefinition['algorithm'], divisor: number];

/** The definition of `netdata.<id>`; `priority` counts from the agent's base. */
export function chartDef(id: string, title: string, units: string, priority: number,
  chartType: ChartDefinition['chartType'], updateEverySecs: number): ChartDefinition {
  return {
    id: `netdata.${id}`, type: 'netdata', name: null, title, units, family: 'tributary',
    context: `netdata.${id}`, chartType, priority: PRIORITY_BASE + priority, updateEverySecs,
    options: { obsolete: false, detail: false, hidden: false, storeFirst: false },
    plugin: 'tributary', module: 'stats',
  };
}

/** Defines (or updates) the chart on `host` with these dimensions; returns it. */
export function define(host: Host, def: ChartDefinition, dims: Dim[]): Chart {
  const chart = host.defineChart(def);
  for (const [id, algorithm, divisor] of dims) {
    chart.defineDimension({
      id, name: id, algorithm, multiplier: 1, divisor,
      options: { hidden: false, noReset: false, obsolete: false },
    });
  }
  return chart;
}
