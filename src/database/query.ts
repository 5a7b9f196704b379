/**
 * The query engine behind `/api/v1/data`, badges and health's `lookup`: reads a chart's ring
 * through the `Chart` interface only (firstEntryS, lastEntryS, valueAt, readSlots) and groups it
 * into rows the way netdata's `rrd2rrdr` does (1.10 `src/rrd2json.c`; reference §6):
 *
 * - `after`/`before` whose magnitude is at most three years are relative: `before` to the last
 *   entry, `after` to `before`; both are clamped to the ring, and `after = before = 0` means all.
 * - The group size is `available points / points`, rounded to the nearest integer; `gtime`
 *   forces a multiple of `gtime / update every`.
 * - Unless `unaligned`, both ends are aligned down to a multiple of `group * update every`, so
 *   the same request gives the same rows on every refresh.
 * - Rows run from `before` back to `after`, newest first; a row's time is the newest slot of its
 *   group; a trailing partial group is dropped.
 * - min and max by absolute value (netdata keeps the sign), average and sum, `incremental_sum`
 *   (newest minus oldest in the group, 1.37), median (middle of the sorted group; mean of the
 *   two middle values for an even count).
 */
import type { Chart } from './types.js';
import { FRESH_ARRAYS, type QueryArrays, type QueryScratch } from './query-scratch.js';

/** Relative times are those whose magnitude is at most this (netdata's `API_RELATIVE_TIME_MAX`). */
export const RELATIVE_TIME_MAX_SECS = 3 * 365 * 86400;

/** How a row's slots become one value (`/api/v1/data?group=`). */
export type GroupMethod = 'average' | 'min' | 'max' | 'sum' | 'incremental_sum' | 'median';

/** The options that change what the engine returns (formatting options live with formatters). */
export interface QueryOptions {
  nonzero: boolean;
  /** Negate negative values before percentage and min/max. */
  abs: boolean;
  /** Each value as a share of the row's total over all dimensions. */
  percentage: boolean;
  /** Do not align the window to the group size. */
  unaligned: boolean;
  /** Match the `dimensions` patterns against ids only / names only (both when neither). */
  matchIds: boolean;
  matchNames: boolean;
}

/** Every query option off. */
export const DEFAULT_QUERY_OPTIONS: Readonly<QueryOptions> = Object.freeze({
  nonzero: false, abs: false, percentage: false, unaligned: false, matchIds: false, matchNames: false,
});

/** What `/api/v1/data` (or a badge, or a health lookup) asks of one chart. */
export interface QueryRequest {
  /** Seconds; relative (≤ 3 years, negative = before `before`) or absolute. */
  afterS: number;
  /** Seconds; 0 = last entry, relative when ≤ 3 years, else absolute. */
  beforeS: number;
  /** Wanted rows; 0 = one per stored point. */
  points: number;
  group: GroupMethod;
  /** Group time in seconds (netdata's `gtime`), 0 = none. */
  gtimeS: number;
  /**
   * Which dimensions: a matcher tried on the id and/or the name, undefined for all. Callers build
   * it from netdata's simple patterns (`,` `|` separated).
   */
  dimensions?: (idOrName: string) => boolean;
  options: Partial<QueryOptions>;
}

/** A grouped window of a chart: rows newest first, only the dimensions the request shows. */
export interface QueryResult {
  readonly chart: Chart;
  /** Time of the oldest row's oldest slot and of the newest row (s); 0 when there are no rows. */
  readonly afterS: number;
  readonly beforeS: number;
  readonly updateEverySecs: number;
  /** Seconds between rows (`group * update every`). */
  readonly viewUpdateEverySecs: number;
  /** Slots per row. */
  readonly groupSize: number;
  /** Indexes into `chart.dimensions` of the dimensions shown, in chart order. */
  readonly dimensionIndexes: readonly number[];
  readonly dimensionIds: readonly string[];
  readonly dimensionNames: readonly string[];
  readonly rows: number;
  /** Row times (s), newest first. */
  readonly times: Float64Array;
  /** `rows * dimensionIndexes.length` values (after abs and percentage); NaN = empty (null). */
  readonly values: Float64Array;
  /** Over the shown values, starting at 0 as netdata does. */
  readonly min: number;
  readonly max: number;
  /** Each shown dimension's value in the newest slot of the ring; NaN when empty. */
  readonly latestValues: readonly number[];
  /** True when the window was given relative to the data (not cacheable). */
  readonly relative: boolean;
}

