/**
 * `/api/v1/data` output formats, laid out as netdata prints them: json and datatable as 1.37
 * (`web/api/formatters/json/json.c`), the others as 1.10 (`src/rrd2json.c`: `rrdr2csv`,
 * `rrdr2ssv`, `rrdr_json_wrapper_begin/end`; `markdown` from 1.37 `formatters/csv/csv.c`). The query engine has already grouped, selected, applied abs
 * and percentage; these functions only print.
 */
import type { QueryResult } from '../database/index.js';
import { logDate } from './access-log.js';
import type { BufferPool } from './body-pool.js';
import { BodyWriter } from './body-writer.js';
import { formatNumber, formatValue, jsonEscape } from './number-format.js';

/** The content types the API answers with (netdata's, charset included). */
export const CONTENT_TYPE = {
  json: 'application/json; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  javascript: 'application/x-javascript; charset=utf-8',
  svg: 'image/svg+xml',
} as const;

/** Every `format=` netdata accepts; anything else falls back to `json` as netdata does. */
export const DATA_FORMATS = [
  'json', 'jsonp', 'datatable', 'datasource', 'csv', 'tsv', 'tsv-excel', 'ssv', 'ssvcomma',
  'array', 'html', 'markdown', 'csvjsonarray',
] as const;
/** One of `DATA_FORMATS`. */
export type DataFormat = (typeof DATA_FORMATS)[number];

/** Options that only change printing. */
export interface FormatOptions {
  jsonwrap: boolean;
  reversed: boolean;
  null2zero: boolean;
  seconds: boolean;
  milliseconds: boolean;
  objectrows: boolean;
  min2max: boolean;
  googleJson: boolean;
}

/** A formatted body (json's as bytes, written in place) and the content type it goes out with. */
export interface FormattedData {
  body: string | Buffer;
  contentType: string;
  /** Gives a body written into a pool's buffer back to the pool, once it has been sent. */
  release?: () => void;
}

interface Quotes { kq: string; sq: string }

function quotes(opts: FormatOptions): Quotes {
  return opts.googleJson ? { kq: '', sq: "'" } : { kq: '"', sq: '"' };
}

/** Row indexes in print order: newest first unless `flip`. */
function rowOrder(r: QueryResult, opts: FormatOptions): number[] {
  const order = Array.from({ length: r.rows }, (_, i) => i);
  return opts.reversed ? order.reverse() : order;
}

function cell(r: QueryResult, row: number, col: number, opts: FormatOptions): string {
  const v = r.values[row * r.dimensionIndexes.length + col];
  if (Number.isNaN(v)) return opts.null2zero ? '0' : 'null';
  return formatValue(v);
}

/** `2014-04-01 03:28:20` in the server's local time (netdata's `buffer_date`, the log's layout). */
function localDate(timeS: number): string {
  return logDate(new Date(timeS * 1000));
}

/** `Date(2014,3,1,3,28,20)`, month from 0, no leading zeros (netdata's `buffer_jsdate`). */
function jsDate(timeS: number): string {
  const d = new Date(timeS * 1000);
  return `Date(${d.getFullYear()},${d.getMonth()},${d.getDate()},${d.getHours()},` +
    `${d.getMinutes()},${d.getSeconds()})`;
}

/** Splits whole seconds for `timestamp`: both halves are small integers, which print fast. */
const SECONDS_SPLIT = 1_000_000;

function timestamp(timeS: number, opts: FormatOptions): string {
  // row times are whole seconds past 2^30, which String prints as slowly as any double; in two
  // small halves they print fast, and as formatNumber would (without its regexes)
  let text: string;
  if (Number.isInteger(timeS) && timeS >= SECONDS_SPLIT && timeS < Number.MAX_SAFE_INTEGER) {
    const high = Math.floor(timeS / SECONDS_SPLIT);
    const low = '' + (timeS - high * SECONDS_SPLIT);
    text = high + '000000'.slice(low.length) + low;
  } else {
    text = formatNumber(timeS);
  }
  return opts.milliseconds ? `${text}000` : text;
}

/** Bytes a json body needs besides its rows, and per row and value: a first guess for its buffer. */
const JSON_BASE_BYTES = 1024;
const JSON_ROW_BYTES = 20;
const JSON_VALUE_BYTES = 8;
const QUOTE = 0x22;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
/** How 1.37 (`rrdr2json`) ends the labels and the rows of a json body. */
const JSON_DATA_BEGIN = '],\n    "data":\n [\n';
const JSON_FINISH = '\n]\n}';

