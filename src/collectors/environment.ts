/**
 * The environment plugins and alarm notifications run with: netdata 1.37's variables (reference
 * §1.1; `daemon/analytics.c` set_global_environment, `daemon/main.c`, `registry/registry_init.c`),
 * built once from the configuration. netdata sets them in its own environment, so its plugins and
 * its alarm-notify.sh see the same set; here one object serves both. Every value read from
 * netdata.conf comes from `src/config` (`config.global.directories`, `config.environment`).
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MACHINE_GUID_FILE, type NetdataConfig } from '../config/index.js';
import { warn } from '../log.js';

/** Appended to the agent's PATH for plugins (reference §1.1). */
export const PLUGIN_PATH_SUFFIX = '/sbin:/usr/sbin:/usr/local/bin:/usr/local/sbin';
/** PATH when the agent itself has none (netdata's fallback). */
export const DEFAULT_PATH = '/bin:/usr/bin';
/** `[environment variables] TZ` default when TZ is unset. */
export const DEFAULT_TZ = ':/etc/localtime';
/** netdata 1.37's `cloud base url` default: NETDATA_REGISTRY_CLOUD_BASE_URL. */
export const DEFAULT_CLOUD_BASE_URL = 'https://api.netdata.cloud';

/** What the configuration cannot tell: the agent's version and its own environment. */
export interface EnvironmentOptions {
  /** NETDATA_VERSION. */
  version: string;
  /** The agent's environment (default `process.env`). */
  baseEnv?: NodeJS.ProcessEnv;
}

/** The environments built from the agent's own `process.env`, per config and version. */
const built = new WeakMap<NetdataConfig, Map<string, Readonly<Record<string, string>>>>();

/**
 * The full environment of plugin processes and alarm notifications: the agent's own environment
 * with netdata's variables set over it. Built once per configuration (the lock directory is
 * created then, see `prepareLockDirectory`); later calls get the same object.
 */
export function agentEnvironment(config: NetdataConfig, options: EnvironmentOptions): Readonly<Record<string, string>> {
  if (options.baseEnv !== undefined) return buildEnvironment(config, options.version, options.baseEnv);
  let byVersion = built.get(config);
  if (!byVersion) built.set(config, (byVersion = new Map()));
  let env = byVersion.get(options.version);
  if (!env) {
    prepareLockDirectory(config.global.directories.lock);
    env = Object.freeze(buildEnvironment(config, options.version, process.env));
    byVersion.set(options.version, env);
  }
  return env;
}

/** The name plugins have always imported; the same environment as `agentEnvironment`. */
export const pluginEnvironment = agentEnvironment;

/**
 * Creates the lock directory (python.d keeps one lock file per running job there and disables
 * itself when it cannot) and removes the lock files a previous run left, as netdata does at start
 * (1.37 `daemon/daemon.c`: create_needed_dir, clean_directory). A failure is logged, not fatal.
 */
export function prepareLockDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile()) unlinkSync(join(dir, entry.name));
    }
  } catch (err) {
    warn(`cannot prepare the lock directory '${dir}' (NETDATA_LOCK_DIR): ${(err as Error).message}`);
  }
}

/** The machine GUID as the agent stored it ('' before it is created). */
function machineGuid(libDir: string): string {
  try {
    return readFileSync(join(libDir, MACHINE_GUID_FILE), 'utf8').trim().toLowerCase();
  } catch {
    return '';
  }
}

function buildEnvironment(config: NetdataConfig, version: string, base: NodeJS.ProcessEnv): Record<string, string> {
  const d = config.global.directories;
  const e = config.environment;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  return {
    ...env,
    NETDATA_UPDATE_EVERY: String(config.global.updateEverySecs),
    NETDATA_VERSION: version,
    NETDATA_HOSTNAME: config.global.hostname,
    NETDATA_CONFIG_DIR: d.config,
    NETDATA_USER_CONFIG_DIR: d.config,
    NETDATA_STOCK_CONFIG_DIR: d.stockConfig,
    NETDATA_PLUGINS_DIR: d.plugins[0] ?? '',
    // 1.37: every plugins directory after the first, space separated.
    NETDATA_USER_PLUGINS_DIRS: d.plugins.slice(1).join(' '),
    NETDATA_WEB_DIR: d.web,
    NETDATA_CACHE_DIR: d.cache,
    NETDATA_LIB_DIR: d.lib,
    NETDATA_LOCK_DIR: d.lock,
    NETDATA_LOG_DIR: d.log,
    HOME: d.home,
    NETDATA_HOST_PREFIX: e.hostAccessPrefix,
    NETDATA_LISTEN_PORT: String(config.web.defaultPort),
    NETDATA_ERRORS_THROTTLE_PERIOD: String(e.errorsThrottlePeriodSecs),
    NETDATA_ERRORS_PER_PERIOD: String(e.errorsPerPeriod),
    NETDATA_DEBUG_FLAGS: e.debugFlags,
    NETDATA_INTERNALS_MONITORING: config.plugins.netdataMonitoring ? 'YES' : 'NO',
    NETDATA_REGISTRY_HOSTNAME: e.registryHostname,
    NETDATA_REGISTRY_URL: e.registryToAnnounce,
    NETDATA_REGISTRY_UNIQUE_ID: machineGuid(d.lib),
    NETDATA_REGISTRY_CLOUD_BASE_URL: DEFAULT_CLOUD_BASE_URL,
    PATH: e.path ?? `${base.PATH || DEFAULT_PATH}:${PLUGIN_PATH_SUFFIX}`,
    PYTHONPATH: e.pythonPath ?? base.PYTHONPATH ?? '',
    PYTHONUNBUFFERED: '1',
    LC_ALL: 'C',
    // setenv without overwrite (1.37): a TZ the agent has wins
    TZ: base.TZ || (e.tz ?? DEFAULT_TZ),
    MALLOC_ARENA_MAX: String(e.mallocArenaMaxForPlugins),
    UV_THREADPOOL_SIZE: String(e.libuvWorkerThreads),
  };
}
