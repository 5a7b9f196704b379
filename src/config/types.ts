/**
 * Typed, frozen configuration: what `netdata.conf` and `stream.conf` mean after parsing, with
 * netdata's defaults filled in (reference §8, §2.9). Parsed once at start-up.
 */
import type { MemoryMode } from '../database/index.js';

/** `[web] mode`. */
export type WebMode = 'none' | 'single-threaded' | 'multi-threaded' | 'static-threaded';

/** One `key = value` as read, with where it came from (for errors and `GET /netdata.conf`). */
export interface ConfigEntry {
  value: string;
  /** The file read, `-W set` for a command-line override, `''` for a default filled in. */
  file: string;
  /** 1-based line in `file` (the override's position for `-W set`, 0 for a default). */
  line: number;
  /** True when netdata's default was filled in (rendered as `# key = value`). */
  isDefault?: boolean;
}

/** A parsed ini-like file: sections in order, keys in order, later keys override earlier. */
export type ConfigDocument = Map<string, Map<string, ConfigEntry>>;

/** Where the agent finds and keeps its files (`[global] ... directory` / `[directories]`), absolute. */
export interface Directories {
  config: string;
  stockConfig: string;
  /** Every plugins directory, first wins for a plugin name. */
  plugins: string[];
  cache: string;
  lib: string;
  log: string;
  web: string;
  /** Stock health.d (bundled) and user health.d. */
  stockHealth: string;
  userHealth: string;
  /** `[directories] lock` / `[global] lock directory` (default `<lib>/lock`): python.d's job locks. */
  lock: string;
  /** `[directories] home` / `[global] home directory`: plugins' HOME (default the agent's HOME, else lib). */
  home: string;
}

/**
 * What netdata.conf says about the environment plugins and alarm notifications run with
 * (reference §1.1), besides the directories: netdata passes these on as NETDATA_* variables.
 */
export interface ProcessEnvironmentConfig {
  /** `[global] host access prefix`: where the host's /proc and /sys are (containers). */
  hostAccessPrefix: string;
  /** `[logs] errors flood protection period` / `[global] ...` (seconds). */
  errorsThrottlePeriodSecs: number;
  /** `[logs] errors to trigger flood protection` / `[global] ...`. */
  errorsPerPeriod: number;
  /** `[logs] debug flags` / `[global] debug flags`, as written (a hex mask). */
  debugFlags: string;
  /** `[global] glibc malloc arena max for plugins`: plugins' MALLOC_ARENA_MAX. */
  mallocArenaMaxForPlugins: number;
  /** `[global] libuv worker threads`: plugins' UV_THREADPOOL_SIZE. */
  libuvWorkerThreads: number;
  /** `[registry] registry hostname` (default `[global] hostname`): NETDATA_REGISTRY_HOSTNAME. */
  registryHostname: string;
  /** `[registry] registry to announce`: NETDATA_REGISTRY_URL. */
  registryToAnnounce: string;
  /** `[environment variables] PATH`, or null for the agent's PATH with netdata's suffix. */
  path: string | null;
  /** `[environment variables] PYTHONPATH`, or null for the agent's. */
  pythonPath: string | null;
  /** `[environment variables] TZ` / `[global] TZ environment variable`, or null for netdata's default. */
  tz: string | null;
}

/** `[global]` (1.10) / `[db]` (1.37). */
export interface GlobalConfig {
  hostname: string;
  /** `[global] timezone`: the zone name this host reports (default: the system's, as netdata finds it). */
  timezone: string;
  historyEntries: number;
  updateEverySecs: number;
  memoryMode: MemoryMode;
  gapWhenLostIterationsAbove: number;
  cleanupOrphanHostsAfterSecs: number;
  /**
   * `[db] max charts`, `[db] max dimensions` (Tributary's): the most charts and dimensions of all
   * hosts together, which bound the agent's memory (docs/memory.md); a new one past them is refused.
   */
  maxCharts: number;
  maxDimensions: number;
  /** `[global] save every seconds` for memory mode save (default 3600; 0 = only at stop). */
  saveEverySecs: number;
  /** `[db] enable replication`, `seconds to replicate`, `seconds per replication step` (1.37). */
  replication: Readonly<ReplicationSettings>;
  directories: Directories;
}

/** How a receiver fills a child's gaps (reference §2.8); `[db]`, then per key and machine in stream.conf. */
export interface ReplicationSettings {
  enabled: boolean;
  /** The oldest a gap may reach back when the parent has nothing for a chart. */
  secondsToReplicate: number;
  /** Most seconds one REPLAY_CHART asks for. */
  stepSecs: number;
}

