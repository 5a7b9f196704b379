/**
 * The charts the in-process benchmarks store into: `bench.chart0` … of `dimensions` dimensions
 * `d0` …, line charts updated every second, absolute unless the caller picks an algorithm per chart.
 */
import type { Algorithm, Chart, Host } from '../src/database/index.js';

export function defineBenchCharts(host: Host, count: number, dimensions: number,
  algorithmOf: (chart: number) => Algorithm = () => 'absolute'): Chart[] {
  const charts: Chart[] = [];
  for (let c = 0; c < count; c++) {
    const chart = host.defineChart({
      id: `bench.chart${c}`, type: 'bench', name: null, title: 'bench', units: 'n', family: 'bench',
      context: 'bench.chart', chartType: 'line', priority: 1000, updateEverySecs: 1,
      options: { obsolete: false, detail: false, hidden: false, storeFirst: false }, plugin: 'bench', module: '',
    });
    const algorithm = algorithmOf(c);
    for (let d = 0; d < dimensions; d++) {
      chart.defineDimension({
        id: `d${d}`, name: `d${d}`, algorithm, multiplier: 1, divisor: 1,
        options: { hidden: false, noReset: false, obsolete: false },
      });
    }
    charts.push(chart);
  }
  return charts;
}