/** A row time as `buffer_rrd_value` prints it, `000` after it for `ms`. */
function writeTime(w: BodyWriter, timeS: number, opts: FormatOptions): void {
  if (Number.isInteger(timeS)) w.integer(timeS);
  else w.ascii(formatNumber(timeS));
  if (opts.milliseconds) w.ascii('000');
}

/**
 * `format=json` / `jsonp` body, laid out as 1.37's `rrdr2json` prints it (no spaces between
 * values: `{\n "labels": ["time","user"],\n    "data":\n [\n [ 1672531200,1.5],\n ...\n]\n}`),
 * written straight into `w`: the hot loop of a dashboard's query.
 */
function writeJson(w: BodyWriter, r: QueryResult, opts: FormatOptions): void {
  const names = r.dimensionNames;
  w.ascii('{\n "labels": ["time"');
  if (!names.length) {
    w.ascii(',"no data"' + JSON_DATA_BEGIN + JSON_FINISH);
    return;
  }
  for (const name of names) {
    w.ascii(',"');
    w.text(jsonEscape(name));
    w.byte(QUOTE);
  }
  w.ascii(JSON_DATA_BEGIN);
  const width = r.dimensionIndexes.length;
  const values = r.values;
  const times = r.times;
  const keys = opts.objectrows ? names.map((name) => `,"${jsonEscape(name)}": `) : undefined;
  const rowStart = opts.objectrows ? ' { "time": ' : ' [ ';
  const rowEnd = opts.objectrows ? CLOSE_BRACE : CLOSE_BRACKET;
  const nullText = opts.null2zero ? '0' : 'null';
  const rows = r.rows;
  for (let k = 0; k < rows; k++) {
    // rows are newest first; `flip` prints them oldest first
    const row = opts.reversed ? rows - 1 - k : k;
    if (k > 0) w.ascii(',\n');
    w.ascii(rowStart);
    if (opts.googleJson) w.ascii(`new ${jsDate(times[row])}`);
    else writeTime(w, times[row], opts);
    const base = row * width;
    if (keys) {
      for (let col = 0; col < width; col++) {
        const v = values[base + col];
        w.text(keys[col]);
        if (Number.isNaN(v)) w.ascii(nullText);
        else w.value(v);
      }
    } else {
      w.commaValues(values, base, width, nullText);
    }
    w.byte(rowEnd);
  }
  w.ascii(JSON_FINISH);
}

/** A json or jsonp body (with its jsonwrap header and footer when asked) as bytes. */
function jsonData(r: QueryResult, format: DataFormat, opts: FormatOptions, contentType: string,
  pool: BufferPool | null): FormattedData {
  const w = new BodyWriter(JSON_BASE_BYTES + r.rows * (JSON_ROW_BYTES + r.dimensionIndexes.length * JSON_VALUE_BYTES), pool);
  if (opts.jsonwrap) writeWrapperBegin(w, r, format, opts, false);
  writeJson(w, r, opts);
  if (opts.jsonwrap) writeWrapperEnd(w, opts, false, r.min, r.max);
  const type = opts.jsonwrap ? CONTENT_TYPE.json : contentType;
  return pool ? { body: w.bytes(), contentType: type, release: () => w.release() } : { body: w.bytes(), contentType: type };
}

