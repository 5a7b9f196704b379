/**
 * Runs an alarm's `lookup` on its chart: one grouped point over the window, through the
 * database's query engine (`queryChart` with points = 1, as netdata's rrdset2value does), then
 * reduced to one number the way netdata's rrdr2value does: the sum of the selected dimensions'
 * values, or with `min2max` the spread between the largest and the smallest (0 included).
 * `null2zero` counts a dimension without data as 0; when no dimension has data the value is null
 * (NaN) and the alarm's value becomes NaN.
 */
import { createSimplePattern } from '../config/index.js';
import { queryChart, type Chart, type QueryRequest } from '../database/index.js';
import type { LookupSpec } from './definition.js';

/** One lookup's value and the window it covered. */
export interface LookupResult {
  /** NaN when the window had no data. */
  value: number;
  /** True when no selected dimension had a value in the window. */
  isNull: boolean;
  /** The window actually used (s), netdata's `db_after` / `db_before`; 0 when empty. */
  dbAfterS: number;
  dbBeforeS: number;
}

/** netdata splits a lookup's `of` list at these (not at spaces). */
const DIMENSION_SEPARATORS = ',|\t\r\n\f\v';

const matchers = new WeakMap<LookupSpec, (idOrName: string) => boolean>();

function dimensionMatcher(spec: LookupSpec): ((idOrName: string) => boolean) | undefined {
  if (spec.dimensions === null) return undefined;
  let matcher = matchers.get(spec);
  if (!matcher) {
    const pattern = createSimplePattern(spec.dimensions, DIMENSION_SEPARATORS);
    matcher = (idOrName: string): boolean => pattern.matches(idOrName);
    matchers.set(spec, matcher);
  }
  return matcher;
}

/** The query request netdata's health makes for `spec`. */
export function lookupRequest(spec: LookupSpec): QueryRequest {
  return {
    afterS: spec.afterSecs,
    beforeS: spec.beforeSecs,
    points: 1,
    group: spec.method,
    gtimeS: 0,
    dimensions: dimensionMatcher(spec),
    options: {
      abs: spec.options.absolute,
      percentage: spec.options.percentage,
      unaligned: spec.options.unaligned,
      matchIds: spec.options.matchIds,
      matchNames: spec.options.matchNames,
    },
  };
}

/** Runs the lookup on `chart`. Pure; never throws. */
export function runLookup(chart: Chart, spec: LookupSpec): LookupResult {
  const result = queryChart(chart, lookupRequest(spec));
  const empty = { value: NaN, isNull: true, dbAfterS: result.afterS, dbBeforeS: result.beforeS };
  if (result.rows === 0) return empty;
  const columns = result.dimensionIndexes.length;
  // the oldest row: with one point there is one row
  const row = result.rows - 1;
  let sum = 0;
  let min = 0;
  let max = 0;
  let allNull = true;
  for (let c = 0; c < columns; c++) {
    let v = result.values[row * columns + c];
    if (Number.isNaN(v)) {
      if (!spec.options.null2zero) continue;
      v = 0;
    }
    allNull = false;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (allNull) return empty;
  return {
    value: spec.options.min2max ? max - min : sum,
    isNull: false,
    dbAfterS: result.afterS,
    dbBeforeS: result.beforeS,
  };
}
