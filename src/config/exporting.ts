/**
 * `exporting.conf` as netdata 1.37 reads it (`exporting/read_config.c`,
 * `libnetdata/config/appconfig.c` @1.37; reference §8): `[exporting:global]` holds the defaults of
 * every instance, `[prometheus:exporter]` the `/api/v1/allmetrics` settings, and every other
 * section is one instance, `[TYPE:NAME]`, split at its last `:` (`[graphite:http:web]` is a
 * `graphite:http` instance named `web`; `[graphite:]` is named `instance_N`). A key is looked up
 * in the instance's section, then in `[exporting:global]`, then netdata's default.
 *
 * The file is `exporting.conf` in the user config directory, else in the stock one, else there
 * is none and nothing is exported (netdata's order). Where netdata logs and goes on (a section
 * naming no connector, a bad number), this reader reports a `ConfigError` with file and line.
 * The keys below `disk queue ...` and `destinations mode` are this agent's own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readConfigFile, type ParsedConfig } from './document.js';
import { backendDataSource } from './netdata-sections.js';
import { ConfigReader, configErrors } from './reader.js';
import { BadValue, integer, list, oneOf, parseBoolean, text } from './values.js';
import type { BackendDataSource, ConfigError, NetdataConfig } from './types.js';

/** The file's name (`EXPORTING_CONF`). */
export const EXPORTING_CONF = 'exporting.conf';
/** The defaults section (`CONFIG_SECTION_EXPORTING`). */
export const EXPORTING_GLOBAL_SECTION = 'exporting:global';
/** The allmetrics section (`CONFIG_SECTION_PROMETHEUS`). */
export const PROMETHEUS_EXPORTER_SECTION = 'prometheus:exporter';

/** `enabled`: an instance is off unless it (or `[exporting:global]`) says yes. */
export const DEFAULT_EXPORTING_ENABLED = false;
/** `destination` (kinesis: `us-east-1`, pubsub: `pubsub.googleapis.com`). */
export const DEFAULT_EXPORTING_DESTINATION = 'localhost';
/** `data source`. */
export const DEFAULT_EXPORTING_DATA_SOURCE: BackendDataSource = 'average';
/** `prefix`. */
export const DEFAULT_EXPORTING_PREFIX = 'netdata';
/** `update every` (`EXPORTING_UPDATE_EVERY_DEFAULT`, seconds). */
export const DEFAULT_EXPORTING_UPDATE_EVERY_SECS = 10;
/** `buffer on failures` (iterations). */
export const DEFAULT_EXPORTING_BUFFER_ON_FAILURES = 10;
/** `timeout ms` (1.37's fixed default, where 1.10 derived it from update every). */
export const DEFAULT_EXPORTING_TIMEOUT_MS = 10_000;
/** `send charts matching`. */
export const DEFAULT_EXPORTING_SEND_CHARTS_MATCHING = '*';
/** `send hosts matching`. */
export const DEFAULT_EXPORTING_SEND_HOSTS_MATCHING = 'localhost *';
/** `send names instead of ids`. */
export const DEFAULT_EXPORTING_SEND_NAMES = true;
/** `send configured labels`. */
export const DEFAULT_EXPORTING_SEND_CONFIGURED_LABELS = true;
/** `send automatic labels`. */
export const DEFAULT_EXPORTING_SEND_AUTOMATIC_LABELS = false;
/** `send variables`. */
export const DEFAULT_EXPORTING_SEND_VARIABLES = true;
/** `remote write URL path`. */
export const DEFAULT_REMOTE_WRITE_URL_PATH = '/receive';
/** `disk queue size bytes` (this agent's own): 0 keeps netdata's memory buffer only. */
export const DEFAULT_DISK_QUEUE_SIZE_BYTES = 64 * 1024 * 1024;
/** The smallest non-zero `disk queue size bytes`. */
export const MIN_DISK_QUEUE_SIZE_BYTES = 64 * 1024;
/** `disk queue directory` default: this folder under `[directories] cache`, one folder per instance. */
export const DEFAULT_DISK_QUEUE_DIRECTORY_NAME = 'exporting-queue';
/** `destinations mode` (this agent's own): netdata's failover. */
export const DEFAULT_DESTINATIONS_MODE: DestinationsMode = 'failover';
/** netdata's `CONFIG_MAX_NAME`: longest section name kept. */
export const MAX_SECTION_NAME_CHARS = 1024;