/** `format=datatable` (Google visualization DataTable JSON). */
function toDatatable(r: QueryResult, opts: FormatOptions): string {
  const { kq, sq } = quotes(opts);
  let out = `{\n ${kq}cols${kq}:\n [\n`;
  out += `        {${kq}id${kq}:${sq}${sq},${kq}label${kq}:${sq}time${sq},${kq}pattern${kq}:${sq}${sq},${kq}type${kq}:${sq}datetime${sq}},\n`;
  out += `        {${kq}id${kq}:${sq}${sq},${kq}label${kq}:${sq}${sq},${kq}pattern${kq}:${sq}${sq},${kq}type${kq}:${sq}string${sq},${kq}p${kq}:{${kq}role${kq}:${sq}annotation${sq}}},\n`;
  out += `        {${kq}id${kq}:${sq}${sq},${kq}label${kq}:${sq}${sq},${kq}pattern${kq}:${sq}${sq},${kq}type${kq}:${sq}string${sq},${kq}p${kq}:{${kq}role${kq}:${sq}annotationText${sq}}}`;
  const names = r.dimensionNames.length ? r.dimensionNames : ['no data'];
  for (const name of names) {
    out += `,\n     {${kq}id${kq}:${sq}${sq},${kq}label${kq}:${sq}${jsonEscape(name)}${sq},` +
      `${kq}pattern${kq}:${sq}${sq},${kq}type${kq}:${sq}number${sq}}`;
  }
  out += `\n  ],\n    ${kq}rows${kq}:\n [\n`;
  if (!r.dimensionNames.length) return out + JSON_FINISH;
  const lines: string[] = [];
  for (const row of rowOrder(r, opts)) {
    let line = `        {${kq}c${kq}:[{${kq}v${kq}:${sq}${jsDate(r.times[row])}${sq}}`;
    line += `,{${kq}v${kq}:null},{${kq}v${kq}:null}`;
    r.dimensionNames.forEach((_, col) => { line += `,{${kq}v${kq}:${cell(r, row, col, opts)}}`; });
    lines.push(line + ']}');
  }
  return out + lines.join(',\n') + JSON_FINISH;
}

interface CsvShape { start: string; sep: string; end: string; between: string; quoteLabels: boolean; markdown: boolean }

/** csv, tsv, html, markdown and csvjsonarray bodies (netdata's `rrdr2csv`). */
function toCsv(r: QueryResult, opts: FormatOptions, s: CsvShape): string {
  if (!r.dimensionNames.length) return s.end;
  const q = s.quoteLabels ? '"' : '';
  let out = `${s.start}${q}time${q}`;
  for (const name of r.dimensionNames) out += `${s.sep}${q}${name}${q}`;
  out += s.end;
  if (s.markdown) out += `${s.start}:---:` + `${s.sep}:---:`.repeat(r.dimensionNames.length) + s.end;
  for (const row of rowOrder(r, opts)) {
    const t = r.times[row];
    out += s.between + s.start;
    out += opts.seconds || opts.milliseconds ? timestamp(t, opts) : localDate(t);
    r.dimensionNames.forEach((_, col) => { out += s.sep + cell(r, row, col, opts); });
    out += s.end;
  }
  return out;
}

/** One number per row: the sum of the row, or max − min with `min2max` (netdata's `rrdr2value`). */
function rowValue(r: QueryResult, row: number, opts: FormatOptions): number {
  const width = r.dimensionIndexes.length;
  let sum = 0;
  let min = 0;
  let max = 0;
  let allNull = true;
  for (let col = 0; col < width; col++) {
    const raw = r.values[row * width + col];
    const n = Number.isNaN(raw) ? 0 : raw;
    if (col === 0) [min, max] = n > 0 ? [0, n] : [n, 0];
    if (!Number.isNaN(raw)) { allNull = false; sum += n; }
    if (n < min) min = n;
    if (n > max) max = n;
  }
  if (allNull) return NaN;
  return opts.min2max ? max - min : sum;
}

/** ssv, ssvcomma and array bodies; returns the min and max of the printed values too. */
function toSsv(r: QueryResult, opts: FormatOptions, prefix: string, sep: string, suffix: string):
  { body: string; min: number; max: number } {
  const parts: string[] = [];
  let min = r.min;
  let max = r.max;
  rowOrder(r, opts).forEach((row, i) => {
    const v = rowValue(r, row, opts);
    const n = Number.isNaN(v) ? 0 : v;
    if (i === 0) { min = n; max = n; } else { if (n < min) min = n; if (n > max) max = n; }
    parts.push(Number.isNaN(v) ? (opts.null2zero ? '0' : 'null') : formatValue(v));
  });
  return { body: prefix + parts.join(sep) + suffix, min, max };
}

/**
 * The jsonwrap header's texts for one quoting (json's `"key"` and `"text"`, google_json's bare
 * `key` and `'text'`): each key as printed after the previous value (`,\n   "id": `), with the
 * quote or bracket that opens its value and the one that closes the value before it.
 */
