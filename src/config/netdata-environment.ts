/**
 * The netdata.conf keys netdata passes to plugins and alarm notifications as environment
 * variables (reference §1.1; 1.37 `daemon/analytics.c` set_global_environment, `daemon/main.c`),
 * besides the directories and `[plugins] netdata monitoring`. Each default a named constant.
 */
import type { ConfigReader } from './reader.js';
import { integer, text } from './values.js';
import type { ProcessEnvironmentConfig } from './types.js';

/** `[global] host access prefix`: none. */
export const DEFAULT_HOST_ACCESS_PREFIX = '';
/** `[logs] errors flood protection period` (seconds). */
export const DEFAULT_ERRORS_THROTTLE_PERIOD_SECS = 1200;
/** `[logs] errors to trigger flood protection`. */
export const DEFAULT_ERRORS_PER_PERIOD = 200;
/** `[logs] debug flags`: nothing. */
export const DEFAULT_DEBUG_FLAGS = '0x0000000000000000';
/** `[global] glibc malloc arena max for plugins`. */
export const DEFAULT_MALLOC_ARENA_MAX_FOR_PLUGINS = 1;
/** `[global] libuv worker threads`. */
export const DEFAULT_LIBUV_WORKER_THREADS = 16;

/** `[registry] registry to announce`. */
export const DEFAULT_REGISTRY_TO_ANNOUNCE = 'https://registry.my-netdata.io';

/** Reads the environment keys; the three `[environment variables]` are null when not set. */
export function readEnvironment(r: ConfigReader, hostname: string): ProcessEnvironmentConfig {
  const logs = <T>(key: string, parse: (t: string) => T, fallback: T): T =>
    r.read({ names: [['logs', key], ['global', key]], parse, fallback });
  // [environment variables] is an open section, shown as written: read without marking its keys
  const variable = (key: string): string | null => r.sections().get('environment variables')?.get(key)?.value ?? null;
  return {
    hostAccessPrefix: r.value('global', 'host access prefix', text, DEFAULT_HOST_ACCESS_PREFIX),
    errorsThrottlePeriodSecs: logs('errors flood protection period', integer(0), DEFAULT_ERRORS_THROTTLE_PERIOD_SECS),
    errorsPerPeriod: logs('errors to trigger flood protection', integer(0), DEFAULT_ERRORS_PER_PERIOD),
    debugFlags: logs('debug flags', text, DEFAULT_DEBUG_FLAGS),
    mallocArenaMaxForPlugins: r.value('global', 'glibc malloc arena max for plugins', integer(1),
      DEFAULT_MALLOC_ARENA_MAX_FOR_PLUGINS),
    libuvWorkerThreads: r.value('global', 'libuv worker threads', integer(1), DEFAULT_LIBUV_WORKER_THREADS),
    registryHostname: r.value('registry', 'registry hostname', text, hostname),
    registryToAnnounce: r.value('registry', 'registry to announce', text, DEFAULT_REGISTRY_TO_ANNOUNCE),
    path: variable('PATH'),
    pythonPath: variable('PYTHONPATH'),
    tz: variable('TZ') ?? r.entry('global', 'TZ environment variable')?.value ?? null,
  };
}
