/**
 * `/api/v1/function?function=NAME ARGS&timeout=S`, `/api/v1/functions`, and the `functions` of
 * `/api/v1/info`, `/api/v1/charts` and `/api/v1/chart`, as netdata 1.37 shapes them
 * (`web_api_v1.c`, `rrdfunctions.c`). Plugins register functions with FUNCTION (reference §1.4);
 * a call goes to the plugin that registered it and its result is answered as the plugin gave it.
 */
import { findFunction, sanitizeFunctionText } from '../collectors/index.js';
import type { ApiResponse } from './http-error.js';

/** The answer of a call, as the collectors part gives it. */
export interface CallResult {
  status: number;
  contentType: string;
  body: string;
  /** When the result expires (s since the epoch); 0 for none. */
  expiresS: number;
}

/** A function some plugin of the local host registered. */
export interface RegisteredFunction {
  name: string;
  help: string;
  timeoutSecs: number;
  /** The plugin that registered it, e.g. `apps`; absent for a mirrored host's (its child knows). */
  plugin?: string;
  /** Registered with GLOBAL (or before any CHART). */
  global?: boolean;
  /** The chart it was registered with; null or absent when global. */
  chartId?: string | null;
  /** Every chart it was registered with, when more than `chartId` is known (1.37 lists it with each). */
  chartIds?: readonly string[];
  /** Whether its plugin runs now; a function of a plugin that does not is neither listed nor callable. */
  running?: boolean;
  /** Calls it (name and arguments, timeout in seconds); absent when it cannot be called. */
  call?(text: string, timeoutSecs: number): Promise<CallResult>;
}

/** One function in `functions` objects: 1.37's fields. */
export interface FunctionInfo {
  help: string;
  timeout: number;
  options: string;
}

const NOT_FOUND = 'No collector is supplying this function on this host at this time.';
const NOT_RUNNING = 'The collector that registered this function, is not currently running.';
/** Longest wait a caller may ask for with `timeout=` (s); more is cut to it. */
export const MAX_CALL_TIMEOUT_SECS = 3600;

function errorJson(status: number, message: string): ApiResponse {
  return {
    status,
    contentType: 'application/json',
    body: JSON.stringify({ status, error_message: message }),
    headers: { 'Cache-Control': 'no-cache, no-store, must-revalidate' },
  };
}

/** The timeout of a call: `timeout=` when a positive number (capped), else the function's own. */
function callTimeout(param: string | undefined, fn: RegisteredFunction): number {
  const asked = param === undefined ? NaN : Number.parseInt(param, 10);
  return asked > 0 ? Math.min(asked, MAX_CALL_TIMEOUT_SECS) : fn.timeoutSecs;
}

/**
 * The answer to `/api/v1/function?function=...&timeout=...`: the plugin's result with its status
 * and content type, or netdata's error JSON (404 unknown, 503 plugin not running or gone, 504
 * timeout, 591 a result the plugin broke).
 */
export async function functionCall(text: string | undefined, timeout: string | undefined,
  registered: readonly RegisteredFunction[], nowMs: number = Date.now()): Promise<ApiResponse> {
  const clean = sanitizeFunctionText(text ?? '');
  const fn = clean === '' ? undefined : findFunction(clean, registered);
  if (!fn) return errorJson(404, NOT_FOUND);
  if (fn.running === false || !fn.call) return errorJson(503, NOT_RUNNING);
  const result = await fn.call(clean, callTimeout(timeout, fn));
  const headers: Record<string, string> = result.expiresS * 1000 > nowMs
    ? { 'Cache-Control': 'public', Expires: new Date(result.expiresS * 1000).toUTCString() }
    : { 'Cache-Control': 'no-cache, no-store, must-revalidate' };
  return { status: result.status, contentType: result.contentType, body: result.body, headers };
}

function infoOf(f: RegisteredFunction): FunctionInfo {
  const global = f.global ?? !f.chartId;
  return { help: f.help, timeout: f.timeoutSecs, options: global ? 'GLOBAL ' : 'LOCAL ' };
}

/** `functions` of `/api/v1/info` and the body of `/api/v1/functions`: the running ones, by name. */
export function functionsInfo(registered: readonly RegisteredFunction[]): Record<string, FunctionInfo> {
  return Object.fromEntries(registered.filter((f) => f.running !== false).map((f) => [f.name, infoOf(f)]));
}

/** `functions` of one chart in `/api/v1/charts` and `/api/v1/chart`: those registered with it. */
export function chartFunctionsInfo(chartId: string, registered: readonly RegisteredFunction[]): Record<string, FunctionInfo> {
  return functionsInfo(registered.filter((f) => f.chartIds ? f.chartIds.includes(chartId) : f.chartId === chartId));
}