/** A connector type with netdata's aliases resolved (`graphite:plaintext` → `graphite`). */
export type ExportingConnectorType =
  | 'graphite' | 'graphite:http' | 'json' | 'json:http' | 'opentsdb' | 'opentsdb:http'
  | 'prometheus_remote_write' | 'kinesis' | 'pubsub' | 'mongodb';

/** How an instance with several destinations uses them. */
export type DestinationsMode = 'failover' | 'replicate' | 'shard';

/** One `[TYPE:NAME]` section, every key resolved through `[exporting:global]` and the defaults. */
export interface ExportingInstanceConfig {
  /** The instance's name (`NAME`). */
  name: string;
  /** The connector type as written (`graphite:https`), for log lines. */
  typeName: string;
  type: ExportingConnectorType;
  /** An `:https` type. */
  tls: boolean;
  enabled: boolean;
  destination: string[];
  dataSource: BackendDataSource;
  prefix: string;
  hostname: string;
  updateEverySecs: number;
  bufferOnFailures: number;
  timeoutMs: number;
  sendHostsMatching: string;
  sendChartsMatching: string;
  sendNamesInsteadOfIds: boolean;
  sendConfiguredLabels: boolean;
  sendAutomaticLabels: boolean;
  sendVariables: boolean;
  /** Basic authentication of the HTTP connectors ('' = none). */
  username: string;
  password: string;
  /** `remote write URL path` (prometheus_remote_write only). */
  remoteWriteUrlPath: string;
  /** Most bytes the instance's disk queue keeps; 0 = no disk queue. */
  diskQueueSizeBytes: number;
  /** The instance's own queue directory: `disk queue directory` + `/` + the instance's name. */
  diskQueueDirectory: string;
  destinationsMode: DestinationsMode;
  /** Where the section header is (for messages). */
  file: string;
  line: number;
}

/** `[prometheus:exporter]`: the defaults of `/api/v1/allmetrics?format=prometheus`. */
export interface PrometheusExporterConfig {
  updateEverySecs: number;
  dataSource: BackendDataSource;
  sendNamesInsteadOfIds: boolean;
  sendConfiguredLabels: boolean;
  sendAutomaticLabels: boolean;
  sendChartsMatching: string;
  sendHostsMatching: string;
  prefix: string;
}

/** The whole file. */
export interface ExportingConfig {
  /** The file read, or null when neither the user's nor the stock one exists. */
  readonly file: string | null;
  /** `[exporting:global] hostname`. */
  readonly hostname: string;
  readonly prometheusExporter: Readonly<PrometheusExporterConfig>;
  /** Every instance section in file order, enabled or not. */
  readonly instances: ReadonlyArray<Readonly<ExportingInstanceConfig>>;
}

/** The types netdata accepts in a section name, with their aliases (`exporting_select_type`). */
const CONNECTOR_TYPES: Readonly<Record<string, ExportingConnectorType>> = {
  graphite: 'graphite', 'graphite:plaintext': 'graphite',
  'graphite:http': 'graphite:http', 'graphite:https': 'graphite:http',
  json: 'json', 'json:plaintext': 'json',
  'json:http': 'json:http', 'json:https': 'json:http',
  opentsdb: 'opentsdb', 'opentsdb:telnet': 'opentsdb',
  'opentsdb:http': 'opentsdb:http', 'opentsdb:https': 'opentsdb:http',
  prometheus_remote_write: 'prometheus_remote_write',
  'prometheus_remote_write:http': 'prometheus_remote_write',
  'prometheus_remote_write:https': 'prometheus_remote_write',
  kinesis: 'kinesis', 'kinesis:plaintext': 'kinesis',
  pubsub: 'pubsub', 'pubsub:plaintext': 'pubsub',
  mongodb: 'mongodb', 'mongodb:plaintext': 'mongodb',
};

