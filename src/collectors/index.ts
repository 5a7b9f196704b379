/**
 * collectors: discovering and supervising `*.plugin` processes, their environment and netdata's
 * restart rules. Lines are parsed by the parser passed in (`deps.createParser`), never here.
 */
export { createPluginsd } from './supervisor.js';
export type { Pluginsd, PluginsdDeps, PluginsdStats } from './supervisor.js';
export type { PluginStatus, PluginState, PluginFunction } from './plugin-runner.js';
export type { ProcessExit } from './plugin-process.js';
export {
  FunctionCalls, functionError, contentTypeOf, FUNCTION_STATUS, type FunctionResult, type FunctionCallLimits, type StdinWriter,
} from './function-calls.js';
export { findFunction, sanitizeFunctionText, MAX_FUNCTION_TEXT_BYTES } from './function-text.js';
export { agentEnvironment } from './environment.js';
export { readSystemInfo, systemLabels, withSystemLabels, localHostLabels, withIsParent } from './system-info.js';
export type { SystemInfo, SystemProbe, LocalLabelOptions } from './system-info.js';