interface WrapperTexts {
  readonly sq: string;
  readonly noData: string;
  readonly begin: string;
  readonly name: string;
  readonly viewUpdateEvery: string;
  readonly updateEvery: string;
  readonly firstEntry: string;
  readonly lastEntry: string;
  readonly before: string;
  readonly after: string;
  readonly dimensionNames: string;
  readonly dimensionIds: string;
  readonly latestValues: string;
  readonly viewLatestValues: string;
  readonly dimensions: string;
  readonly points: string;
  readonly format: string;
  readonly result: string;
  readonly min: string;
  readonly max: string;
}

function wrapperTexts(kq: string, sq: string): WrapperTexts {
  const key = (name: string, indent = '   ') => `,\n${indent}${kq}${name}${kq}: `;
  return {
    sq,
    noData: `${sq}no data${sq}`,
    begin: `{\n   ${kq}api${kq}: 1${key('id')}${sq}`,
    name: `${sq}${key('name')}${sq}`,
    viewUpdateEvery: `${sq}${key('view_update_every')}`,
    updateEvery: key('update_every'),
    firstEntry: key('first_entry'),
    lastEntry: key('last_entry'),
    before: key('before'),
    after: key('after'),
    dimensionNames: `${key('dimension_names')}[`,
    dimensionIds: `]${key('dimension_ids')}[`,
    latestValues: `]${key('latest_values')}[`,
    viewLatestValues: `]${key('view_latest_values')}[`,
    dimensions: `]${key('dimensions')}`,
    points: key('points'),
    format: `${key('format')}${sq}`,
    result: `${sq}${key('result')}`,
    min: key('min', ' '),
    max: key('max', ' '),
  };
}

const JSON_WRAPPER = wrapperTexts('"', '"');
const GOOGLE_WRAPPER = wrapperTexts('', "'");

/** A header number as a template literal prints it (these are whole seconds and counts). */
function writeHeaderNumber(w: BodyWriter, n: number): void {
  if (Number.isInteger(n)) w.integer(n);
  else w.ascii(String(n));
}

/** `["a", "b"]`'s inside: quoted, escaped, `, ` between; `empty` when there are none. */
function writeQuotedList(w: BodyWriter, items: readonly string[], sq: string, empty: string): void {
  if (!items.length) {
    w.ascii(empty);
    return;
  }
  const between = sq === '"' ? ', "' : `, ${sq}`;
  for (let i = 0; i < items.length; i++) {
    w.ascii(i ? between : sq);
    w.text(jsonEscape(items[i]));
    w.ascii(sq);
  }
}

/** The `jsonwrap` header up to `"result": ` (netdata's `rrdr_json_wrapper_begin`), written into `w`. */
function writeWrapperBegin(w: BodyWriter, r: QueryResult, format: string, opts: FormatOptions, stringValue: boolean): void {
  const t = opts.googleJson ? GOOGLE_WRAPPER : JSON_WRAPPER;
  const chart = r.chart;
  const width = r.dimensionIndexes.length;
  w.ascii(t.begin);
  w.text(jsonEscape(chart.id));
  w.ascii(t.name);
  w.text(jsonEscape(chart.fullName));
  w.ascii(t.viewUpdateEvery);
  writeHeaderNumber(w, r.viewUpdateEverySecs);
  w.ascii(t.updateEvery);
  writeHeaderNumber(w, r.updateEverySecs);
  w.ascii(t.firstEntry);
  writeHeaderNumber(w, chart.firstEntryS());
  w.ascii(t.lastEntry);
  writeHeaderNumber(w, chart.lastEntryS());
  w.ascii(t.before);
  writeHeaderNumber(w, r.beforeS);
  w.ascii(t.after);
  writeHeaderNumber(w, r.afterS);
  w.ascii(t.dimensionNames);
  writeQuotedList(w, r.dimensionNames, t.sq, t.noData);
  w.ascii(t.dimensionIds);
  writeQuotedList(w, r.dimensionIds, t.sq, t.noData);
  w.ascii(t.latestValues);
  if (width) {
    for (let i = 0; i < r.latestValues.length; i++) {
      if (i) w.ascii(', ');
      w.value(r.latestValues[i]);
    }
  } else {
    w.ascii('null');
  }
  w.ascii(t.viewLatestValues);
  if (r.rows && width) {
    for (let col = 0; col < width; col++) {
      if (col) w.ascii(', ');
      const v = r.values[col];
      if (Number.isNaN(v)) w.ascii(opts.null2zero ? '0' : 'null');
      else w.value(v);
    }
  } else {
    w.ascii('null');
  }
  w.ascii(t.dimensions);
  w.integer(r.rows ? width : 0);
  w.ascii(t.points);
  w.integer(width ? r.rows : 0);
  w.ascii(t.format);
  w.text(format);
  w.ascii(t.result);
  if (stringValue) w.ascii(t.sq);
}

