/**
 * `stream.conf` into a frozen `StreamConfig` (reference §2.9, §2.6). `[stream]` configures this
 * node as a sender; every other section is an API key or a machine GUID. A section's role
 * comes from `type = api|machine` (1.37) or, without `type` (1.10), from how it is looked up: a
 * key lookup reads the section named by the key, a GUID lookup the section named by the GUID.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { error } from '../log.js';
import type { MemoryMode } from '../database/index.js';
import { readConfigFile, type ParsedConfig } from './document.js';
import { ConfigReader, configErrors } from './reader.js';
import {
  BadValue, integer, list, oneOf, parseBoolean, parseMemoryMode, text,
} from './values.js';
import type {
  ApiKeyConfig, CompressionAlgorithm, CompressionLevels, ConfigError, HealthEnabled, NetdataConfig,
  ReceiverHostSettings, StreamConfig, StreamSenderConfig,
} from './types.js';

// ---- [stream] -----------------------------------------------------------------------------------
/** `[stream] enabled`. */
export const DEFAULT_STREAM_ENABLED = false;
/** `[stream] timeout seconds` (the value netdata ships in stream.conf). */
export const DEFAULT_STREAM_TIMEOUT_SECS = 60;
/** `[stream] default port`. */
export const DEFAULT_STREAM_PORT = 19999;
/** `[stream] buffer size bytes` (1.37's 10 MiB; 1.10 had 1 MiB). */
export const DEFAULT_STREAM_BUFFER_SIZE_BYTES = 10 * 1024 * 1024;
/** `[stream] reconnect delay seconds`. */
export const DEFAULT_RECONNECT_DELAY_SECS = 5;
/** `[stream] initial clock resync iterations`. */
export const DEFAULT_INITIAL_CLOCK_RESYNC_ITERATIONS = 60;
/** `[stream] send charts matching`. */
export const DEFAULT_STREAM_SEND_CHARTS_MATCHING = '*';
/** The most parents `[stream] also send to` may name: each is a link with its own buffer and spool. */
export const MAX_ALSO_SEND_TO = 16;
/** `[stream] enable spool` (this agent's own; netdata keeps nothing while the parent is away). */
export const DEFAULT_ENABLE_SPOOL = true;
/** `[stream] spool directory` default: this folder under `[directories] cache`. */
export const DEFAULT_SPOOL_DIRECTORY_NAME = 'stream-spool';
/** `[stream] spool size bytes`: about 55 minutes of 1,000 dimensions collected every second. */
export const DEFAULT_SPOOL_SIZE_BYTES = 16 * 1024 * 1024;
/** The smallest `spool size bytes` accepted: a few seconds of a small collector (tests of a full spool). */
export const MIN_SPOOL_SIZE_BYTES = 16 * 1024;
/** `[stream] enable compression` (1.37's `default_compression_enabled`): lz4 where the peer has it. */
export const DEFAULT_ENABLE_COMPRESSION = true;
/** `[stream] ssl skip certificate verification`. */
export const DEFAULT_SSL_SKIP_CERTIFICATE_VERIFICATION = false;
/**
 * `[stream] zstd compression level`, `lz4 compression acceleration`, `brotli compression level`,
 * `gzip compression level`: netdata 1.44's defaults (`compression.c`), but zstd 1 (1.44: 3),
 * which bench/compression.ts measures smaller, at half the CPU and a quarter of the parent's
 * window memory on a stream's text (docs/compression.md).
 */
export const DEFAULT_COMPRESSION_LEVELS: Readonly<CompressionLevels> = Object.freeze({ zstd: 1, lz4: 1, brotli: 3, gzip: 1 });
/** `compression algorithms order` (1.44's `RRDPUSH_COMPRESSION_ALGORITHMS_ORDER`). */
export const DEFAULT_COMPRESSION_ALGORITHMS_ORDER: readonly CompressionAlgorithm[] = Object.freeze(['zstd', 'lz4', 'brotli', 'gzip']);

// ---- [API_KEY] and [MACHINE_GUID] ---------------------------------------------------------------
/** `[API_KEY] enabled`: an unknown or unset key is refused. */
export const DEFAULT_API_KEY_ENABLED = false;
/** `[MACHINE_GUID] enabled` (code default; netdata's shipped example says no). */
export const DEFAULT_MACHINE_ENABLED = true;
/** `allow from` of both. */
export const DEFAULT_ALLOW_FROM = '*';
/** `health enabled by default` / `health enabled` when `[health] enabled` is yes. */
export const DEFAULT_HOST_HEALTH_ENABLED: HealthEnabled = 'auto';
/** `default postpone alarms on connect seconds` / `postpone alarms on connect seconds`. */
export const DEFAULT_POSTPONE_ALARMS_ON_CONNECT_SECS = 60;
/** `[MACHINE_GUID] multiple connections` (1.10). */
export const DEFAULT_MULTIPLE_CONNECTIONS = 'allow';