const DESTINATIONS_MODES: Readonly<Record<string, DestinationsMode>> = {
  failover: 'failover', replicate: 'replicate', shard: 'shard',
};

/** Keys 1.37 reads for one connector type only (accepted, unused where this agent lacks it). */
const CONNECTOR_KEYS: Readonly<Partial<Record<ExportingConnectorType, readonly string[]>>> = {
  kinesis: ['stream name', 'aws_access_key_id', 'aws_secret_access_key'],
  pubsub: ['credentials file', 'project id', 'topic id'],
  mongodb: ['database', 'collection'],
};

/** Keys every instance has (and `[exporting:global]` may default). */
const INSTANCE_KEYS = [
  'enabled', 'destination', 'data source', 'prefix', 'hostname', 'update every', 'buffer on failures',
  'timeout ms', 'send hosts matching', 'send charts matching', 'send names instead of ids',
  'send configured labels', 'send automatic labels', 'send variables', 'username', 'password',
  'remote write URL path', 'disk queue size bytes', 'disk queue directory', 'destinations mode',
] as const;

const PROMETHEUS_EXPORTER_KEYS = [
  'update every', 'data source', 'send names instead of ids', 'send configured labels',
  'send automatic labels', 'send charts matching', 'send hosts matching', 'prefix',
];

/** A section header's instance: `TYPE` and `NAME` split at the last `:`, or why not. */
export function parseInstanceSection(section: string, ordinal: number): { typeName: string; name: string } | string {
  const colon = section.lastIndexOf(':');
  if (colon < 0) return `section [${section}] does not specify a valid connector (expected [TYPE:NAME])`;
  const typeName = section.slice(0, colon);
  if (!Object.hasOwn(CONNECTOR_TYPES, typeName)) {
    const types = Object.keys(CONNECTOR_TYPES).join(', ');
    return `section [${section}] does not specify a valid connector: unknown type '${typeName}' (expected one of: ${types})`;
  }
  const name = section.slice(colon + 1) || `instance_${ordinal}`;
  return { typeName, name: name.slice(0, MAX_SECTION_NAME_CHARS) };
}

/** Where 1.37 finds the file: the user config directory, else the stock one; null if neither. */
export function exportingConfigFile(netdata: NetdataConfig): string | null {
  const dirs = netdata.global.directories;
  for (const dir of [dirs.config, dirs.stockConfig]) {
    const file = path.join(dir, EXPORTING_CONF);
    if (existsSync(file)) return file;
  }
  return null;
}

/** The file with every problem found. */
export interface ExportingConfigResult {
  config: ExportingConfig;
  errors: ConfigError[];
}

function dataSource(value: string): BackendDataSource {
  const source = backendDataSource(value);
  if (!source) throw new BadValue(`invalid data source '${value}' (expected as collected, raw, average, sum or volume)`);
  return source;
}

function urlPath(value: string): string {
  if (!value.startsWith('/')) throw new BadValue(`expected a path starting with '/', got '${value}'`);
  return value;
}

function diskQueueBytes(value: string): number {
  const bytes = integer(0)(value);
  if (bytes !== 0 && bytes < MIN_DISK_QUEUE_SIZE_BYTES) {
    throw new BadValue(`must be 0 (no disk queue) or at least ${MIN_DISK_QUEUE_SIZE_BYTES}, got ${bytes}`);
  }
  return bytes;
}

/**
 * Reads `file` (null: nothing to export) with `netdata`'s hostname and cache directory for the
 * defaults, and reports every problem with its file and line.
 */
