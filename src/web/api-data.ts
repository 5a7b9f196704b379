/**
 * `/api/v1/data`: parameters as netdata reads them (1.10 `src/web_api_v1.c`, 1.37
 * `web/api/web_api_v1.c`; reference §6), the query, and the chosen format.
 */
import {
  QueryScratch, queryChart, querySlots, type Chart, type GroupMethod, type Host, type QueryOptions, type QueryRequest, type QueryResult,
} from '../database/index.js';
import type { BufferPool } from './body-pool.js';
import { CONTENT_TYPE, DATA_FORMATS, formatData, type DataFormat, type FormatOptions } from './data-format.js';
import { HttpError, type ApiResponse } from './http-error.js';
import { htmlEscape } from './number-format.js';
import { param, toInteger, safeIdentifier, type Params } from './params.js';
import { dimensionMatcher } from './patterns.js';

/** `after` when the request gives none (1.37; reference §6). */
export const DEFAULT_AFTER_SECS = -600;

const GROUPS: Record<string, GroupMethod> = {
  average: 'average', min: 'min', max: 'max', sum: 'sum', median: 'median',
  incremental_sum: 'incremental_sum', 'incremental-sum': 'incremental_sum',
};

type AnyOption = keyof QueryOptions | keyof FormatOptions;

const OPTIONS: Record<string, AnyOption> = {
  nonzero: 'nonzero', flip: 'reversed', reversed: 'reversed', reverse: 'reversed',
  jsonwrap: 'jsonwrap', min2max: 'min2max', ms: 'milliseconds', milliseconds: 'milliseconds',
  abs: 'abs', absolute: 'abs', absolute_sum: 'abs', 'absolute-sum': 'abs', seconds: 'seconds',
  null2zero: 'null2zero', objectrows: 'objectrows', google_json: 'googleJson',
  'google-json': 'googleJson', percentage: 'percentage', unaligned: 'unaligned',
  match_ids: 'matchIds', 'match-ids': 'matchIds', match_names: 'matchNames',
  'match-names': 'matchNames',
};

/** Every option netdata knows, as flags; unknown words are ignored as netdata does. */
export type DataOptions = QueryOptions & FormatOptions;

/** Parses `options=` (separated by `,`, space or `|`). */
export function parseDataOptions(text: string | undefined): DataOptions {
  const flags: DataOptions = {
    nonzero: false, abs: false, percentage: false, unaligned: false, matchIds: false, matchNames: false,
    jsonwrap: false, reversed: false, null2zero: false, seconds: false, milliseconds: false, objectrows: false,
    min2max: false, googleJson: false,
  };
  if (!text) return flags;
  for (const word of text.split(/[, |]/)) {
    const key = Object.hasOwn(OPTIONS, word) ? OPTIONS[word] : undefined;
    if (key) flags[key] = true;
  }
  return flags;
}

/** A group name, or `average` for an unknown one (netdata's default). */
export function parseGroup(text: string | undefined): GroupMethod {
  return (text && GROUPS[text]) || 'average';
}

/** A format name, or `json` for an unknown one (netdata's default). */
export function parseFormat(text: string | undefined): DataFormat {
  return (DATA_FORMATS as readonly string[]).includes(text ?? '') ? (text as DataFormat) : 'json';
}

/** The names netdata reads a dimension selection from. */
const DIMENSION_PARAMS = ['dimension', 'dim', 'dimensions', 'dims'];

/** Every `dimension(s)`/`dim(s)` value, in order. */
export function dimensionValues(params: Params): string[] {
  return params.filter(([n]) => DIMENSION_PARAMS.includes(n)).map(([, v]) => v);
}

/** All `dimension(s)`/`dim(s)` values joined with `|`, as netdata does. */
function dimensionsParam(params: Params): string | undefined {
  const values = dimensionValues(params);
  return values.length ? values.map((v) => `|${v}`).join('') : undefined;
}

/** Finds the chart a request names or throws netdata's 400/404. */
export function requireChart(host: Host, params: Params) {
  const id = param(params, 'chart');
  if (!id) throw new HttpError(400, 'No chart id is given at the request.');
  const chart = host.chart(id);
  if (!chart) throw new HttpError(404, `Chart is not found: ${htmlEscape(id)}`);
  return chart;
}

/** The query part of a data or badge request. */
export function buildQuery(params: Params, options: DataOptions): QueryRequest {
  const dims = dimensionsParam(params);
  return {
    afterS: toInteger(param(params, 'after'), DEFAULT_AFTER_SECS),
    beforeS: toInteger(param(params, 'before'), 0),
    points: toInteger(param(params, 'points'), 0),
    group: parseGroup(param(params, 'group')),
    gtimeS: toInteger(param(params, 'gtime'), 0),
    dimensions: dims ? dimensionMatcher(dims) : undefined,
    options,
  };
}

