/**
 * Builders for the database tests (not part of the public surface): a host on a fixed clock and
 * charts defined the way the parser would, with netdata's defaults.
 */
import { createHost } from './host.js';
import type {
  Algorithm,
  Chart,
  ChartDefinition,
  DimensionDefinition,
  DimensionOptions,
  Host,
  HostSettings,
} from './types.js';

export const SEC = 1_000_000;

export function testHost(settings: Partial<HostSettings> = {}): Host {
  return createHost(
    { hostname: 'test-host', machineGuid: '11111111-2222-3333-4444-555555555555' },
    { memoryMode: 'ram', historyEntries: 100, updateEverySecs: 1, gapWhenLostIterationsAbove: 1, ...settings },
    true,
    { nowS: () => 1000 },
  );
}

export function chartDefinition(id: string, extra: Partial<ChartDefinition> = {}): ChartDefinition {
  const dot = id.indexOf('.');
  return {
    id,
    type: id.slice(0, dot),
    name: null,
    title: '',
    units: 'units',
    family: id.slice(dot + 1),
    context: id,
    chartType: 'line',
    priority: 1000,
    updateEverySecs: 1,
    plugin: 'test.plugin',
    module: '',
    ...extra,
    options: { obsolete: false, detail: false, hidden: false, storeFirst: false, ...extra.options },
  };
}

export function dimensionDefinition(
  id: string,
  algorithm: Algorithm = 'absolute',
  multiplier = 1,
  divisor = 1,
  options: Partial<DimensionOptions> = {},
): DimensionDefinition {
  return {
    id,
    name: id,
    algorithm,
    multiplier,
    divisor,
    options: { hidden: false, noReset: false, obsolete: false, ...options },
  };
}

/** A chart with the given dimensions (all of one algorithm). */
export function testChart(
  host: Host,
  dims: string[],
  algorithm: Algorithm = 'absolute',
  extra: Partial<ChartDefinition> = {},
): Chart {
  const chart = host.defineChart(chartDefinition('test.chart', extra));
  for (const id of dims) chart.defineDimension(dimensionDefinition(id, algorithm));
  return chart;
}

/**
 * One iteration as the parser does it: BEGIN (with `microseconds`, untrusted unless told), SETs
 * of the given values (undefined = not set), END, all at wall clock `nowUs`.
 */
export function collect(
  chart: Chart,
  nowUs: number,
  values: (number | undefined)[],
  microseconds = 0,
  trusted = false,
): void {
  chart.begin(microseconds, trusted, nowUs);
  values.forEach((value, index) => {
    if (value !== undefined) chart.set(index, value);
  });
  chart.end(nowUs);
}

/** The stored values of dimension `index` from `fromS` to `toS` (inclusive), one per second. */
export function stored(chart: Chart, index: number, fromS: number, toS: number): number[] {
  const out: number[] = [];
  for (let t = fromS; t <= toS; t++) out.push(chart.valueAt(index, t));
  return out;
}
