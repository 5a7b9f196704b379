/**
 * The frozen copies of definitions a chart and its dimensions keep. Each is built as an object
 * literal of a fixed shape, not by spreading its source: V8 gives a spread copy made by warm
 * code a map outside any transition tree, so freezing it makes a new map (and descriptor array)
 * per object, about 0.5 KB per dimension that every full collection marks. A literal's frozen
 * copies all share one map.
 */
import type { ChartDefinition, ChartOptions, DimensionDefinition, DimensionOptions } from './types.js';

/** A frozen copy of `d` (its options frozen too), sharing its map with every other. */
export function frozenChartDefinition(d: ChartDefinition): Readonly<ChartDefinition> {
  return Object.freeze({
    id: d.id,
    type: d.type,
    name: d.name,
    title: d.title,
    units: d.units,
    family: d.family,
    context: d.context,
    chartType: d.chartType,
    priority: d.priority,
    updateEverySecs: d.updateEverySecs,
    options: frozenChartOptions(d.options),
    plugin: d.plugin,
    module: d.module,
  });
}

/**
 * Frozen options are values: every definition with the same flags shares one object (made on
 * first use), so a parent with thousands of charts and dimensions keeps a handful, not one each.
 */
const chartOptions: Array<Readonly<ChartOptions> | undefined> = new Array(16).fill(undefined);
const dimensionOptions: Array<Readonly<DimensionOptions> | undefined> = new Array(8).fill(undefined);

function frozenChartOptions(o: ChartOptions): Readonly<ChartOptions> {
  const key = (o.obsolete ? 1 : 0) | (o.detail ? 2 : 0) | (o.storeFirst ? 4 : 0) | (o.hidden ? 8 : 0);
  return chartOptions[key] ??= Object.freeze({ obsolete: !!o.obsolete, detail: !!o.detail, storeFirst: !!o.storeFirst, hidden: !!o.hidden });
}

/** A frozen copy of `d` (its options frozen too), sharing its map with every other. */
export function frozenDimensionDefinition(d: DimensionDefinition): Readonly<DimensionDefinition> {
  return Object.freeze({
    id: d.id,
    // a name equal to the id keeps one string, not two
    name: d.name === d.id ? d.id : d.name,
    algorithm: d.algorithm,
    multiplier: d.multiplier,
    divisor: d.divisor,
    options: frozenDimensionOptions(d.options),
  });
}

function frozenDimensionOptions(o: DimensionOptions): Readonly<DimensionOptions> {
  const key = (o.obsolete ? 1 : 0) | (o.hidden ? 2 : 0) | (o.noReset ? 4 : 0);
  return dimensionOptions[key] ??= Object.freeze({ obsolete: !!o.obsolete, hidden: !!o.hidden, noReset: !!o.noReset });
}
