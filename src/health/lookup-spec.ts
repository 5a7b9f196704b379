/**
 * The `lookup:` line (reference §5.1, netdata's health_parse_db_lookup):
 * `METHOD AFTER [at BEFORE] [every DURATION] [OPTIONS] [of DIMENSIONS] [foreach PATTERN]`. `of`
 * takes the rest of the line up to ` foreach`; `of all` means every dimension; `foreach` takes
 * the rest of the line.
 */
import { parseDurationSecs } from '../config/index.js';
import type { LookupMethod, LookupOptions, LookupSpec } from './definition.js';

const METHODS: ReadonlySet<string> = new Set(['average', 'min', 'max', 'sum', 'incremental_sum', 'median']);

/** netdata's group method aliases (`web_client_api_request_v1_data_group`). */
const METHOD_ALIASES: Readonly<Record<string, LookupMethod>> = Object.freeze({
  avg: 'average', mean: 'average', 'incremental-sum': 'incremental_sum',
});

const OPTION_WORDS: Readonly<Record<string, keyof LookupOptions>> = Object.freeze({
  absolute: 'absolute', abs: 'absolute', absolute_sum: 'absolute',
  min2max: 'min2max', null2zero: 'null2zero', percentage: 'percentage', unaligned: 'unaligned',
  'match-ids': 'matchIds', match_ids: 'matchIds', 'match-names': 'matchNames', match_names: 'matchNames',
});

/** What `parseLookup` read: a spec, or why there is none. */
export interface LookupParse {
  spec?: LookupSpec;
  /** Why the line cannot be used. */
  error?: string;
  /** Words ignored; the lookup still loads. */
  warnings: string[];
}

/** Every option off. */
function noLookupOptions(): LookupOptions {
  return {
    absolute: false, min2max: false, null2zero: false, percentage: false, unaligned: false,
    matchIds: false, matchNames: false,
  };
}

/** Parses the value of a `lookup:` key. */
export function parseLookup(value: string): LookupParse {
  const warnings: string[] = [];
  const words = value.trim().split(/\s+/);
  if (words.length < 2) {
    return { error: `expected group method followed by the 'after' time, but got '${value}'`, warnings };
  }
  const methodWord = words[0].toLowerCase();
  const method = METHODS.has(methodWord) ? methodWord as LookupMethod : METHOD_ALIASES[methodWord];
  if (!method) return { error: `invalid group method '${words[0]}'`, warnings };
  const afterSecs = parseDurationSecs(words[1]);
  if (afterSecs === undefined) return { error: `invalid duration '${words[1]}' after group method`, warnings };
  const spec: LookupSpec = {
    method, afterSecs, beforeSecs: 0, everySecs: Math.abs(afterSecs), options: noLookupOptions(),
    dimensions: null, foreach: null,
  };
  for (let i = 2; i < words.length; i++) {
    const word = words[i].toLowerCase();
    if (word === 'at' || word === 'every') {
      const secs = parseDurationSecs(words[i + 1] ?? '');
      if (secs === undefined) warnings.push(`invalid duration '${words[i + 1] ?? ''}' for '${word}' keyword`);
      else if (word === 'at') spec.beforeSecs = secs;
      else spec.everySecs = secs;
      i++;
    } else if (word === 'of') {
      const end = words.findIndex((w, j) => j > i && w.toLowerCase() === 'foreach');
      const rest = words.slice(i + 1, end < 0 ? undefined : end).join(' ');
      if (rest && rest.toLowerCase() !== 'all') spec.dimensions = rest;
      if (end >= 0) spec.foreach = words.slice(end + 1).join(' ') || null;
      break;
    } else if (word === 'foreach') {
      spec.foreach = words.slice(i + 1).join(' ') || null;
      break;
    } else if (OPTION_WORDS[word]) {
      spec.options[OPTION_WORDS[word]] = true;
    } else {
      warnings.push(`unknown keyword '${words[i]}' in lookup`);
    }
  }
  return { spec, warnings };
}

/**
 * The options as netdata lists them in `/api/v1/alarms` `lookup_options` (space separated, in
 * netdata's order; the match options are not listed).
 */
export function lookupOptionsString(options: LookupOptions): string {
  const words: string[] = [];
  if (options.min2max) words.push('min2max');
  if (options.absolute) words.push('absolute');
  if (options.null2zero) words.push('null2zero');
  if (options.percentage) words.push('percentage');
  if (options.unaligned) words.push('unaligned');
  return words.join(' ');
}
