/**
 * The cold commands of plugins.d (reference §1.4): CHART, DIMENSION, VARIABLE, FUNCTION. They
 * take string words; the data commands (BEGIN, SET, END) live in the parser itself, on bytes,
 * and the label commands in `labels.ts`.
 *
 * A command gets the parser's current chart as an argument and never changes the parser: one
 * that makes another chart current (CHART) returns it, and the parser applies it.
 */
import type { Chart } from '../database/index.js';
import { chartDefinitionFromWords, dimensionDefinitionFromWords, existingChart } from './definitions.js';
import { ProtocolError } from './errors.js';
import { wordAt } from './tokenizer.js';
import { parseDecimalWord, parseDouble } from './numbers.js';
import type { SourceLimits } from './source-limits.js';
import type { ParserOptions } from './types.js';

/** FUNCTION timeout when the plugin gives none or one ≤ 0 (netdata's 10 s). */
export const DEFAULT_FUNCTION_TIMEOUT_SECS = 10;

/**
 * What a command may use of its parser: the source's options and limits, and a way to report a
 * non-fatal problem with the line being parsed. Built once per parser; nothing in it changes
 * the parser's state.
 */
export interface CommandContext {
  readonly options: Readonly<ParserOptions>;
  readonly limits: SourceLimits;
  /** A non-fatal problem with the current line: logged (throttled) with it, parsing goes on. */
  warn(problem: string): void;
}

/**
 * CHART: creates or updates the chart; the parser makes it the current chart. A new chart the
 * limits refuse is not created: null, and the parser ignores the lines about it.
 */
export function chartCommand(words: readonly string[], context: CommandContext): Chart | null {
  const { host } = context.options;
  const existing = existingChart(host, words);
  const definition = chartDefinitionFromWords(words, context.options, existing);
  if (!existing && !context.limits.admitsChart(definition.id)) return null;
  return host.defineChart(definition);
}

/**
 * DIMENSION: creates or updates a dimension of the current chart. A new dimension the limits
 * refuse is not created (the chart keeps the ones it has, the source goes on).
 */
export function dimensionCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  if (!chart) throw new ProtocolError('DIMENSION without a chart: a CHART line must come first');
  const definition = dimensionDefinitionFromWords(words, chart);
  if (context.limits.admitsDimension(chart, definition.id)) chart.defineDimension(definition);
}

const HOST_SCOPES = new Set(['GLOBAL', 'HOST']);
const CHART_SCOPES = new Set(['LOCAL', 'CHART']);

/**
 * VARIABLE [GLOBAL|HOST|LOCAL|CHART] name = value. Without a scope word it is a chart variable
 * inside a chart, else a host one. An empty value is reported and ignored; a value with
 * leftovers is reported and its leading number is used (netdata does the same).
 */
export function variableCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  let global = chart === null;
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
    context.warn(`${scope} VARIABLE "${name}" has an empty value; ignored`);
    return;
  }
  if (!global && !chart) throw new ProtocolError(`CHART VARIABLE "${name}" without a chart`);
  const parsed = parseDouble(value);
  if (parsed.rest !== '') {
    context.warn(parsed.rest === value
      ? `the value "${value}" of VARIABLE "${name}" is not a number; 0 is used`
      : `the value "${value}" of VARIABLE "${name}" has leftovers "${parsed.rest}"`);
  }
  if (global || !chart) context.options.host.setVariable(name, parsed.value);
  else chart.variables.set(name, parsed.value);
}

/** FUNCTION [GLOBAL] name timeout help: a plugin registers a function (1.37). */
export function functionCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
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
  const isGlobal = global || chart === null;
  context.options.onFunction?.({ name, timeoutSecs, help, global: isGlobal, chartId: isGlobal ? null : chart.id });
}