const SECTION_TYPES = { api: 'api', machine: 'machine' } as const;
type SectionType = 'api' | 'machine';

const HEALTH_WORDS: Readonly<Record<string, HealthEnabled>> = { auto: 'auto', 'on demand': 'auto' };
const MULTIPLE_CONNECTIONS: Readonly<Record<string, 'allow' | 'deny'>> = {
  allow: 'allow', permit: 'allow', accept: 'allow', deny: 'deny', reject: 'deny', block: 'deny',
};

/**
 * `compression algorithms order`: netdata's names in the order the receiver prefers them; an
 * algorithm left out is appended in the default order, as 1.44 does, so every one stays usable.
 */
export function parseCompressionOrder(value: string): CompressionAlgorithm[] {
  const order: CompressionAlgorithm[] = [];
  for (const word of value.split(/\s+/).filter(Boolean)) {
    const name = word.toLowerCase() as CompressionAlgorithm;
    if (!DEFAULT_COMPRESSION_ALGORITHMS_ORDER.includes(name)) {
      throw new BadValue(`expected some of ${DEFAULT_COMPRESSION_ALGORITHMS_ORDER.join(' ')}, got '${word}'`);
    }
    if (!order.includes(name)) order.push(name);
  }
  for (const name of DEFAULT_COMPRESSION_ALGORITHMS_ORDER) if (!order.includes(name)) order.push(name);
  return order;
}

function parseHealthEnabled(value: string): HealthEnabled {
  return HEALTH_WORDS[value.toLowerCase()] ?? (parseBoolean(value) ? 'yes' : 'no');
}

/** Host settings a section sets; unset ones fall through to the next level. */
type HostOverrides = { -readonly [K in keyof ReceiverHostSettings]?: ReceiverHostSettings[K] };

interface KeySection {
  type: SectionType | undefined;
  enabled: boolean | undefined;
  allowFrom: string | undefined;
  /** As an API key: the `default ...` keys. */
  defaults: HostOverrides;
  /** As a machine GUID: its own keys. */
  own: HostOverrides;
}

/** Host setting → key name as an API key (`default ...`) and as a machine GUID. */
const HOST_KEYS: ReadonlyArray<[keyof ReceiverHostSettings, string | null, string, (t: string) => unknown]> = [
  ['historyEntries', 'default history', 'history', integer(5)],
  ['memoryMode', 'default memory mode', 'memory mode', parseMemoryMode],
  ['healthEnabled', 'health enabled by default', 'health enabled', parseHealthEnabled],
  ['postponeAlarmsOnConnectSecs', 'default postpone alarms on connect seconds', 'postpone alarms on connect seconds', integer(0)],
  ['updateEverySecs', null, 'update every', integer(1)],
  ['proxyEnabled', 'default proxy enabled', 'proxy enabled', parseBoolean],
  ['proxyDestination', 'default proxy destination', 'proxy destination', list()],
  ['proxyAlsoSendTo', 'default proxy also send to', 'proxy also send to', list(MAX_ALSO_SEND_TO)],
  ['proxyApiKey', 'default proxy api key', 'proxy api key', text],
  ['proxySendChartsMatching', 'default proxy send charts matching', 'proxy send charts matching', text],
  ['multipleConnections', null, 'multiple connections', oneOf(MULTIPLE_CONNECTIONS, 'multiple connections')],
  ['enableReplication', 'enable replication', 'enable replication', parseBoolean],
  ['secondsToReplicate', 'seconds to replicate', 'seconds to replicate', integer(0)],
  ['secondsPerReplicationStep', 'seconds per replication step', 'seconds per replication step', integer(1)],
  // 1.37 reads the same name in both (receiver.c), without `default`
  ['enableCompression', 'enable compression', 'enable compression', parseBoolean],
  ['compressionAlgorithmsOrder', 'compression algorithms order', 'compression algorithms order', parseCompressionOrder],
];

/** Keys netdata 1.37 has in API key and machine sections that this agent does not use. */
const UNUSED_KEY_SECTION_KEYS = [
  'replication_step', 'host tags',
];

