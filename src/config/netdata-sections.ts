/**
 * `[web]`, `[plugins]`, `[plugin:NAME]`, `[health]`, `[backend]` and `[host labels]` of
 * netdata.conf (reference §8, §4.1, §1.1), each default a named constant beside its key.
 */
import os from 'node:os';
import type { ConfigReader } from './reader.js';
import {
  duration, integer, list, oneOf, parseBoolean, renderDuration, text, BadValue,
} from './values.js';
import type {
  BackendConfig, BackendDataSource, BackendType, GlobalConfig, HealthConfig, NotificationOwnerRule, PluginConfig,
  PluginsConfig, TlsVersion, WebConfig, WebMode,
} from './types.js';

// ---- [web] (1.10 names; 1.37 defaults to static-threaded, 1.10 to multi-threaded) ----------
/** `[web] mode`. */
export const DEFAULT_WEB_MODE: WebMode = 'multi-threaded';
/** `[web] bind to`. */
export const DEFAULT_BIND_TO = '*';
/** `[web] default port`. */
export const DEFAULT_PORT = 19999;
/** `[web] allow connections from`. */
export const DEFAULT_ALLOW_CONNECTIONS_FROM = 'localhost *';
/** `[web] allow dashboard from`. */
export const DEFAULT_ALLOW_DASHBOARD_FROM = 'localhost *';
/** `[web] allow badges from`. */
export const DEFAULT_ALLOW_BADGES_FROM = '*';
/** `[web] allow streaming from`. */
export const DEFAULT_ALLOW_STREAMING_FROM = '*';
/**
 * `[web] allow functions from` (Tributary's; netdata 1.37 answers functions only to its cloud
 * link): who may call plugins' functions, which can reveal much (apps.plugin lists every process).
 */
export const DEFAULT_ALLOW_FUNCTIONS_FROM = 'localhost';
/** `[web] allow netdata.conf from`: private networks only. */
export const DEFAULT_ALLOW_NETDATA_CONF_FROM = 'localhost fd* 10.* 192.168.* ' +
  Array.from({ length: 16 }, (_, i) => `172.${16 + i}.*`).join(' ') + ' UNKNOWN';
/** `[web] disconnect idle clients after seconds`. */
export const DEFAULT_DISCONNECT_IDLE_CLIENTS_AFTER_SECS = 60;
/** `[web] accept a streaming request every seconds`: 0 = no rate limit on STREAM requests. */
export const DEFAULT_ACCEPT_STREAMING_REQUEST_EVERY_SECS = 0;
/** `[web] timeout for first request` (seconds; 1.37's `DEFAULT_TIMEOUT_TO_RECEIVE_FIRST_WEB_REQUEST`). */
export const DEFAULT_TIMEOUT_FOR_FIRST_REQUEST_SECS = 60;
/** `[web] web server max sockets`: 0 = a quarter of the process's open-files limit, as 1.37 computes it. */
export const DEFAULT_WEB_SERVER_MAX_SOCKETS = 0;
/**
 * `[web] query threads` (Tributary's) default: a thread per CPU but one for the main thread, at
 * least 1, as netdata 1.37 sizes its web threads by the CPUs.
 */
export function defaultQueryThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}
/** `[logs] access` default, under the log directory. */
export const DEFAULT_ACCESS_LOG_FILE = 'access.log';
/** The `[logs] access` value that turns the access log off (as 1.37's `none`). */
export const ACCESS_LOG_OFF = 'none';
/** `[web] ssl key` default, under the config directory (1.37 `daemon/main.c`). */
export const DEFAULT_SSL_KEY_FILE = 'ssl/key.pem';
/** `[web] ssl certificate` default, under the config directory. */
export const DEFAULT_SSL_CERTIFICATE_FILE = 'ssl/cert.pem';
/** `[web] tls version`: the highest TLS version offered (1.37: `1.3`). */
export const DEFAULT_TLS_VERSION = '1.3';
/** `[web] tls ciphers`: `none` leaves the TLS library's own list. */
export const DEFAULT_TLS_CIPHERS = 'none';