export function readExportingConfig(file: string | null, netdata: NetdataConfig): ExportingConfigResult {
  const parsed: ParsedConfig = file === null
    ? { document: new Map(), sectionLines: new Map(), errors: [] }
    : readConfigFile(file);
  const r = new ConfigReader(parsed, file ?? EXPORTING_CONF);
  const g = <T>(key: string, parse: (t: string) => T, fallback: T): T => r.value(EXPORTING_GLOBAL_SECTION, key, parse, fallback);
  r.markKnown(EXPORTING_GLOBAL_SECTION, INSTANCE_KEYS);
  const hostname = g('hostname', text, netdata.global.hostname);
  const globalUpdateEvery = g('update every', integer(1), DEFAULT_EXPORTING_UPDATE_EVERY_SECS);
  const prometheusExporter = readPrometheusExporter(r);
  const instances: ExportingInstanceConfig[] = [];
  const names = new Map<string, string>();
  let ordinal = 0;
  for (const section of parsed.document.keys()) {
    if (section === EXPORTING_GLOBAL_SECTION || section === PROMETHEUS_EXPORTER_SECTION) continue;
    const origin = parsed.sectionLines.get(section);
    const parsedName = parseInstanceSection(section, ordinal + 1);
    if (typeof parsedName === 'string') {
      r.fail(origin, section, '', parsedName);
      r.markKnown(section, parsed.document.get(section)!.keys());
      continue;
    }
    ordinal++;
    const other = names.get(parsedName.name);
    if (other !== undefined) {
      r.fail(origin, section, '', `instance '${parsedName.name}' already exists (section [${other}])`);
      r.markKnown(section, parsed.document.get(section)!.keys());
      continue;
    }
    names.set(parsedName.name, section);
    instances.push(readInstance(r, section, parsedName, { hostname, globalUpdateEvery, netdata, origin }));
  }
  r.reportUnknown(() => false, EXPORTING_CONF);
  const config: ExportingConfig = {
    file, hostname, prometheusExporter: Object.freeze(prometheusExporter),
    instances: Object.freeze(instances.map((i) => Object.freeze(i))),
  };
  // a bad `[exporting:global]` value is read once per section that falls back to it: report it once
  const errors = r.errors.filter((e, i, all) => all.findIndex((o) => o.message === e.message) === i);
  return { config: Object.freeze(config), errors };
}

/** Loads the file 1.37 would read; throws an `AggregateError` of `ConfigError`s. */
export function loadExportingConfig(netdata: NetdataConfig, file = exportingConfigFile(netdata)): ExportingConfig {
  const { config, errors } = readExportingConfig(file, netdata);
  if (errors.length > 0) throw configErrors(file ?? EXPORTING_CONF, errors);
  return config;
}

interface InstanceContext {
  hostname: string;
  globalUpdateEvery: number;
  netdata: NetdataConfig;
  origin: { file: string; line: number } | undefined;
}