/** The `jsonwrap` header as text, for the formats built as text. */
function wrapperBegin(r: QueryResult, format: string, opts: FormatOptions, stringValue: boolean): string {
  const w = new BodyWriter(JSON_BASE_BYTES);
  writeWrapperBegin(w, r, format, opts, stringValue);
  return w.bytes().toString('utf8');
}

/** The `jsonwrap` footer from the result's end (`rrdr_json_wrapper_end`), written into `w`. */
function writeWrapperEnd(w: BodyWriter, opts: FormatOptions, stringValue: boolean, min: number, max: number): void {
  const t = opts.googleJson ? GOOGLE_WRAPPER : JSON_WRAPPER;
  if (stringValue) w.ascii(t.sq);
  w.ascii(t.min);
  w.value(min);
  w.ascii(t.max);
  w.value(max);
  w.ascii('\n}\n');
}

function wrapperEnd(opts: FormatOptions, stringValue: boolean, min: number, max: number): string {
  const w = new BodyWriter(64);
  writeWrapperEnd(w, opts, stringValue, min, max);
  return w.bytes().toString('utf8');
}

/** Escapes a text result for a JSON string inside the wrapper (`\n` stays as typed). */
function asJsonString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r\n|\n/g, '\\n').replace(/\t/g, '\\t');
}

/**
 * Formats a query result; `format` is one of DATA_FORMATS (callers map unknown ones to json). A
 * body written as bytes goes into a buffer of `pool` when one is given (see `release`).
 */
export function formatData(r: QueryResult, format: DataFormat, opts: FormatOptions, pool: BufferPool | null = null): FormattedData {
  const wrap = (body: string, asString: boolean, type: string, min = r.min, max = r.max): FormattedData => {
    if (!opts.jsonwrap) return { body, contentType: type };
    const name = format === 'tsv-excel' ? 'tsv' : format;
    const inner = asString ? asJsonString(body) : body;
    return {
      body: wrapperBegin(r, name, opts, asString) + inner + wrapperEnd(opts, asString, min, max),
      contentType: CONTENT_TYPE.json,
    };
  };
  const csv = (sep: string, extra: Partial<CsvShape> = {}) =>
    toCsv(r, opts, { start: '', sep, end: '\r\n', between: '', quoteLabels: false, markdown: false, ...extra });
  switch (format) {
    case 'ssv':
    case 'ssvcomma':
    case 'array': {
      const [pre, sep, post] = format === 'array' ? ['[', ',', ']'] : ['', format === 'ssv' ? ' ' : ',', ''];
      const s = toSsv(r, opts, pre, sep, post);
      const type = format === 'array' ? CONTENT_TYPE.json : CONTENT_TYPE.text;
      return wrap(s.body, format !== 'array', type, s.min, s.max);
    }
    case 'csv': return wrap(csv(','), true, CONTENT_TYPE.text);
    case 'tsv':
    case 'tsv-excel': return wrap(csv('\t'), true, CONTENT_TYPE.text);
    case 'markdown': return wrap(csv('|', { markdown: true }), true, CONTENT_TYPE.text);
    case 'csvjsonarray': {
      const body = '[\n' + csv(',', { start: '[', end: ']', between: ',\n', quoteLabels: true }) + '\n]';
      return wrap(body, false, opts.jsonwrap ? CONTENT_TYPE.json : CONTENT_TYPE.text);
    }
    case 'html': {
      const body = '<html>\n<center>\n<table border="0" cellpadding="5" cellspacing="5">\n' +
        csv('</td><td>', { start: '<tr><td>', end: '</td></tr>\n' }) + '</table>\n</center>\n</html>\n';
      return wrap(body, true, CONTENT_TYPE.html);
    }
    case 'datatable': return wrap(toDatatable(r, opts), false, CONTENT_TYPE.json);
    case 'datasource': return wrap(toDatatable(r, opts), false, CONTENT_TYPE.javascript);
    case 'jsonp': return jsonData(r, format, opts, CONTENT_TYPE.javascript, pool);
    default: return jsonData(r, format, opts, CONTENT_TYPE.json, pool);
  }
}
