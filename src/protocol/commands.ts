/**
 * The cold commands of plugins.d (reference §1.4): CHART, DIMENSION, VARIABLE, LABEL,
 * OVERWRITE, CLABEL, CLABEL_COMMIT, FUNCTION. They take string words; the data commands
 * (BEGIN, SET, END) live in the parser itself, on bytes.
 */
import type { Chart, Host } from '../database/types.js';
import { chartDefinitionFromWords, dimensionDefinitionFromWords, existingChart } from './definitions.js';
import { ProtocolError } from './errors.js';
import { wordAt } from './tokenizer.js';
import { parseDecimalWord, parseDouble } from './numbers.js';
import type { ParserLimits, ParserOptions } from './types.js';

/** FUNCTION timeout when the plugin gives none or one ≤ 0 (netdata's 10 s). */
export const DEFAULT_FUNCTION_TIMEOUT_SECS = 10;

type Labels = Map<string, { value: string; source: number }>;

/** What the commands share with the parser: netdata's "user object" of one source. */
export interface CommandState {
  readonly options: ParserOptions;
  readonly host: Host;
  readonly limits: ParserLimits;
  /** netdata's current chart: set by CHART and BEGIN, cleared by END and FLUSH. */
  chart: Chart | null;
  /** LABELs waiting for OVERWRITE. */
  hostLabels: Labels | null;
  /** Chart labels re-sent since the first CLABEL (cleared by CLABEL_COMMIT). */
  chartLabelsSeen: { chart: Chart; names: Set<string> } | null;
  /** A non-fatal problem (logged by the parser with the line). */
  warn(problem: string): void;
}

/** CHART: creates or updates the chart and makes it current. */
export function chartCommand(words: readonly string[], state: CommandState): Chart {
  const existing = existingChart(state.host, words);
  const definition = chartDefinitionFromWords(words, state.options, existing);
  if (!existing && state.host.charts.size >= state.limits.maxChartsPerHost) {
    throw new ProtocolError(
      `CHART "${definition.id}" would pass the limit of ${state.limits.maxChartsPerHost} charts per host`,
      'limit',
    );
  }
  const chart = state.host.defineChart(definition);
  state.chart = chart;
  return chart;
}

/** DIMENSION: creates or updates a dimension of the current chart. */
export function dimensionCommand(words: readonly string[], state: CommandState): void {
  const chart = state.chart;
  if (!chart) throw new ProtocolError('DIMENSION without a chart: a CHART line must come first');
  const definition = dimensionDefinitionFromWords(words, chart);
  const isNew = chart.dimension(definition.id) === undefined;
  if (isNew && chart.dimensions.length >= state.limits.maxDimensionsPerChart) {
    throw new ProtocolError(
      `DIMENSION "${definition.id}" would pass the limit of ${state.limits.maxDimensionsPerChart} dimensions in chart "${chart.id}"`,
      'limit',
    );
  }
  chart.defineDimension(definition);
}

const HOST_SCOPES = new Set(['GLOBAL', 'HOST']);
const CHART_SCOPES = new Set(['LOCAL', 'CHART']);

/**
 * VARIABLE [GLOBAL|HOST|LOCAL|CHART] name = value. Without a scope word it is a chart variable
 * inside a chart, else a host one. An empty value is reported and ignored; a value with
 * leftovers is reported and its leading number is used (netdata does the same).
 */
export function variableCommand(words: readonly string[], state: CommandState): void {
  let global = state.chart === null;
  let name = wordAt(words, 1);
  let value = wordAt(words, 2);
  if (name !== undefined && (HOST_SCOPES.has(name) || CHART_SCOPES.has(name))) {
    global = HOST_SCOPES.has(name);
    name = wordAt(words, 2);
    value = wordAt(words, 3);
  }
  const scope = global ? 'HOST' : 'CHART';
  if (!name) throw new ProtocolError('VARIABLE without a variable name');
  if (!value) {
    state.warn(`${scope} VARIABLE "${name}" has an empty value; ignored`);
    return;
  }
  const chart = state.chart;
  if (!global && !chart) throw new ProtocolError(`CHART VARIABLE "${name}" without a chart`);
  const parsed = parseDouble(value);
  if (parsed.rest !== '') {
    state.warn(parsed.rest === value
      ? `the value "${value}" of VARIABLE "${name}" is not a number; 0 is used`
      : `the value "${value}" of VARIABLE "${name}" has leftovers "${parsed.rest}"`);
  }
  if (global || !chart) state.host.setVariable(name, parsed.value);
  else chart.variables.set(name, parsed.value);
}

/** LABEL name source value...: words after the source are joined with single spaces. */
export function labelCommand(words: readonly string[], state: CommandState): void {
  if (words.length < 4) throw new ProtocolError('LABEL needs a name, a source and a value');
  const labels = state.hostLabels ?? new Map();
  labels.set(words[1], { value: words.slice(3).join(' '), source: parseDecimalWord(words[2], true) });
  state.hostLabels = labels;
}

/** OVERWRITE: the LABELs sent since the last OVERWRITE become the host's labels. */
export function overwriteCommand(state: CommandState): void {
  state.host.replaceLabels(state.hostLabels ?? new Map());
  state.hostLabels = null;
}

/** CLABEL name value source: sets a label of the current chart at once. */
export function chartLabelCommand(words: readonly string[], state: CommandState): void {
  const name = wordAt(words, 1);
  const value = wordAt(words, 2);
  const source = wordAt(words, 3);
  if (name === undefined || value === undefined || !source) {
    throw new ProtocolError('CLABEL needs a name, a value and a source');
  }
  const chart = state.chart;
  if (!chart) throw new ProtocolError('CLABEL without a chart: a CHART or BEGIN line must come first');
  if (state.chartLabelsSeen?.chart !== chart) state.chartLabelsSeen = { chart, names: new Set() };
  state.chartLabelsSeen.names.add(name);
  chart.labels.set(name, { value, source: parseDecimalWord(source, true) });
}

/** CLABEL_COMMIT: removes the chart's labels that were not re-sent since the first CLABEL. */
export function chartLabelCommitCommand(state: CommandState): void {
  const chart = state.chart;
  if (!chart) throw new ProtocolError('CLABEL_COMMIT without a chart: a CHART or BEGIN line must come first');
  const seen = state.chartLabelsSeen;
  if (!seen || seen.chart !== chart) throw new ProtocolError('CLABEL_COMMIT without a CLABEL before it');
  for (const name of [...chart.labels.keys()]) {
    if (!seen.names.has(name)) chart.labels.delete(name);
  }
  state.chartLabelsSeen = null;
}

/** FUNCTION [GLOBAL] name timeout help: a plugin registers a function (1.37). */
export function functionCommand(words: readonly string[], state: CommandState): void {
  let i = 1;
  let global = false;
  if (wordAt(words, 1) === 'GLOBAL') {
    global = true;
    i++;
  }
  const name = wordAt(words, i);
  const timeout = wordAt(words, i + 1);
  const help = wordAt(words, i + 2);
  if (name === undefined || timeout === undefined || help === undefined) {
    throw new ProtocolError('FUNCTION needs a name, a timeout and a help text');
  }
  let timeoutSecs = timeout === '' ? DEFAULT_FUNCTION_TIMEOUT_SECS : parseDecimalWord(timeout, true);
  if (timeoutSecs <= 0) timeoutSecs = DEFAULT_FUNCTION_TIMEOUT_SECS;
  state.options.onFunction?.({ name, timeoutSecs, help, global: global || state.chart === null });
}
