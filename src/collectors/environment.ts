/**
 * The environment every plugin runs with: netdata's variables of 1.10 and 1.37 (reference §1.1),
 * built once from the configuration. Plugins such as charts.d.plugin find their configuration and
 * helper files through these.
 */
import { join } from 'node:path';
import type { NetdataConfig } from '../config/types.js';

/** Appended to the agent's PATH for plugins (reference §1.1). */
export const PLUGIN_PATH_SUFFIX = '/sbin:/usr/sbin:/usr/local/bin:/usr/local/sbin';
/** PATH when the agent itself has none (netdata's fallback). */
export const DEFAULT_PATH = '/bin:/usr/bin';
/** `[environment variables] TZ` default when TZ is unset. */
export const DEFAULT_TZ = ':/etc/localtime';
/** `[logs] errors flood protection period` default (seconds). */
export const DEFAULT_ERRORS_THROTTLE_PERIOD_SECS = 1200;
/** `[logs] errors to trigger flood protection` default. */
export const DEFAULT_ERRORS_PER_PERIOD = 200;
/** `[global] glibc malloc arena max for plugins` default. */
export const DEFAULT_MALLOC_ARENA_MAX = '1';
/** `[global] libuv worker threads` default. */
export const DEFAULT_UV_THREADPOOL_SIZE = '16';
/** `[logs] debug flags` default. */
export const DEFAULT_DEBUG_FLAGS = '0x0000000000000000';

const TRUE_WORDS = new Set(['yes', 'true', 'on', '1', 'auto']);

/** What the configuration cannot tell: the agent's version and its own environment. */
export interface EnvironmentOptions {
  /** NETDATA_VERSION. */
  version: string;
  /** The agent's environment (default `process.env`). */
  baseEnv?: NodeJS.ProcessEnv;
}

/** The raw value of the first `[section] key` present in the document, else undefined. */
function raw(config: NetdataConfig, ...places: Array<[string, string]>): string | undefined {
  for (const [section, key] of places) {
    const entry = config.document.get(section)?.get(key);
    if (entry !== undefined) return entry.value;
  }
  return undefined;
}

function directories(config: NetdataConfig, base: NodeJS.ProcessEnv): Record<string, string> {
  const d = config.global.directories;
  const home = raw(config, ['directories', 'home'], ['global', 'home directory']) ?? base.HOME ?? d.lib;
  const lock = raw(config, ['directories', 'lock']) ?? join(d.lib, 'lock');
  return {
    NETDATA_CONFIG_DIR: d.config,
    NETDATA_USER_CONFIG_DIR: d.config,
    NETDATA_STOCK_CONFIG_DIR: d.stockConfig,
    NETDATA_PLUGINS_DIR: d.plugins[0] ?? '',
    // 1.37: every plugins directory after the first, space separated.
    NETDATA_USER_PLUGINS_DIRS: d.plugins.slice(1).join(' '),
    NETDATA_WEB_DIR: d.web,
    NETDATA_CACHE_DIR: d.cache,
    NETDATA_LIB_DIR: d.lib,
    NETDATA_LOCK_DIR: lock,
    NETDATA_LOG_DIR: d.log,
    HOME: home,
  };
}

function logging(config: NetdataConfig): Record<string, string> {
  return {
    NETDATA_ERRORS_THROTTLE_PERIOD: raw(config, ['logs', 'errors flood protection period'],
      ['global', 'errors flood protection period']) ?? String(DEFAULT_ERRORS_THROTTLE_PERIOD_SECS),
    NETDATA_ERRORS_PER_PERIOD: raw(config, ['logs', 'errors to trigger flood protection'],
      ['global', 'errors to trigger flood protection']) ?? String(DEFAULT_ERRORS_PER_PERIOD),
    NETDATA_DEBUG_FLAGS: raw(config, ['logs', 'debug flags'], ['global', 'debug flags']) ?? DEFAULT_DEBUG_FLAGS,
  };
}

function system(config: NetdataConfig, base: NodeJS.ProcessEnv): Record<string, string> {
  const path = raw(config, ['environment variables', 'PATH'])
    ?? `${base.PATH || DEFAULT_PATH}:${PLUGIN_PATH_SUFFIX}`;
  const tz = base.TZ || (raw(config, ['environment variables', 'TZ'], ['global', 'TZ environment variable'])
    ?? DEFAULT_TZ);
  const monitoring = raw(config, ['plugins', 'netdata monitoring']) ?? 'yes';
  return {
    PATH: path,
    PYTHONPATH: raw(config, ['environment variables', 'PYTHONPATH']) ?? base.PYTHONPATH ?? '',
    PYTHONUNBUFFERED: '1',
    LC_ALL: 'C',
    TZ: tz,
    MALLOC_ARENA_MAX: raw(config, ['global', 'glibc malloc arena max for plugins']) ?? DEFAULT_MALLOC_ARENA_MAX,
    UV_THREADPOOL_SIZE: raw(config, ['global', 'libuv worker threads']) ?? DEFAULT_UV_THREADPOOL_SIZE,
    NETDATA_INTERNALS_MONITORING: TRUE_WORDS.has(monitoring.trim().toLowerCase()) ? 'YES' : 'NO',
  };
}

/**
 * The full environment for plugin processes: the agent's own environment with netdata's variables
 * set over it (reference §1.1). Built once at start; the same object serves every plugin.
 */
export function pluginEnvironment(config: NetdataConfig, options: EnvironmentOptions): Record<string, string> {
  const base = options.baseEnv ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  return {
    ...env,
    NETDATA_UPDATE_EVERY: String(config.global.updateEverySecs),
    NETDATA_VERSION: options.version,
    NETDATA_HOSTNAME: config.global.hostname,
    ...directories(config, base),
    NETDATA_HOST_PREFIX: raw(config, ['global', 'host access prefix']) ?? '',
    NETDATA_LISTEN_PORT: String(config.web.defaultPort),
    ...logging(config),
    ...system(config, base),
  };
}