/** A loaded stream.conf and every problem found while loading it. */
export interface StreamConfigResult {
  config: StreamConfig;
  errors: ConfigError[];
}

/** Reads `file` (a missing file or `null` means netdata's defaults) and reports every problem. */
export function readStreamConfig(file: string | null, netdata: NetdataConfig): StreamConfigResult {
  const parsed: ParsedConfig = file === null || !existsSync(file)
    ? { document: new Map(), sectionLines: new Map(), errors: [] }
    : readConfigFile(file);
  const r = new ConfigReader(parsed, file ?? '');
  const sender = readSender(r, netdata.global.directories.cache);
  const sections = new Map<string, KeySection>();
  for (const name of parsed.document.keys()) {
    if (name !== 'stream') sections.set(name, readKeySection(r, name));
  }
  r.reportUnknown(() => false, 'stream.conf');
  return { config: Object.freeze(buildStreamConfig(file, sender, sections, netdata)), errors: r.errors };
}

/** Loads stream.conf once at start-up; throws an `AggregateError` of `ConfigError`s. */
export function loadStreamConfig(file: string | null, netdata: NetdataConfig): StreamConfig {
  const { config, errors } = readStreamConfig(file, netdata);
  if (errors.length > 0) throw configErrors(file ?? 'stream.conf', errors);
  return config;
}

/** A directory key's value (resolved by the caller). */
function directoryPath(value: string): string {
  if (value === '') throw new BadValue('expected a path, got an empty value');
  return value;
}

function readSender(r: ConfigReader, cacheDir: string): Readonly<StreamSenderConfig> {
  const s = <T>(key: string, parse: (t: string) => T, fallback: T): T => r.value('stream', key, parse, fallback);
  const sender: StreamSenderConfig = {
    enabled: s('enabled', parseBoolean, DEFAULT_STREAM_ENABLED),
    destination: s('destination', list(), []),
    alsoSendTo: s('also send to', list(MAX_ALSO_SEND_TO), []),
    apiKey: s('api key', text, ''),
    timeoutSecs: s('timeout seconds', integer(1), DEFAULT_STREAM_TIMEOUT_SECS),
    defaultPort: s('default port', integer(1, 65535), DEFAULT_STREAM_PORT),
    bufferSizeBytes: s('buffer size bytes', integer(1024), DEFAULT_STREAM_BUFFER_SIZE_BYTES),
    reconnectDelaySecs: s('reconnect delay seconds', integer(1), DEFAULT_RECONNECT_DELAY_SECS),
    initialClockResyncIterations: s('initial clock resync iterations', integer(0), DEFAULT_INITIAL_CLOCK_RESYNC_ITERATIONS),
    sendChartsMatching: s('send charts matching', text, DEFAULT_STREAM_SEND_CHARTS_MATCHING),
    enableSpool: s('enable spool', parseBoolean, DEFAULT_ENABLE_SPOOL),
    // a relative directory is taken under the cache directory
    spoolDirectory: path.resolve(cacheDir, s('spool directory', directoryPath, path.join(cacheDir, DEFAULT_SPOOL_DIRECTORY_NAME))),
    spoolSizeBytes: s('spool size bytes', integer(MIN_SPOOL_SIZE_BYTES), DEFAULT_SPOOL_SIZE_BYTES),
    enableCompression: s('enable compression', parseBoolean, DEFAULT_ENABLE_COMPRESSION),
    sslSkipCertificateVerification: s('ssl skip certificate verification', parseBoolean, DEFAULT_SSL_SKIP_CERTIFICATE_VERIFICATION),
    caPath: s<string | null>('CApath', directoryPath, null),
    caFile: s<string | null>('CAfile', directoryPath, null),
    compressionLevels: Object.freeze({
      zstd: s('zstd compression level', integer(1, 22), DEFAULT_COMPRESSION_LEVELS.zstd),
      lz4: s('lz4 compression acceleration', integer(1, 65537), DEFAULT_COMPRESSION_LEVELS.lz4),
      brotli: s('brotli compression level', integer(0, 11), DEFAULT_COMPRESSION_LEVELS.brotli),
      gzip: s('gzip compression level', integer(1, 9), DEFAULT_COMPRESSION_LEVELS.gzip),
    }),
  };
  if (sender.enabled && (sender.destination.length === 0 || sender.apiKey === '')) {
    // reference §2.9: netdata disables sending with this message.
    error('STREAM [send]: cannot enable sending thread - information is missing.');
    sender.enabled = false;
  }
  return Object.freeze(sender);
}