const WEB_MODES: Readonly<Record<string, WebMode>> = {
  none: 'none',
  'single-threaded': 'single-threaded', single: 'single-threaded',
  'multi-threaded': 'multi-threaded', multi: 'multi-threaded',
  'static-threaded': 'static-threaded', static: 'static-threaded',
};

/**
 * Reads `[web]` (and the `[global]` keys 1.10 moved there). `configDir` is where the default
 * `ssl key` and `ssl certificate` live; `path` resolves a file name the way the config does.
 */
export function readWeb(r: ConfigReader, configDir: string, logDir: string, path: (text: string) => string): WebConfig {
  // 1.10 moved `[global] multi threaded web server` (a boolean) to `[web] mode`.
  const legacyThreaded = r.entry('global', 'multi threaded web server');
  let modeDefault = DEFAULT_WEB_MODE;
  if (legacyThreaded && !r.sections().get('web')?.has('mode')) {
    try {
      modeDefault = parseBoolean(legacyThreaded.value) ? 'multi-threaded' : 'single-threaded';
    } catch (err) {
      r.fail(legacyThreaded, 'global', 'multi threaded web server', (err as Error).message);
    }
  }
  const allow = (key: string, fallback: string): string => r.value('web', key, text, fallback);
  return {
    mode: r.value('web', 'mode', oneOf(WEB_MODES, 'web mode'), modeDefault),
    bindTo: r.read({
      names: [['web', 'bind to'], ['global', 'bind socket to IP'], ['global', 'bind to']],
      shownAt: ['web', 'bind to'], parse: list(), fallback: [DEFAULT_BIND_TO],
    }),
    defaultPort: r.read({
      names: [['web', 'default port'], ['global', 'port'], ['global', 'default port']],
      shownAt: ['web', 'default port'], parse: integer(1, 65535), fallback: DEFAULT_PORT,
    }),
    allowConnectionsFrom: allow('allow connections from', DEFAULT_ALLOW_CONNECTIONS_FROM),
    allowDashboardFrom: allow('allow dashboard from', DEFAULT_ALLOW_DASHBOARD_FROM),
    allowBadgesFrom: allow('allow badges from', DEFAULT_ALLOW_BADGES_FROM),
    allowStreamingFrom: allow('allow streaming from', DEFAULT_ALLOW_STREAMING_FROM),
    allowNetdataConfFrom: allow('allow netdata.conf from', DEFAULT_ALLOW_NETDATA_CONF_FROM),
    allowFunctionsFrom: allow('allow functions from', DEFAULT_ALLOW_FUNCTIONS_FROM),
    disconnectIdleClientsAfterSecs: r.value('web', 'disconnect idle clients after seconds',
      integer(0), DEFAULT_DISCONNECT_IDLE_CLIENTS_AFTER_SECS),
    acceptStreamingRequestEverySecs: r.value('web', 'accept a streaming request every seconds',
      integer(0), DEFAULT_ACCEPT_STREAMING_REQUEST_EVERY_SECS),
    timeoutForFirstRequestSecs: r.value('web', 'timeout for first request', integer(1), DEFAULT_TIMEOUT_FOR_FIRST_REQUEST_SECS),
    webServerMaxSockets: r.value('web', 'web server max sockets', integer(0), DEFAULT_WEB_SERVER_MAX_SOCKETS),
    queryThreads: r.value('web', 'query threads', integer(0), defaultQueryThreads()),
    accessLog: r.read({
      names: [['logs', 'access'], ['global', 'access log']], shownAt: ['logs', 'access'],
      parse: (t: string) => (t.trim() === ACCESS_LOG_OFF ? null : path(t)), fallback: `${logDir}/${DEFAULT_ACCESS_LOG_FILE}`,
    }),
    sslKey: r.value('web', 'ssl key', path, `${configDir}/${DEFAULT_SSL_KEY_FILE}`),
    sslCertificate: r.value('web', 'ssl certificate', path, `${configDir}/${DEFAULT_SSL_CERTIFICATE_FILE}`),
    tlsVersion: r.value('web', 'tls version', oneOf(TLS_VERSIONS, 'tls version'), DEFAULT_TLS_VERSION),
    tlsCiphers: r.value('web', 'tls ciphers', text, DEFAULT_TLS_CIPHERS),
  };
}