function readInstance(
  r: ConfigReader, section: string, id: { typeName: string; name: string }, ctx: InstanceContext,
): ExportingInstanceConfig {
  const type = CONNECTOR_TYPES[id.typeName]!;
  r.markKnown(section, CONNECTOR_KEYS[type] ?? []);
  const get = <T>(key: string, parse: (t: string) => T, fallback: T): T =>
    r.read({ names: [[section, key], [EXPORTING_GLOBAL_SECTION, key]], shownAt: [section, key], parse, fallback });
  const defaultDestination = type === 'kinesis' ? 'us-east-1' : type === 'pubsub' ? 'pubsub.googleapis.com' : DEFAULT_EXPORTING_DESTINATION;
  const cacheDir = ctx.netdata.global.directories.cache;
  return {
    name: id.name,
    typeName: id.typeName,
    type,
    tls: id.typeName.endsWith(':https'),
    enabled: get('enabled', parseBoolean, DEFAULT_EXPORTING_ENABLED),
    destination: get('destination', list(), [defaultDestination]),
    dataSource: get('data source', dataSource, DEFAULT_EXPORTING_DATA_SOURCE),
    prefix: get('prefix', text, DEFAULT_EXPORTING_PREFIX),
    hostname: get('hostname', text, ctx.hostname),
    updateEverySecs: get('update every', integer(1), ctx.globalUpdateEvery),
    bufferOnFailures: get('buffer on failures', integer(1), DEFAULT_EXPORTING_BUFFER_ON_FAILURES),
    timeoutMs: get('timeout ms', integer(1), DEFAULT_EXPORTING_TIMEOUT_MS),
    sendHostsMatching: get('send hosts matching', text, DEFAULT_EXPORTING_SEND_HOSTS_MATCHING),
    sendChartsMatching: get('send charts matching', text, DEFAULT_EXPORTING_SEND_CHARTS_MATCHING),
    sendNamesInsteadOfIds: get('send names instead of ids', parseBoolean, DEFAULT_EXPORTING_SEND_NAMES),
    sendConfiguredLabels: get('send configured labels', parseBoolean, DEFAULT_EXPORTING_SEND_CONFIGURED_LABELS),
    sendAutomaticLabels: get('send automatic labels', parseBoolean, DEFAULT_EXPORTING_SEND_AUTOMATIC_LABELS),
    sendVariables: get('send variables', parseBoolean, DEFAULT_EXPORTING_SEND_VARIABLES),
    username: get('username', text, ''),
    password: get('password', text, ''),
    remoteWriteUrlPath: get('remote write URL path', urlPath, DEFAULT_REMOTE_WRITE_URL_PATH),
    diskQueueSizeBytes: get('disk queue size bytes', diskQueueBytes, DEFAULT_DISK_QUEUE_SIZE_BYTES),
    diskQueueDirectory: path.join(
      get('disk queue directory', absolutePath, path.join(cacheDir, DEFAULT_DISK_QUEUE_DIRECTORY_NAME)),
      id.name.replace(UNSAFE_FILE_NAME_CHARS, '_')),
    destinationsMode: get('destinations mode', oneOf(DESTINATIONS_MODES, 'destinations mode'), DEFAULT_DESTINATIONS_MODE),
    file: ctx.origin?.file ?? '',
    line: ctx.origin?.line ?? 0,
  };
}

/** What an instance's name may not carry into its queue folder's name. */
const UNSAFE_FILE_NAME_CHARS = /[^A-Za-z0-9._-]/g;

function absolutePath(value: string): string {
  if (!path.isAbsolute(value)) throw new BadValue(`expected an absolute path, got '${value}'`);
  return value;
}

function readPrometheusExporter(r: ConfigReader): PrometheusExporterConfig {
  r.markKnown(PROMETHEUS_EXPORTER_SECTION, PROMETHEUS_EXPORTER_KEYS);
  const p = <T>(key: string, parse: (t: string) => T, fallback: T): T =>
    r.read({ names: [[PROMETHEUS_EXPORTER_SECTION, key], [EXPORTING_GLOBAL_SECTION, key]], shownAt: [PROMETHEUS_EXPORTER_SECTION, key], parse, fallback });
  return {
    updateEverySecs: p('update every', integer(1), DEFAULT_EXPORTING_UPDATE_EVERY_SECS),
    dataSource: p('data source', dataSource, DEFAULT_EXPORTING_DATA_SOURCE),
    sendNamesInsteadOfIds: p('send names instead of ids', parseBoolean, DEFAULT_EXPORTING_SEND_NAMES),
    sendConfiguredLabels: p('send configured labels', parseBoolean, DEFAULT_EXPORTING_SEND_CONFIGURED_LABELS),
    sendAutomaticLabels: p('send automatic labels', parseBoolean, DEFAULT_EXPORTING_SEND_AUTOMATIC_LABELS),
    sendChartsMatching: p('send charts matching', text, DEFAULT_EXPORTING_SEND_CHARTS_MATCHING),
    sendHostsMatching: p('send hosts matching', text, DEFAULT_EXPORTING_SEND_HOSTS_MATCHING),
    prefix: p('prefix', text, DEFAULT_EXPORTING_PREFIX),
  };
}