/** `[web]`. */
export interface WebConfig {
  mode: WebMode;
  /** `bind to` entries, e.g. `*`, `127.0.0.1`, `[::1]:19998`. */
  bindTo: string[];
  defaultPort: number;
  allowConnectionsFrom: string;
  allowDashboardFrom: string;
  allowBadgesFrom: string;
  allowStreamingFrom: string;
  allowNetdataConfFrom: string;
  /** `allow functions from` (Tributary's): who may call plugins' functions (default `localhost`). */
  allowFunctionsFrom: string;
  disconnectIdleClientsAfterSecs: number;
  /** `accept a streaming request every seconds` (reference §2.2); 0 = no limit. */
  acceptStreamingRequestEverySecs: number;
  /** `timeout for first request`: seconds a connection has for its TLS handshake and first request. */
  timeoutForFirstRequestSecs: number;
  /** `web server max sockets`: the most connections the web server holds; 0 = a quarter of the open-files limit. */
  webServerMaxSockets: number;
  /**
   * `query threads`: worker threads answering `/api/v1/data` over the rings in shared memory
   * (default: CPUs minus one, at least 1); 0 = on the main thread.
   */
  queryThreads: number;
  /**
   * `[logs] access` (1.37) / `[global] access log` (1.10): the access log file, absolute (default
   * `<log directory>/access.log`); null for `none`, no access log.
   */
  accessLog: string | null;
  /** `ssl key`: the PEM private key of the web port's TLS, absolute (default `<config>/ssl/key.pem`). */
  sslKey: string;
  /** `ssl certificate`: the PEM certificate (chain) beside it (default `<config>/ssl/cert.pem`). */
  sslCertificate: string;
  /** `tls version`: the highest TLS version the port offers (1.37 `security.c` sets it as the maximum). */
  tlsVersion: TlsVersion;
  /** `tls ciphers`: an OpenSSL cipher list for TLS 1.2 and below, `none` for the default. */
  tlsCiphers: string;
}

/** A `[web] tls version`. */
export type TlsVersion = '1.0' | '1.1' | '1.2' | '1.3';

/** `[plugin:NAME]`. */
export interface PluginConfig {
  updateEverySecs: number;
  commandOptions: string;
}

/** `[plugins]` and every `[plugin:NAME]`. */
export interface PluginsConfig {
  enableRunningNewPlugins: boolean;
  checkForNewPluginsEverySecs: number;
  /** `[plugins] netdata monitoring` (1.37): the agent's own `netdata.*` charts, NETDATA_INTERNALS_MONITORING. */
  netdataMonitoring: boolean;
  /** Is plugin NAME enabled (`[plugins] NAME`, default `enable running new plugins`)? */
  isEnabled(name: string): boolean;
  /** `[plugin:NAME]` with defaults from `[global] update every`. */
  plugin(name: string): PluginConfig;
}

/** `[health]`. */
export interface HealthConfig {
  enabled: boolean;
  inMemoryMaxHealthLogEntries: number;
  scriptToExecuteOnAlarm: string;
  runAtLeastEverySecs: number;
  /** `[health] default repeat warning`: seconds between repeats of a WARNING for alarms
   * without `repeat:`; 0 = never. */
  defaultRepeatWarningSecs: number;
  /** `[health] default repeat critical`, the same for CRITICAL. */
  defaultRepeatCriticalSecs: number;
  /**
   * `[health] silent child alarm after seconds` (Tributary's): a mirrored host that sent nothing
   * for this long raises its `child_silent` alarm; `auto` scales with the host's update every,
   * 0 turns the alarm off.
   */
  silentChildAlarmAfterSecs: number | 'auto';
  /** `[health] notification owner` (Tributary's): which nodes holding a host notify for it. */
  notificationOwner: NotificationOwnerRule;
}

/**
 * `every node`: every node evaluating a host notifies (netdata). `top connected node`: a node
 * stays silent for a host while it forwards the host upstream over an established link.
 */
export type NotificationOwnerRule = 'every node' | 'top connected node';

/** `[backend] type`, aliases resolved. */
export type BackendType = 'graphite' | 'opentsdb' | 'json';
/** `[backend] data source`, aliases resolved. */
export type BackendDataSource = 'as collected' | 'average' | 'sum';

/** `[backend]` (reference §4.1). */
export interface BackendConfig {
  enabled: boolean;
  type: BackendType;
  destination: string[];
  dataSource: BackendDataSource;
  prefix: string;
  hostname: string;
  updateEverySecs: number;
  bufferOnFailures: number;
  timeoutMs: number;
  sendNamesInsteadOfIds: boolean;
  sendChartsMatching: string;
  sendHostsMatching: string;
}

/** Everything `netdata.conf` says, plus the document itself for the effective-config dump. */
export interface NetdataConfig {
  readonly file: string | null;
  readonly global: Readonly<GlobalConfig>;
  readonly web: Readonly<WebConfig>;
  readonly plugins: PluginsConfig;
  readonly health: Readonly<HealthConfig>;
  readonly backend: Readonly<BackendConfig>;
  /** The environment of plugins and notifications (NETDATA_* values besides the directories). */
  readonly environment: Readonly<ProcessEnvironmentConfig>;
  /** `[host labels]` name → value. */
  readonly hostLabels: ReadonlyMap<string, string>;
  /** The document with defaults merged in, in netdata's sections, for `GET /netdata.conf`. */
  readonly document: ConfigDocument;
}

