/**
 * `/api/v1/function?function=NAME` and the `functions` of `/api/v1/info`. Plugins register
 * functions with FUNCTION (reference §1.4); calling them is not supported yet, so a registered
 * function is answered 501 and an unknown one 404, in netdata 1.37's error shape.
 */
import type { ApiResponse } from './http-error.js';

/** A function some plugin of the local host registered. */
export interface RegisteredFunction {
  name: string;
  help: string;
  timeoutSecs: number;
  /** The plugin that registered it, e.g. `apps`. */
  plugin: string;
}

const NOT_FOUND = 'No collector is supplying this function on this host at this time.';

function errorJson(status: number, message: string): ApiResponse {
  return {
    status,
    contentType: 'application/json',
    body: `${JSON.stringify({ status, error_message: message }, null, 2)}\n`,
  };
}

/** The answer to a call of `name` given what is registered. */
export function functionCall(name: string | undefined, registered: readonly RegisteredFunction[]): ApiResponse {
  const fn = name === undefined ? undefined : registered.find((f) => f.name === name);
  if (!fn) return errorJson(404, NOT_FOUND);
  return errorJson(501, `Function '${fn.name}' of plugin '${fn.plugin}' is registered, ` +
    'but calling plugin functions is not supported yet.');
}

/** `/api/v1/info` `functions`: name → help and timeout. */
export function functionsInfo(registered: readonly RegisteredFunction[]): Record<string, { help: string; timeout: number }> {
  return Object.fromEntries(registered.map((f) => [f.name, { help: f.help, timeout: f.timeoutSecs }]));
}
