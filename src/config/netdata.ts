/**
 * `netdata.conf` into a frozen `NetdataConfig` (reference §8). Keys follow netdata 1.10's names
 * (`[global] memory mode`, `history`, `update every`, `... directory`); 1.37's names
 * (`[db] mode`, `[db] retention`, `[directories] ...`) are accepted too and win when both are
 * set, as netdata 1.37 moves an old key only when the new one is absent. The effective config
 * shows each setting under its 1.10 name.
 */
import { hostname as osHostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { MemoryMode } from '../database/index.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { readConfigFile, type ParsedConfig } from './document.js';
import { applyOverrides, ConfigReader, configErrors } from './reader.js';
import { isOpenNetdataSection, UNUSED_NETDATA_KEYS } from './netdata-known-keys.js';
import { systemTimezone } from './timezone.js';
import {
  readBackend, readHealth, readHostLabels, readPlugins, readWeb,
} from './netdata-sections.js';
import { readEnvironment } from './netdata-environment.js';
import {
  BadValue, integer, list, parseBoolean, parseMemoryMode, renderQuotedList, text,
} from './values.js';
import type { ConfigError, Directories, GlobalConfig, NetdataConfig } from './types.js';

// ---- [global] (1.10) / [db] (1.37) -----------------------------------------------------------
/** `[global] history` / `[db] retention`: entries per dimension (reference §7). */
export const DEFAULT_HISTORY_ENTRIES = 3600;
/** The smallest `history` accepted. */
export const MIN_HISTORY_ENTRIES = 5;
/** The largest `history` accepted: a year of seconds. */
export const MAX_HISTORY_ENTRIES = 86400 * 365;
/** `[global] update every` / `[db] update every` (seconds). */
export const DEFAULT_UPDATE_EVERY_SECS = 1;
/** `[global] memory mode` / `[db] mode`: netdata 1.10's default. */
export const DEFAULT_MEMORY_MODE: MemoryMode = 'save';
/** `[global] gap when lost iterations above`. */
export const DEFAULT_GAP_WHEN_LOST_ITERATIONS_ABOVE = 1;
/** `[global] cleanup orphan hosts after seconds` / `[db] cleanup orphan hosts after secs`. */
export const DEFAULT_CLEANUP_ORPHAN_HOSTS_AFTER_SECS = 3600;
/** `[global] save every seconds` (this agent's own key): memory mode save also writes its files this often; 0 = only at stop. */
export const DEFAULT_SAVE_EVERY_SECS = 3600;
/** `[db] enable replication` (1.37). */
export const DEFAULT_ENABLE_REPLICATION = true;
/** `[db] seconds to replicate` (1.37: one day). */
export const DEFAULT_SECONDS_TO_REPLICATE = 86400;
/** `[db] seconds per replication step` (1.37). */
export const DEFAULT_SECONDS_PER_REPLICATION_STEP = 600;

// ---- directories: netdata's installed layout ------------------------------------------------
/** `[global] config directory`; with a config file, the file's own directory. */
export const DEFAULT_CONFIG_DIR = '/etc/netdata';
/** `[global] stock config directory` / `[directories] stock config`. */
export const DEFAULT_STOCK_CONFIG_DIR = '/usr/lib/netdata/conf.d';
/** First entry of `[global] plugins directory` / `[directories] plugins`. */
export const DEFAULT_PLUGINS_DIR = '/usr/libexec/netdata/plugins.d';
/** Second entry of the plugins directories, under the config directory. */
export const CUSTOM_PLUGINS_SUBDIR = 'custom-plugins.d';
/** At most this many plugins directories (reference §1.1). */
export const MAX_PLUGINS_DIRS = 20;
/** `[global] cache directory` / `[directories] cache`. */
export const DEFAULT_CACHE_DIR = '/var/cache/netdata';
/** `[global] lib directory` / `[directories] lib`. */
export const DEFAULT_LIB_DIR = '/var/lib/netdata';
/** `[global] log directory` / `[directories] log`. */
export const DEFAULT_LOG_DIR = '/var/log/netdata';
/** `[global] web files directory` / `[directories] web`. */
export const DEFAULT_WEB_DIR = '/usr/share/netdata/web';
/** Stock and user health.d live in this subdirectory of the stock and user config dirs. */
export const HEALTH_SUBDIR = 'health.d';
/** `[directories] lock` default: this subdirectory of the lib directory (1.37 `daemon/main.c`). */
export const LOCK_SUBDIR = 'lock';

/** One `-W set SECTION KEY VALUE` from the command line. */
export type ConfigOverride = readonly [section: string, key: string, value: string];

/** A loaded config and every problem found while loading it. */
export interface NetdataConfigResult {
  config: NetdataConfig;
  /** Bad values, unknown sections and keys, in file order. Bad values were replaced by defaults. */
  errors: ConfigError[];
}

/**
 * Reads `file` (or only defaults for `null`) with `-W set` overrides on top, and reports every
 * problem instead of throwing. Relative directory paths resolve against the file's directory.
 */
export function readNetdataConfig(file: string | null, overrides: readonly ConfigOverride[] = []): NetdataConfigResult {
  const parsed: ParsedConfig = file === null
    ? { document: new Map(), sectionLines: new Map(), errors: [] }
    : readConfigFile(file);
  applyOverrides(parsed, overrides);
  const r = new ConfigReader(parsed, file ?? '');
  const baseDir = file === null ? process.cwd() : dirname(resolve(file));
  const path = (value: string): string => {
    if (value === '') throw new BadValue('expected a path, got an empty value');
    return resolve(baseDir, value);
  };
  const global = readGlobal(r, file === null ? DEFAULT_CONFIG_DIR : baseDir, path);
  const config: NetdataConfig = {
    file,
    global,
    environment: Object.freeze(readEnvironment(r, global.hostname)),
    web: Object.freeze(readWeb(r, global.directories.config, global.directories.log, path)),
    plugins: readPlugins(r, global),
    health: Object.freeze(readHealth(r, global, path)),
    backend: Object.freeze(readBackend(r, global)),
    hostLabels: readHostLabels(r),
    document: r.effective,
  };
  for (const [section, keys] of Object.entries(UNUSED_NETDATA_KEYS)) r.markKnown(section, keys);
  r.reportUnknown(isOpenNetdataSection, 'netdata.conf');
  return { config: Object.freeze(config), errors: r.errors };
}

/**
 * Loads netdata.conf once at start-up. Throws an `AggregateError` whose `errors` are the
 * `ConfigError`s (message: one line per error) when anything is wrong; a missing file given
 * explicitly is an error too.
 */
export function loadNetdataConfig(file: string | null, overrides: readonly ConfigOverride[] = []): NetdataConfig {
  const { config, errors } = readNetdataConfig(file, overrides);
  if (errors.length > 0) throw configErrors(file ?? 'netdata.conf', errors);
  return config;
}

function readGlobal(r: ConfigReader, defaultConfigDir: string, path: (t: string) => string): Readonly<GlobalConfig> {
  const hostname = r.value('global', 'hostname', text, osHostname());
  const db = <T>(newKey: string, oldKey: string, parse: (t: string) => T, fallback: T): T =>
    r.read({ names: [['db', newKey], ['global', oldKey]], parse, fallback });
  const global: GlobalConfig = {
    hostname,
    historyEntries: db('retention', 'history', integer(MIN_HISTORY_ENTRIES, MAX_HISTORY_ENTRIES), DEFAULT_HISTORY_ENTRIES),
    updateEverySecs: db('update every', 'update every', integer(1), DEFAULT_UPDATE_EVERY_SECS),
    memoryMode: db('mode', 'memory mode', parseMemoryMode, DEFAULT_MEMORY_MODE),
    gapWhenLostIterationsAbove: db('gap when lost iterations above', 'gap when lost iterations above',
      integer(1), DEFAULT_GAP_WHEN_LOST_ITERATIONS_ABOVE),
    cleanupOrphanHostsAfterSecs: db('cleanup orphan hosts after secs', 'cleanup orphan hosts after seconds',
      integer(0), DEFAULT_CLEANUP_ORPHAN_HOSTS_AFTER_SECS),
    maxCharts: r.value('db', 'max charts', integer(1), DEFAULT_LIMITS.charts),
    maxDimensions: r.value('db', 'max dimensions', integer(1), DEFAULT_LIMITS.dimensions),
    saveEverySecs: r.value('global', 'save every seconds', integer(0), DEFAULT_SAVE_EVERY_SECS),
    replication: Object.freeze({
      enabled: r.value('db', 'enable replication', parseBoolean, DEFAULT_ENABLE_REPLICATION),
      secondsToReplicate: r.value('db', 'seconds to replicate', integer(0), DEFAULT_SECONDS_TO_REPLICATE),
      stepSecs: r.value('db', 'seconds per replication step', integer(1), DEFAULT_SECONDS_PER_REPLICATION_STEP),
    }),
    timezone: r.value('global', 'timezone', text, systemTimezone()),
    directories: readDirectories(r, defaultConfigDir, path),
  };
  return Object.freeze(global);
}

function readDirectories(r: ConfigReader, defaultConfigDir: string, path: (t: string) => string): Readonly<Directories> {
  const dir = (newKey: string, oldKey: readonly [string, string], fallback: string): string =>
    r.read({ names: [['directories', newKey], oldKey], parse: path, fallback });
  const config = dir('config', ['global', 'config directory'], defaultConfigDir);
  const stockConfig = dir('stock config', ['global', 'stock config directory'], DEFAULT_STOCK_CONFIG_DIR);
  const plugins = r.read({
    names: [['directories', 'plugins'], ['global', 'plugins directory']],
    parse: (value) => {
      const dirs = list(MAX_PLUGINS_DIRS)(value).map(path);
      if (dirs.length === 0) throw new BadValue('expected at least one directory');
      return dirs;
    },
    fallback: [DEFAULT_PLUGINS_DIR, `${config}/${CUSTOM_PLUGINS_SUBDIR}`],
    render: renderQuotedList,
  });
  const lib = dir('lib', ['global', 'lib directory'], DEFAULT_LIB_DIR);
  return Object.freeze({
    config,
    stockConfig,
    plugins: Object.freeze(plugins) as string[],
    cache: dir('cache', ['global', 'cache directory'], DEFAULT_CACHE_DIR),
    lib,
    log: dir('log', ['global', 'log directory'], DEFAULT_LOG_DIR),
    web: dir('web', ['global', 'web files directory'], DEFAULT_WEB_DIR),
    // 1.10 had one health directory; 1.37's stock one has no 1.10 name, so it shows under [directories].
    stockHealth: r.read({
      names: [['directories', 'stock health config']],
      parse: path, fallback: `${stockConfig}/${HEALTH_SUBDIR}`,
    }),
    userHealth: dir('health config', ['health', 'health configuration directory'], `${config}/${HEALTH_SUBDIR}`),
    lock: dir('lock', ['global', 'lock directory'], `${lib}/${LOCK_SUBDIR}`),
    // netdata's default is the HOME it was started with
    home: dir('home', ['global', 'home directory'], process.env.HOME || lib),
  });
}
