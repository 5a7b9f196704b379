/**
 * collectors: discovering and supervising `*.plugin` processes, their environment and netdata's
 * restart rules. Lines are parsed by the parser passed in (`deps.createParser`), never here.
 */
export { createPluginsd, MIN_SCAN_EVERY_SECS } from './supervisor.js';
export type { Pluginsd, PluginsdDeps, PluginsdStats } from './supervisor.js';
export type { PluginStatus, PluginState, PluginFunction } from './plugin-runner.js';
export type { ProcessExit } from './plugin-process.js';
export { pluginCommand, DEFAULT_KILL_GRACE_MS } from './plugin-process.js';
export { pluginEnvironment } from './environment.js';
export type { EnvironmentOptions } from './environment.js';
export { discoverPlugins, pluginNameOf, PLUGIN_SUFFIX } from './discovery.js';
export type { DiscoveredPlugin, DiscoveryResult } from './discovery.js';
export { decideRestart, netdataExitStatus, SERIAL_FAILURES_THRESHOLD } from './restart-policy.js';
export type { RunOutcome, RestartDecision, RestartAction } from './restart-policy.js';