interface Window {
  afterS: number;
  beforeS: number;
  group: number;
  points: number;
  groupSumDivisor: number;
  groupPoints: number;
  relative: boolean;
}

function alignUp(value: number, step: number): number {
  const rest = Math.abs(value) % step;
  if (!rest) return value;
  return value < 0 ? value - step - (value % step) : value + step - (value % step);
}

/** Resolves after/before to absolute, clamped slot times (1.10 rrd2rrdr, first half). */
function resolveTimes(chart: Chart, req: QueryRequest): { after: number; before: number; relative: boolean } {
  const ue = chart.definition.updateEverySecs;
  const first = chart.firstEntryS();
  const last = chart.lastEntryS();
  let before = Math.trunc(req.beforeS);
  let after = Math.trunc(req.afterS);
  let relative = false;
  if (before === 0 && after === 0) {
    before = last;
    after = first;
    relative = true;
  }
  if (Math.abs(before) <= RELATIVE_TIME_MAX_SECS) {
    before = alignUp(before, ue);
    before = before > 0 ? first + before : last + before;
    relative = true;
  }
  if (Math.abs(after) <= RELATIVE_TIME_MAX_SECS) {
    if (after === 0) after = -ue;
    after = before + alignUp(after, ue);
    relative = true;
  }
  before = Math.min(Math.max(before, first), last);
  after = Math.min(Math.max(after, first), last);
  if (after > before) [after, before] = [before, after];
  return { after, before, relative };
}

/** Group size and aligned window (1.10 rrd2rrdr, second half). */
function planWindow(chart: Chart, req: QueryRequest): Window | undefined {
  const ue = chart.definition.updateEverySecs;
  const { after, before, relative } = resolveTimes(chart, req);
  const duration = before - after;
  const available = Math.floor(duration / ue);
  if (duration <= 0 || available <= 0) return undefined;
  let points = Math.abs(Math.trunc(req.points));
  if (points > available || points === 0) points = available;
  let group = Math.max(1, Math.floor(available / points));
  if (available % points > points / 2) group++;
  let groupSumDivisor = 1;
  let groupPoints = 1;
  const gtime = Math.trunc(req.gtimeS);
  if (gtime > ue) {
    if (gtime > duration) {
      group = points;
    } else {
      groupPoints = Math.floor(gtime / ue);
      if (gtime % groupPoints) groupPoints++;
      if (group < groupPoints) group = groupPoints;
      if (group % groupPoints) group += groupPoints - (group % groupPoints);
      groupSumDivisor = (group * ue) / gtime;
    }
  }
  const step = (req.options.unaligned ? 1 : group) * ue;
  const afterNew = after - (after % step);
  const beforeNew = before - (before % step);
  return {
    afterS: afterNew,
    beforeS: beforeNew,
    group,
    points: Math.floor((beforeNew - afterNew) / ue / group),
    groupSumDivisor,
    groupPoints,
    relative,
  };
}

/** Accumulates one dimension's slots for one row. */
class Grouper {
  #count = 0;
  #sum = 0;
  #pick = NaN;
  #newest = NaN;
  #oldest = NaN;
  readonly #series: number[] = [];

  constructor(readonly method: GroupMethod) {}