interface GoogleParams { version: string; reqId: string; sig: string; handler?: string; outFileName?: string; format?: DataFormat }

/** `tqx=version:0.6;reqId:0;sig:0;out:json;responseHandler:x;outFileName:y`. */
function parseTqx(text: string | undefined): GoogleParams {
  const g: GoogleParams = { version: '0.6', reqId: '0', sig: '0' };
  const outs: Record<string, DataFormat> = { json: 'datasource', html: 'html', csv: 'csv', 'tsv-excel': 'tsv' };
  for (const part of (text ?? '').split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0 || colon === part.length - 1) continue;
    const [name, value] = [part.slice(0, colon), part.slice(colon + 1)];
    if (name === 'version') g.version = value;
    else if (name === 'reqId') g.reqId = value;
    else if (name === 'sig') g.sig = value;
    else if (name === 'out') g.format = outs[value] ?? 'json';
    else if (name === 'responseHandler') g.handler = value;
    else if (name === 'outFileName') g.outFileName = value;
  }
  return g;
}

/** Wraps a body for jsonp / google datasource callers. */
function wrapCallback(format: DataFormat, body: string | Buffer, result: QueryResult, params: Params, g: GoogleParams): string | Buffer {
  const callback = param(params, 'callback') ?? g.handler;
  if (format === 'jsonp') {
    const name = safeIdentifier(callback ?? 'callback');
    return typeof body === 'string' ? `${name}(${body});` : Buffer.concat([Buffer.from(`${name}(`), body, Buffer.from(');')]);
  }
  if (format !== 'datasource') return body;
  const handler = safeIdentifier(callback ?? 'google.visualization.Query.setResponse');
  const [version, reqId] = [safeIdentifier(g.version), safeIdentifier(g.reqId)];
  const lastUpdatedS = Math.floor(result.chart.lastCollectedTimeUs / 1e6);
  const lastInDataS = result.rows ? result.beforeS : 0;
  if (!((parseInt(g.sig, 10) || 0) < lastInDataS)) {
    return `${handler}({version:'${version}',reqId:'${reqId}',status:'error',` +
      `errors:[{reason:'not_modified',message:'Data not modified'}]});`;
  }
  return `${handler}({version:'${version}',reqId:'${reqId}',status:'ok',sig:'${lastUpdatedS}',table:${body}});`;
}

/** Every `options` value of a data request, read together. */
function requestOptions(params: Params): DataOptions {
  return parseDataOptions(params.filter(([n]) => n === 'options').map(([, v]) => v).join(','));
}

/** The slots a data request on `chart` reads (`querySlots`): what answering it costs. */
export function dataRequestSlots(chart: Chart, params: Params): number {
  return querySlots(chart, buildQuery(params, requestOptions(params)));
}

/**
 * The arrays of this thread's data queries: a result is formatted before the next query runs, so
 * one set serves them all (database/query-scratch.ts).
 */
const scratch = new QueryScratch();

/**
 * Serves `/api/v1/data` for a host. Throws HttpError for netdata's 400/404 answers. With a
 * `pool` the body may be written into one of its buffers, which the answer's `release` gives back.
 */
export function dataRequest(host: Host, params: Params, pool: BufferPool | null = null): ApiResponse {
  const g = parseTqx(param(params, 'tqx'));
  const format = g.format ?? parseFormat(param(params, 'format'));
  const chart = requireChart(host, params);
  const options = requestOptions(params);
  const result = queryChart(chart, buildQuery(params, options), scratch);
  const formatted = formatData(result, format, options, pool);
  const headers: Record<string, string> = {};
  const fileName = param(params, 'filename') ?? g.outFileName;
  if (fileName) headers['Content-Disposition'] = `attachment; filename="${safeIdentifier(fileName)}"`;
  headers['Cache-Control'] = result.relative ? 'no-cache, no-store, must-revalidate' : 'public';
  const body = wrapCallback(format, formatted.body, result, params, g);
  const answer: ApiResponse = {
    status: 200,
    contentType: format === 'jsonp' || format === 'datasource' ? CONTENT_TYPE.javascript : formatted.contentType,
    body,
    headers,
  };
  if (formatted.release) {
    // a body wrapped in a callback is a copy: the pool's buffer is free at once
    if (body === formatted.body) answer.release = formatted.release;
    else formatted.release();
  }
  return answer;
}
