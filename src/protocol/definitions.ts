/**
 * The definition commands (CHART, DIMENSION) turned into database definitions with netdata's
 * defaults (reference §1.4). Cold path: they work on string words.
 */
import type {
  Algorithm,
  Chart,
  ChartDefinition,
  ChartType,
  DimensionDefinition,
  Host,
} from '../database/index.js';
import { ProtocolError } from './errors.js';
import { parseDecimalWord, parseLong } from './numbers.js';
import { wordAt } from './tokenizer.js';

/** CHART priority when the plugin gives none (netdata's 1000). */
export const DEFAULT_CHART_PRIORITY = 1000;
/** CHART units when the word is missing. */
export const DEFAULT_CHART_UNITS = 'unknown';
/** DIMENSION algorithm when missing or empty; also what an unknown name becomes. */
export const DEFAULT_ALGORITHM: Algorithm = 'absolute';

const ALGORITHMS: ReadonlySet<string> = new Set<Algorithm>([
  'absolute',
  'incremental',
  'percentage-of-absolute-row',
  'percentage-of-incremental-row',
]);

/** What a definition needs from the parser's options. */
export interface DefinitionDefaults {
  defaultUpdateEverySecs: number;
  defaultPluginName: string;
}

function given(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** `name` rules: strip `type.`, and equal to the id, NULL, (NULL) or empty mean no name. */
function chartName(name: string | undefined, type: string, id: string): string | null {
  if (!given(name)) return null;
  const stripped = name.startsWith(`${type}.`) ? name.slice(type.length + 1) : name;
  const upper = stripped.toUpperCase();
  if (stripped === id || upper === 'NULL' || upper === '(NULL)' || stripped === '') return null;
  return stripped;
}

function chartType(value: string | undefined): ChartType {
  return value === 'area' || value === 'stacked' ? value : 'line';
}

/**
 * Builds the definition a `CHART type.id name title units [family [context [charttype
 * [priority [update_every [options [plugin [module]]]]]]]]` line asks for. `existing` is the
 * chart of the same id, whose `hidden` survives an empty options word (netdata leaves it).
 */
export function chartDefinitionFromWords(
  words: readonly string[],
  defaults: DefinitionDefaults,
  existing: Chart | undefined,
): ChartDefinition {
  const fullId = wordAt(words, 1) ?? '';
  const dot = fullId.indexOf('.');
  const type = dot < 0 ? fullId : fullId.slice(0, dot);
  const id = dot < 0 ? '' : fullId.slice(dot + 1);
  if (type === '' || id === '') {
    throw new ProtocolError(`CHART needs a "type.id" as its first word, got ${JSON.stringify(fullId)}`);
  }
  const family = wordAt(words, 5);
  const context = wordAt(words, 6);
  const priority = wordAt(words, 8);
  const updateEvery = wordAt(words, 9);
  let updateEverySecs = given(updateEvery) ? parseDecimalWord(updateEvery, true) : 0;
  if (updateEverySecs === 0) updateEverySecs = defaults.defaultUpdateEverySecs;
  if (updateEverySecs < 0) {
    throw new ProtocolError(`CHART "${fullId}" has a negative update every (${updateEvery})`);
  }
  const plugin = wordAt(words, 11);
  return {
    id: fullId,
    type,
    name: chartName(wordAt(words, 2), type, id),
    title: wordAt(words, 3) ?? '',
    units: wordAt(words, 4) ?? DEFAULT_CHART_UNITS,
    family: given(family) ? family : id,
    context: given(context) ? context : fullId,
    chartType: chartType(wordAt(words, 7)),
    priority: given(priority) ? parseDecimalWord(priority, true) : DEFAULT_CHART_PRIORITY,
    updateEverySecs,
    options: chartOptions(wordAt(words, 10), existing?.definition.options.hidden ?? false),
    plugin: given(plugin) ? plugin : defaults.defaultPluginName,
    module: wordAt(words, 12) ?? '',
  };
}

/** Each flag is a substring test (netdata's strstr); an empty word clears all but hidden. */
function chartOptions(options: string | undefined, hiddenBefore: boolean): ChartDefinition['options'] {
  if (!given(options)) return { obsolete: false, detail: false, storeFirst: false, hidden: hiddenBefore };
  return {
    obsolete: options.includes('obsolete'),
    detail: options.includes('detail'),
    storeFirst: options.includes('store_first'),
    hidden: options.includes('hidden'),
  };
}

/** strtol base 0 with netdata's "0 means 1". */
function factor(value: string | undefined): number {
  if (!given(value)) return 1;
  return parseLong(value) || 1;
}

/**
 * Builds the definition of `DIMENSION id [name [algorithm [multiplier [divisor [options]]]]]`
 * for `chart`. A re-sent DIMENSION with an empty name keeps the name it had.
 */
export function dimensionDefinitionFromWords(words: readonly string[], chart: Chart): DimensionDefinition {
  const id = wordAt(words, 1);
  if (!given(id)) {
    throw new ProtocolError(`DIMENSION needs an id, in chart "${chart.id}"`);
  }
  const name = wordAt(words, 2);
  const algorithm = wordAt(words, 3) ?? '';
  const options = wordAt(words, 6) ?? '';
  return {
    id,
    name: given(name) ? name : (chart.dimension(id)?.definition.name ?? id),
    algorithm: ALGORITHMS.has(algorithm) ? (algorithm as Algorithm) : DEFAULT_ALGORITHM,
    multiplier: factor(wordAt(words, 4)),
    divisor: factor(wordAt(words, 5)),
    options: {
      obsolete: options.includes('obsolete'),
      hidden: options.includes('hidden'),
      noReset: options.includes('noreset') || options.includes('nooverflow'),
    },
  };
}

/** The chart a definition is for, when its host has one already. */
export function existingChart(host: Host, words: readonly string[]): Chart | undefined {
  const fullId = wordAt(words, 1);
  return fullId === undefined ? undefined : host.charts.get(fullId);
}