/** stream.conf `health enabled`: `auto` runs health only while the child is connected. */
export type HealthEnabled = 'yes' | 'no' | 'auto';

/** `[stream]`: this node as a sender. */
export interface StreamSenderConfig {
  enabled: boolean;
  destination: string[];
  /**
   * `also send to` (this agent's own key): more parents that get the same stream at once, each
   * entry a link of its own beside `destination`'s (which keeps netdata's failover meaning).
   */
  alsoSendTo: string[];
  apiKey: string;
  timeoutSecs: number;
  defaultPort: number;
  bufferSizeBytes: number;
  reconnectDelaySecs: number;
  initialClockResyncIterations: number;
  sendChartsMatching: string;
  /** `enable spool` (this agent's own key): a sender whose host keeps no database spools to disk. */
  enableSpool: boolean;
  /** `spool directory`, absolute (default `<[directories] cache>/stream-spool`). */
  spoolDirectory: string;
  /** `spool size bytes`: the most one sender's spool keeps on disk. */
  spoolSizeBytes: number;
  /** `ssl skip certificate verification`: accept a parent's certificate that does not verify. */
  sslSkipCertificateVerification: boolean;
  /** `CApath`: a directory of trusted CA certificates for `:SSL` destinations; null = the system's. */
  caPath: string | null;
  /** `CAfile`: a PEM file of trusted CA certificates for `:SSL` destinations; null = the system's. */
  caFile: string | null;
  /**
   * Compression levels of the later netdata algorithms (1.44 `[stream] zstd compression level`,
   * `lz4 compression acceleration`, `brotli compression level`, `gzip compression level`).
   */
  compressionLevels: Readonly<CompressionLevels>;
  /**
   * `enable compression`: offer netdata 1.37's lz4 to parents; as a receiver, allow it at all
   * (a key's or machine's own `enable compression` can only turn it off then).
   */
  enableCompression: boolean;
}

/** What the receiver applies to one host, resolved GUID section > API key defaults > netdata.conf. */
export interface ReceiverHostSettings {
  enabled: boolean;
  allowFrom: string;
  historyEntries: number;
  memoryMode: MemoryMode;
  healthEnabled: HealthEnabled;
  postponeAlarmsOnConnectSecs: number;
  updateEverySecs: number | null;
  proxyEnabled: boolean;
  proxyDestination: string[];
  /** `proxy also send to` (this agent's own key): more parents the host is re-streamed to at once. */
  proxyAlsoSendTo: string[];
  proxyApiKey: string;
  proxySendChartsMatching: string;
  multipleConnections: 'allow' | 'deny';
  enableReplication: boolean;
  secondsToReplicate: number;
  secondsPerReplicationStep: number;
  /** `enable compression` of the GUID, else the key, else `[stream]`; and always `[stream]`'s (1.37). */
  enableCompression: boolean;
  /**
   * `compression algorithms order` of the GUID, else the key (1.44; not read in `[stream]`):
   * the receiver picks the first of these both ends have.
   */
  compressionAlgorithmsOrder: readonly CompressionAlgorithm[];
}

/** A stream compression algorithm, by netdata's name. */
export type CompressionAlgorithm = 'zstd' | 'lz4' | 'brotli' | 'gzip';

/** A level per algorithm (lz4's is its acceleration). */
export type CompressionLevels = Record<CompressionAlgorithm, number>;

/** One `[API_KEY]` section of stream.conf. */
export interface ApiKeyConfig {
  key: string;
  enabled: boolean;
  allowFrom: string;
}

/** Everything `stream.conf` says (reference §2.9). */
export interface StreamConfig {
  readonly file: string | null;
  readonly sender: Readonly<StreamSenderConfig>;
  /** The `[API_KEY]` section (type api), undefined when absent. */
  apiKey(key: string): Readonly<ApiKeyConfig> | undefined;
  /** Whether a `[MACHINE_GUID]` section exists and its own enabled / allow from. */
  machine(guid: string): { enabled: boolean; allowFrom: string } | undefined;
  /** Settings for a host arriving with `apiKey` and `machineGuid`. */
  resolveHost(apiKey: string, machineGuid: string): Readonly<ReceiverHostSettings>;
  /**
   * Whether some host may resolve `proxyEnabled`: `[stream] enabled` (the proxy default) or a
   * section that turns `proxy enabled` on. When false, no host this node receives is proxied.
   */
  readonly mayProxy: boolean;
}

/** A bad config value or key: names file, line, section and key. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly section: string,
    readonly key: string,
    message: string,
  ) {
    super(`${file}:${line}: [${section}]${key ? ` '${key}'` : ''}: ${message}`);
    this.name = 'ConfigError';
  }
}