function readKeySection(r: ConfigReader, name: string): KeySection {
  const optional = <T>(key: string, parse: (t: string) => T): T | undefined => {
    const entry = r.entry(name, key);
    if (!entry) return undefined;
    try {
      return parse(entry.value);
    } catch (err) {
      if (!(err instanceof BadValue)) throw err;
      r.fail(entry, name, key, err.message);
      return undefined;
    }
  };
  const type = optional('type', oneOf(SECTION_TYPES, 'section type'));
  const section: KeySection = {
    type,
    enabled: optional('enabled', parseBoolean),
    allowFrom: optional('allow from', text),
    defaults: {},
    own: {},
  };
  for (const [field, apiKeyName, machineKeyName, parse] of HOST_KEYS) {
    if (apiKeyName && type !== 'machine') setField(section.defaults, field, optional(apiKeyName, parse));
    if (type !== 'api') setField(section.own, field, optional(machineKeyName, parse));
  }
  r.markKnown(name, UNUSED_KEY_SECTION_KEYS);
  return section;
}

function setField(target: HostOverrides, field: keyof ReceiverHostSettings, value: unknown): void {
  if (value !== undefined) (target as Record<string, unknown>)[field] = value;
}

function buildStreamConfig(
  file: string | null,
  sender: Readonly<StreamSenderConfig>,
  sections: ReadonlyMap<string, KeySection>,
  netdata: NetdataConfig,
): StreamConfig {
  const asApiKey = (key: string): KeySection | undefined => {
    const s = sections.get(key);
    return s && s.type !== 'machine' ? s : undefined;
  };
  const asMachine = (guid: string): KeySection | undefined => {
    const s = sections.get(guid);
    return s && s.type !== 'api' ? s : undefined;
  };
  const base: ReceiverHostSettings = {
    enabled: DEFAULT_MACHINE_ENABLED,
    allowFrom: DEFAULT_ALLOW_FROM,
    historyEntries: netdata.global.historyEntries,
    memoryMode: netdata.global.memoryMode as MemoryMode,
    healthEnabled: netdata.health.enabled ? DEFAULT_HOST_HEALTH_ENABLED : 'no',
    postponeAlarmsOnConnectSecs: DEFAULT_POSTPONE_ALARMS_ON_CONNECT_SECS,
    updateEverySecs: null,
    // reference §2.7 and netdata's shipped stream.conf: proxy defaults are [stream]'s own.
    proxyEnabled: sender.enabled,
    proxyDestination: sender.destination,
    proxyAlsoSendTo: sender.alsoSendTo,
    proxyApiKey: sender.apiKey,
    proxySendChartsMatching: sender.sendChartsMatching,
    multipleConnections: DEFAULT_MULTIPLE_CONNECTIONS,
    enableReplication: netdata.global.replication.enabled,
    secondsToReplicate: netdata.global.replication.secondsToReplicate,
    secondsPerReplicationStep: netdata.global.replication.stepSecs,
    enableCompression: sender.enableCompression,
    compressionAlgorithmsOrder: DEFAULT_COMPRESSION_ALGORITHMS_ORDER,
  };
  const sectionProxies = [...sections.values()].some((s) => s.defaults.proxyEnabled === true || s.own.proxyEnabled === true);
  return {
    file,
    sender,
    mayProxy: sender.enabled || sectionProxies,
    apiKey(key: string): Readonly<ApiKeyConfig> | undefined {
      const s = asApiKey(key);
      if (!s) return undefined;
      return Object.freeze({ key, enabled: s.enabled ?? DEFAULT_API_KEY_ENABLED, allowFrom: s.allowFrom ?? DEFAULT_ALLOW_FROM });
    },
    machine(guid: string) {
      const s = asMachine(guid);
      if (!s) return undefined;
      return Object.freeze({ enabled: s.enabled ?? DEFAULT_MACHINE_ENABLED, allowFrom: s.allowFrom ?? DEFAULT_ALLOW_FROM });
    },
    resolveHost(apiKey: string, machineGuid: string): Readonly<ReceiverHostSettings> {
      const machine = asMachine(machineGuid);
      const settings: ReceiverHostSettings = { ...base, ...asApiKey(apiKey)?.defaults, ...machine?.own };
      settings.enabled = machine?.enabled ?? DEFAULT_MACHINE_ENABLED;
      settings.allowFrom = machine?.allowFrom ?? DEFAULT_ALLOW_FROM;
      // 1.37: `rrdpush_compression && default_compression_enabled`
      settings.enableCompression &&= sender.enableCompression;
      return Object.freeze(settings);
    },
  };
}