  add(value: number): void {
    if (this.#count === 0) this.#newest = value;
    this.#oldest = value;
    this.#count++;
    switch (this.method) {
      case 'min':
        if (Number.isNaN(this.#pick) || Math.abs(value) < Math.abs(this.#pick)) this.#pick = value;
        break;
      case 'max':
        if (Number.isNaN(this.#pick) || Math.abs(value) > Math.abs(this.#pick)) this.#pick = value;
        break;
      case 'median':
        this.#series.push(value);
        break;
      default:
        this.#sum += value;
    }
  }

  /** The row's value (NaN when no slot had a value) and a reset for the next row. */
  flush(window: Window): number {
    const count = this.#count;
    let value = NaN;
    if (count > 0) value = this.#value(count, window);
    this.#count = 0;
    this.#sum = 0;
    this.#pick = NaN;
    // setting an array's length is a runtime call: only a median's series has anything to drop
    if (this.#series.length > 0) this.#series.length = 0;
    return value;
  }

  #value(count: number, window: Window): number {
    switch (this.method) {
      case 'min':
      case 'max':
        return this.#pick;
      case 'sum':
        return this.#sum;
      case 'incremental_sum':
        return count === 1 ? 0 : this.#newest - this.#oldest;
      case 'median':
        return median(this.#series);
      default:
        return window.groupPoints !== 1 ? this.#sum / window.groupSumDivisor : this.#sum / count;
    }
  }
}

function median(series: number[]): number {
  series.sort((a, b) => a - b);
  const mid = series.length >> 1;
  return series.length % 2 ? series[mid] : (series[mid - 1] + series[mid]) / 2;
}

/** Which dimensions to show (1.10 rrdr_check_options + rrdr_disable_not_selected_dimensions). */
function selectDimensions(chart: Chart, req: QueryRequest, nonZero: boolean[]): number[] {
  const dims = chart.dimensions;
  const hidden = dims.map((d) => d.definition.options.hidden);
  const forcedNonZero = nonZero.slice();
  let nonzero = req.options.nonzero === true;
  if (nonzero && !dims.some((_, c) => !hidden[c] && nonZero[c])) nonzero = false;
  if (req.dimensions) {
    const matchIds = req.options.matchIds || !req.options.matchNames;
    const matchNames = req.options.matchNames || !req.options.matchIds;
    const selected: number[] = [];
    let visible = 0;
    dims.forEach((d, c) => {
      const hit = (matchIds && req.dimensions!(d.definition.id)) ||
        (matchNames && req.dimensions!(d.definition.name));
      hidden[c] = !hit;
      if (!hit) return;
      selected.push(c);
      if (!nonzero) forcedNonZero[c] = true;
      if (forcedNonZero[c]) visible++;
    });
    if (!visible) for (const c of selected) forcedNonZero[c] = true;
  }
  const shown: number[] = [];
  dims.forEach((_, c) => {
    if (!hidden[c] && (!nonzero || forcedNonZero[c])) shown.push(c);
  });
  return shown;
}

/**
 * Runs a query on a chart. Pure: reads the ring, allocates the result arrays (or takes them from
 * `scratch`), never throws on odd input (an empty window gives zero rows).
 */
export function queryChart(chart: Chart, req: QueryRequest, scratch?: QueryScratch): QueryResult {
  const arrays = scratch ?? FRESH_ARRAYS;
  const ue = chart.definition.updateEverySecs;
  const window = planWindow(chart, req);
  const dims = chart.dimensions.length;
  const raw = arrays.raw(window ? window.points * dims : 0);
  const times = arrays.times(window ? window.points : 0);
  const nonZero = new Array<boolean>(dims).fill(false);
  const range: RowsRange = { min: 0, max: 0, found: false };
  const rows = window ? fillRows(chart, window, req.group, raw, times, nonZero, range, arrays) : 0;
  const shown = selectDimensions(chart, req, nonZero);
  // every dimension shown as stored: the grouped rows are the values, no copy
  const asGrouped = shown.length === dims && !req.options.abs && !req.options.percentage;
  const values = asGrouped ? raw.subarray(0, rows * dims) : arrays.values(rows * shown.length);
  const { min, max } = !asGrouped ? shapeValues(raw, dims, rows, shown, req.options, values)
    : range.found ? range : valueRange(values);
  const last = chart.lastEntryS();
  return {
    chart,
    afterS: rows ? times[rows - 1] - (window!.group - 1) * ue : 0,
    beforeS: rows ? times[0] : 0,
    updateEverySecs: ue,
    viewUpdateEverySecs: window ? window.group * ue : ue,
    groupSize: window ? window.group : 1,
    dimensionIndexes: shown,
    dimensionIds: shown.map((c) => chart.dimensions[c].definition.id),
    dimensionNames: shown.map((c) => chart.dimensions[c].definition.name),
    rows,
    times: times.subarray(0, rows),
    values,
    min,
    max,
    latestValues: shown.map((c) => (last ? chart.valueAt(c, last) : NaN)),
    relative: window ? window.relative : true,
  };
}

/** The slots of each dimension a query of window `w` reads. */
function visitedSlots(w: Window, ue: number): number {
  return Math.max(0, Math.min(Math.floor((w.beforeS - w.afterS) / ue) + 1, w.points * w.group));
}

/** The slots `queryChart(chart, req)` reads, every dimension's: what the query costs. */
export function querySlots(chart: Chart, req: QueryRequest): number {
  const window = planWindow(chart, req);
  return window ? visitedSlots(window, chart.definition.updateEverySecs) * chart.dimensions.length : 0;
}

/**
 * Walks the slots newest first, one dimension at a time (each read from its ring in one pass
 * into a column), grouping them into rows; returns the rows made. A trailing partial group is
 * dropped, but its values still count for `nonZero`.
 */
function fillRows(chart: Chart, w: Window, method: GroupMethod, raw: Float64Array,
  times: Float64Array, nonZero: boolean[], range: RowsRange, arrays: Pick<QueryArrays, 'column'>): number {
  const ue = chart.definition.updateEverySecs;
  const dims = chart.dimensions.length;
  const group = w.group;
  const visited = visitedSlots(w, ue);
  const rows = Math.floor(visited / group);
  for (let r = 0; r < rows; r++) times[r] = w.beforeS - r * group * ue;
  const summed = method === 'average' || method === 'sum';
  if (summed && group === 1) {
    // a row per slot (a dashboard's window at one point a slot): the average or sum of one
    // value is that value, read straight into its column of the rows
    for (let c = 0; c < dims; c++) {
      chart.readSlots(c, w.beforeS, rows, raw, c, dims);
      if (scanColumn(raw, c, rows * dims, dims, range)) nonZero[c] = true;
    }
    range.found = true;
    return rows;
  }
  const column = arrays.column(visited);
  const grouper = new Grouper(method);
  for (let c = 0; c < dims; c++) {
    chart.readSlots(c, w.beforeS, visited, column);
    if (summed) {
      if (sumRows(column, rows, group, method === 'average' ? w : null, raw, dims, c)) nonZero[c] = true;
      for (let k = rows * group; k < visited; k++) if (!Number.isNaN(column[k]) && column[k] !== 0) nonZero[c] = true;
      continue;
    }
    let k = 0;
    for (let r = 0; r < rows; r++) {
      for (const end = k + group; k < end; k++) {
        const v = column[k];
        if (Number.isNaN(v)) continue;
        if (v !== 0) nonZero[c] = true;
        grouper.add(v);
      }
      raw[r * dims + c] = grouper.flush(w);
    }
    for (; k < visited; k++) if (!Number.isNaN(column[k]) && column[k] !== 0) nonZero[c] = true;
  }
  return rows;
}

/** The lowest and highest value of a query's rows (from 0), when fillRows found them on its way. */
interface RowsRange {
  min: number;
  max: number;
  found: boolean;
}

/**
 * Whether a column of `raw` (from `c`, every `stride`, before `end`) holds a value that is not
 * zero; a negative zero becomes zero there, as the sum of one value (`0 + v`) makes it. Widens
 * `range` to the column's values, as valueRange would.
 */
function scanColumn(raw: Float64Array, c: number, end: number, stride: number, range: RowsRange): boolean {
  let nonZero = false;
  let min = range.min;
  let max = range.max;
  for (let o = c; o < end; o += stride) {
    const v = raw[o];
    if (v === 0) {
      raw[o] = 0;
    } else if (v === v) {
      nonZero = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  range.min = min;
  range.max = max;
  return nonZero;
}

/**
 * Average (`average` given) or sum of one column's groups into `raw`, as the Grouper computes
 * them (the same additions in the same order, the same division), without a call per slot: the
 * grouping of nearly every dashboard query. Returns whether a value in the rows was not zero.
 */
function sumRows(column: Float64Array, rows: number, group: number, average: Window | null,
  raw: Float64Array, dims: number, c: number): boolean {
  let nonZero = false;
  const byDivisor = average !== null && average.groupPoints !== 1;
  const divisor = byDivisor ? average.groupSumDivisor : 1;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let count = 0;
    for (const end = k + group; k < end; k++) {
      const v = column[k];
      if (v !== v) continue;
      if (v !== 0) nonZero = true;
      sum += v;
      count++;
    }
    raw[r * dims + c] = count === 0 ? NaN : average === null ? sum : byDivisor ? sum / divisor : sum / count;
  }
  return nonZero;
}

/** The lowest and highest of the values that are not NaN, from 0 (as shapeValues finds them). */
function valueRange(values: Float64Array): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Applies abs and percentage, keeps the shown columns, and finds min/max (from 0). */
function shapeValues(raw: Float64Array, dims: number, rows: number, shown: number[],
  options: Partial<QueryOptions>, out: Float64Array): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let r = 0; r < rows; r++) {
    let total = 1;
    if (options.percentage) {
      total = 0;
      for (let c = 0; c < dims; c++) {
        const v = raw[r * dims + c];
        if (!Number.isNaN(v)) total += options.abs && v < 0 ? -v : v;
      }
      if (total === 0) total = 1;
    }
    for (let i = 0; i < shown.length; i++) {
      let v = raw[r * dims + shown[i]];
      if (!Number.isNaN(v)) {
        if (options.abs && v < 0) v = -v;
        if (options.percentage) v = (v * 100) / total;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      out[r * shown.length + i] = v;
    }
  }
  return { min, max };
}