/** `tls version` values 1.37 knows (`security.c`), each the highest version it then offers. */
const TLS_VERSIONS: Readonly<Record<string, TlsVersion>> = {
  '1.0': '1.0', '1.1': '1.1', '1.2': '1.2', '1.3': '1.3',
};

// ---- [plugins], [plugin:NAME] (reference §1.1) ----------------------------------------------
/** `[plugins] enable running new plugins`. */
export const DEFAULT_ENABLE_RUNNING_NEW_PLUGINS = true;
/** `[plugins] check for new plugins every` (seconds, min 1). */
export const DEFAULT_CHECK_FOR_NEW_PLUGINS_EVERY_SECS = 60;
/** `[plugins] NAME` defaults to `no` for these (1.37: slabinfo). */
export const PLUGINS_DISABLED_BY_DEFAULT: ReadonlySet<string> = new Set(['slabinfo']);
/** `[plugin:NAME] command options`. */
export const DEFAULT_COMMAND_OPTIONS = '';

/** `[plugins] netdata monitoring` (1.37): the agent's own `netdata.*` charts. */
export const DEFAULT_NETDATA_MONITORING = true;

const ENABLE_NEW = 'enable running new plugins';
const CHECK_EVERY = 'check for new plugins every';
const NETDATA_MONITORING = 'netdata monitoring';

/** Reads `[plugins]` and every `[plugin:NAME]`. */
export function readPlugins(r: ConfigReader, global: GlobalConfig): PluginsConfig {
  const enableRunningNewPlugins = r.value('plugins', ENABLE_NEW, parseBoolean, DEFAULT_ENABLE_RUNNING_NEW_PLUGINS);
  const checkForNewPluginsEverySecs = r.value('plugins', CHECK_EVERY, integer(1), DEFAULT_CHECK_FOR_NEW_PLUGINS_EVERY_SECS);
  const netdataMonitoring = r.value('plugins', NETDATA_MONITORING, parseBoolean, DEFAULT_NETDATA_MONITORING);
  const enabled = new Map<string, boolean>();
  for (const [name, entry] of r.sections().get('plugins') ?? []) {
    if (name === ENABLE_NEW || name === CHECK_EVERY || name === NETDATA_MONITORING) continue;
    try {
      enabled.set(name, parseBoolean(entry.value));
    } catch (err) {
      if (!(err instanceof BadValue)) throw err;
      r.fail(entry, 'plugins', name, err.message);
    }
  }
  const fallback: PluginConfig = Object.freeze({ updateEverySecs: global.updateEverySecs, commandOptions: DEFAULT_COMMAND_OPTIONS });
  const perPlugin = new Map<string, PluginConfig>();
  for (const section of r.sections().keys()) {
    if (!section.startsWith('plugin:')) continue;
    perPlugin.set(section.slice('plugin:'.length), Object.freeze({
      updateEverySecs: r.value(section, 'update every', integer(1), global.updateEverySecs),
      commandOptions: r.value(section, 'command options', text, DEFAULT_COMMAND_OPTIONS),
    }));
  }
  return Object.freeze({
    enableRunningNewPlugins,
    checkForNewPluginsEverySecs,
    netdataMonitoring,
    isEnabled: (name: string) =>
      enabled.get(name) ?? (PLUGINS_DISABLED_BY_DEFAULT.has(name) ? false : enableRunningNewPlugins),
    plugin: (name: string) => perPlugin.get(name) ?? fallback,
  });
}

// ---- [health] (reference §8) -----------------------------------------------------------------
/** `[health] enabled`. */
export const DEFAULT_HEALTH_ENABLED = true;
/** `[health] in memory max health log entries` (netdata raises anything below 10 to 10). */
export const DEFAULT_IN_MEMORY_MAX_HEALTH_LOG_ENTRIES = 1000;
/** The smallest `in memory max health log entries` accepted. */
export const MIN_IN_MEMORY_MAX_HEALTH_LOG_ENTRIES = 10;
/** `[health] script to execute on alarm`: this file in the first plugins directory. */
export const ALARM_NOTIFY_SCRIPT = 'alarm-notify.sh';
/** `[health] run at least every seconds`. */
export const DEFAULT_RUN_AT_LEAST_EVERY_SECS = 10;
/** `[health] default repeat warning` and `default repeat critical`: `never` (0). */
export const DEFAULT_REPEAT_SECS = 0;

/** `[health] silent child alarm after seconds`: scaled to each host's update every. */
export const DEFAULT_SILENT_CHILD_ALARM_AFTER: number | 'auto' = 'auto';
/** `[health] notification owner`: netdata's behaviour, every node notifies. */
export const DEFAULT_NOTIFICATION_OWNER: NotificationOwnerRule = 'every node';

const NOTIFICATION_OWNER_RULES: Readonly<Record<string, NotificationOwnerRule>> = {
  'every node': 'every node', all: 'every node',
  'top connected node': 'top connected node', top: 'top connected node',
};

/** `auto` or a duration (0 or `never` = off). */
function silentAfter(text: string): number | 'auto' {
  return text === 'auto' ? 'auto' : duration(text);
}

/** Reads `[health]`; the alarm script defaults into the first plugins directory. */
export function readHealth(r: ConfigReader, global: GlobalConfig, path: (text: string) => string): HealthConfig {
  return {
    enabled: r.value('health', 'enabled', parseBoolean, DEFAULT_HEALTH_ENABLED),
    inMemoryMaxHealthLogEntries: r.value('health', 'in memory max health log entries',
      integer(MIN_IN_MEMORY_MAX_HEALTH_LOG_ENTRIES), DEFAULT_IN_MEMORY_MAX_HEALTH_LOG_ENTRIES),
    scriptToExecuteOnAlarm: r.value('health', 'script to execute on alarm', path,
      `${global.directories.plugins[0]}/${ALARM_NOTIFY_SCRIPT}`),
    runAtLeastEverySecs: r.value('health', 'run at least every seconds', integer(1), DEFAULT_RUN_AT_LEAST_EVERY_SECS),
    defaultRepeatWarningSecs: r.value('health', 'default repeat warning', duration, DEFAULT_REPEAT_SECS, renderDuration),
    defaultRepeatCriticalSecs: r.value('health', 'default repeat critical', duration, DEFAULT_REPEAT_SECS, renderDuration),
    silentChildAlarmAfterSecs: r.value('health', 'silent child alarm after seconds', silentAfter,
      DEFAULT_SILENT_CHILD_ALARM_AFTER, String),
    notificationOwner: r.value('health', 'notification owner', oneOf(NOTIFICATION_OWNER_RULES, 'notification owner'),
      DEFAULT_NOTIFICATION_OWNER),
  };
}

// ---- [backend] (reference §4.1) ---------------------------------------------------------------
/** `[backend] enabled`. */
export const DEFAULT_BACKEND_ENABLED = false;
/** `[backend] type`. */
export const DEFAULT_BACKEND_TYPE: BackendType = 'graphite';
/** `[backend] destination`. */
export const DEFAULT_BACKEND_DESTINATION = 'localhost';
/** `[backend] data source`. */
export const DEFAULT_BACKEND_DATA_SOURCE: BackendDataSource = 'average';
/** `[backend] prefix`. */
export const DEFAULT_BACKEND_PREFIX = 'netdata';
/** `[backend] update every` (seconds). */
export const DEFAULT_BACKEND_UPDATE_EVERY_SECS = 10;
/** `[backend] buffer on failures` (iterations). */
export const DEFAULT_BACKEND_BUFFER_ON_FAILURES = 10;
/** `[backend] timeout ms` = this many update-every intervals. */
export const BACKEND_TIMEOUT_INTERVALS = 2;
/** `[backend] send names instead of ids`. */
export const DEFAULT_BACKEND_SEND_NAMES = true;
/** `[backend] send charts matching`. */
export const DEFAULT_BACKEND_SEND_CHARTS_MATCHING = '*';
/** `[backend] send hosts matching`. */
export const DEFAULT_BACKEND_SEND_HOSTS_MATCHING = 'localhost *';

const BACKEND_TYPES: Readonly<Record<string, BackendType>> = {
  graphite: 'graphite', 'graphite:plaintext': 'graphite',
  opentsdb: 'opentsdb', 'opentsdb:telnet': 'opentsdb',
  json: 'json', 'json:plaintext': 'json',
};

const DATA_SOURCES: Readonly<Record<string, BackendDataSource>> = {
  'as collected': 'as collected', raw: 'as collected', 'as-collected': 'as collected',
  as_collected: 'as collected', ascollected: 'as collected',
  average: 'average', sum: 'sum', volume: 'sum',
};

/** A `data source` name with netdata's aliases (`raw`, `volume`...); undefined when unknown. */
export function backendDataSource(text: string): BackendDataSource | undefined {
  return Object.hasOwn(DATA_SOURCES, text) ? DATA_SOURCES[text] : undefined;
}

/** Reads `[backend]`; `hostname` defaults to `[global] hostname`. */
export function readBackend(r: ConfigReader, global: GlobalConfig): BackendConfig {
  const b = <T>(key: string, parse: (t: string) => T, fallback: T): T => r.value('backend', key, parse, fallback);
  const enabled = b('enabled', parseBoolean, DEFAULT_BACKEND_ENABLED);
  const type = b('type', oneOf(BACKEND_TYPES, 'backend type'), DEFAULT_BACKEND_TYPE);
  const destination = b('destination', list(), [DEFAULT_BACKEND_DESTINATION]);
  const dataSource = b('data source', oneOf(DATA_SOURCES, 'data source'), DEFAULT_BACKEND_DATA_SOURCE);
  const prefix = b('prefix', text, DEFAULT_BACKEND_PREFIX);
  const hostname = b('hostname', text, global.hostname);
  const updateEverySecs = b('update every', integer(1), DEFAULT_BACKEND_UPDATE_EVERY_SECS);
  return {
    enabled,
    type,
    destination,
    dataSource,
    prefix,
    hostname,
    updateEverySecs,
    bufferOnFailures: b('buffer on failures', integer(1), DEFAULT_BACKEND_BUFFER_ON_FAILURES),
    timeoutMs: b('timeout ms', integer(1), updateEverySecs * BACKEND_TIMEOUT_INTERVALS * 1000),
    sendNamesInsteadOfIds: b('send names instead of ids', parseBoolean, DEFAULT_BACKEND_SEND_NAMES),
    sendChartsMatching: b('send charts matching', text, DEFAULT_BACKEND_SEND_CHARTS_MATCHING),
    sendHostsMatching: b('send hosts matching', text, DEFAULT_BACKEND_SEND_HOSTS_MATCHING),
  };
}

/** `[host labels]`: every `name = value` as written. */
export function readHostLabels(r: ConfigReader): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [name, entry] of r.sections().get('host labels') ?? []) labels.set(name, entry.value);
  return labels;
}
