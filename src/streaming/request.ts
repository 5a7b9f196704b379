/**
 * The `STREAM ...` request: what a sender writes (reference §2.1) and how a receiver reads it
 * (reference §2.2, §9: the target runs up to the LAST ` HTTP/`, values may hold raw spaces).
 */
import type { HostIdentity } from '../database/index.js';
import { STREAMING_PROTOCOL_VERSION } from './prompts.js';
import { PATH_HEADER } from './peer-loop.js';
import { formatSpoolClaim, parseSpoolClaim, SPOOL_HEADER, MAX_SPOOL_HEADER_CHARS, type SpoolClaim } from './spool-claim.js';

/** A host's system facts as the request carries them (netdata's `rrdhost_system_info`). */
export type SystemInfo = NonNullable<HostIdentity['system']>;
type SystemText = Exclude<keyof SystemInfo, 'mlCapable' | 'mlEnabled' | 'mcVersion'>;

/** What a sender says about the host it streams. */
export interface SenderIdentity {
  apiKey: string;
  hostname: string;
  registryHostname: string;
  machineGuid: string;
  updateEverySecs: number;
  os: string;
  timezone: string;
  abbrevTimezone: string;
  utcOffsetSecs: number;
  /** Hops of the host as the receiver will hold it: own hops + 1. */
  hops: number;
  tags: string;
  /** `ver=`: netdata's version number or capability bits (1 = plain version 1). */
  version: number;
  programName: string;
  programVersion: string;
  /** The `ml_*`, `mc_version` and `NETDATA_*` facts; absent ones are sent empty, as 1.37 does. */
  system?: SystemInfo;
  /** The hostname of the node sending (the {@link VIA_HEADER}); absent: no such header. */
  via?: string;
  /** A proxy's path: the nodes the host came through, this one last, sent as the {@link PATH_HEADER} (peer-loop.ts); none for the local host. */
  path?: readonly string[];
  /** The state of the spool the host streams from, sent as the {@link SPOOL_HEADER} (spool-claim.ts); none without a spool. */
  spool?: SpoolClaim;
}

/**
 * The header that names the node a request comes from directly (its own local host), so a
 * parent knows which node a host beyond hops 1 arrives through. A header and not a parameter:
 * netdata 1.37 logs every parameter it does not know (`rrdpush.c`, "which is not used") but
 * passes over headers it does not know without a word (`web_client.c http_header_parse`).
 */
export const VIA_HEADER = 'X-Tributary-Via';
/** Longest via name taken; netdata's hostnames are shorter. */
export const MAX_VIA_CHARS = 255;

/**
 * 1.37's `NETDATA_*` request fields in the order its sender writes them
 * (`sender.c rrdpush_sender_thread_connect_to_parent`), each with the fact it carries.
 */
export const SYSTEM_FIELDS: ReadonlyArray<readonly [string, SystemText]> = [
  ['NETDATA_INSTANCE_CLOUD_TYPE', 'cloudProviderType'],
  ['NETDATA_INSTANCE_CLOUD_INSTANCE_TYPE', 'cloudInstanceType'],
  ['NETDATA_INSTANCE_CLOUD_INSTANCE_REGION', 'cloudInstanceRegion'],
  ['NETDATA_SYSTEM_OS_NAME', 'osName'],
  ['NETDATA_SYSTEM_OS_ID', 'osId'],
  ['NETDATA_SYSTEM_OS_ID_LIKE', 'osIdLike'],
  ['NETDATA_SYSTEM_OS_VERSION', 'osVersion'],
  ['NETDATA_SYSTEM_OS_VERSION_ID', 'osVersionId'],
  ['NETDATA_SYSTEM_OS_DETECTION', 'osDetection'],
  ['NETDATA_HOST_IS_K8S_NODE', 'isK8sNode'],
  ['NETDATA_SYSTEM_KERNEL_NAME', 'kernelName'],
  ['NETDATA_SYSTEM_KERNEL_VERSION', 'kernelVersion'],
  ['NETDATA_SYSTEM_ARCHITECTURE', 'architecture'],
  ['NETDATA_SYSTEM_VIRTUALIZATION', 'virtualization'],
  ['NETDATA_SYSTEM_VIRT_DETECTION', 'virtDetection'],
  ['NETDATA_SYSTEM_CONTAINER', 'container'],
  ['NETDATA_SYSTEM_CONTAINER_DETECTION', 'containerDetection'],
  ['NETDATA_CONTAINER_OS_NAME', 'containerOsName'],
  ['NETDATA_CONTAINER_OS_ID', 'containerOsId'],
  ['NETDATA_CONTAINER_OS_ID_LIKE', 'containerOsIdLike'],
  ['NETDATA_CONTAINER_OS_VERSION', 'containerOsVersion'],
  ['NETDATA_CONTAINER_OS_VERSION_ID', 'containerOsVersionId'],
  ['NETDATA_CONTAINER_OS_DETECTION', 'containerOsDetection'],
  ['NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT', 'coresTotal'],
  ['NETDATA_SYSTEM_CPU_FREQ', 'cpuFreq'],
  ['NETDATA_SYSTEM_TOTAL_RAM', 'ramTotal'],
  ['NETDATA_SYSTEM_TOTAL_DISK_SIZE', 'totalDiskSpace'],
];

/** Fields a receiver reads, by name: the ones above and the names system-info.sh prints for the host's OS. */
const SYSTEM_BY_NAME: ReadonlyMap<string, SystemText> = new Map([
  ...SYSTEM_FIELDS,
  ['NETDATA_HOST_OS_NAME', 'osName'], ['NETDATA_HOST_OS_ID', 'osId'], ['NETDATA_HOST_OS_ID_LIKE', 'osIdLike'],
  ['NETDATA_HOST_OS_VERSION', 'osVersion'], ['NETDATA_HOST_OS_VERSION_ID', 'osVersionId'],
  ['NETDATA_HOST_OS_DETECTION', 'osDetection'],
]);

/** Fields netdata's receiver knows and drops (`rrdhost_set_system_info_variable`). */
const IGNORED_SYSTEM_FIELDS: ReadonlySet<string> = new Set([
  'NETDATA_SYSTEM_CPU_VENDOR', 'NETDATA_SYSTEM_CPU_MODEL', 'NETDATA_SYSTEM_CPU_DETECTION',
  'NETDATA_SYSTEM_RAM_DETECTION', 'NETDATA_SYSTEM_DISK_DETECTION', 'NETDATA_CONTAINER_IS_OFFICIAL_IMAGE',
]);

/**
 * The five fields a 1.37 sender passes through `url_encode()` (`rrdpush_encode_variable`),
 * which writes a space as `+`; every other value it sends raw, where `+` is itself.
 */
const FORM_ENCODED: ReadonlySet<string> = new Set([
  'NETDATA_SYSTEM_OS_NAME', 'NETDATA_SYSTEM_OS_ID', 'NETDATA_SYSTEM_OS_VERSION',
  'NETDATA_SYSTEM_KERNEL_NAME', 'NETDATA_SYSTEM_KERNEL_VERSION',
]);

/**
 * Escapes only what would break the request's syntax; netdata sends values raw (§2.1).
 * Whitespace (a 1.10 parent ends the target at the first space), `&`, `%`, and `+`, which a
 * netdata parent decodes as a space (1.37 showed a child's cpu_freq `2.596e+09` as `2.596e 09`).
 */
function encodeValue(value: string): string {
  return value.replace(/[%&+\s]/g, (c) => encodeURIComponent(c));
}

/**
 * The request a child sends, with 1.37's fields in 1.37's order: 1.10's fields, `abbrev_timezone`,
 * `utc_offset`, `hops` (proxies), `ml_*`, `mc_version`, `ver`, the `NETDATA_*` system facts and
 * `NETDATA_PROTOCOL_VERSION`. Parents that do not know a field log it and go on.
 */
export function buildStreamRequest(id: SenderIdentity): string {
  const sys = id.system ?? {};
  const fields: Array<[string, string | number]> = [
    ['key', id.apiKey],
    ['hostname', id.hostname],
    ['registry_hostname', id.registryHostname],
    ['machine_guid', id.machineGuid],
    ['update_every', id.updateEverySecs],
    ['os', id.os],
    ['timezone', id.timezone],
    ['abbrev_timezone', id.abbrevTimezone],
    ['utc_offset', id.utcOffsetSecs],
    ['hops', id.hops],
    ['ml_capable', sys.mlCapable ?? 0],
    ['ml_enabled', sys.mlEnabled ?? 0],
    ['mc_version', sys.mcVersion ?? 0],
    ['tags', id.tags],
    ['ver', id.version],
    ...SYSTEM_FIELDS.map(([name, key]): [string, string] => [name, sys[key] ?? '']),
    ['NETDATA_PROTOCOL_VERSION', STREAMING_PROTOCOL_VERSION],
  ];
  const query = fields.map(([k, v]) => `${k}=${encodeValue(String(v))}`).join('&');
  const via = id.via ? `${VIA_HEADER}: ${encodeURIComponent(id.via)}\r\n` : '';
  const path = id.path?.length ? `${PATH_HEADER}: ${id.path.join(',')}\r\n` : '';
  const spool = id.spool ? `${SPOOL_HEADER}: ${formatSpoolClaim(id.spool)}\r\n` : '';
  return `STREAM ${query} HTTP/1.1\r\nUser-Agent: ${id.programName}/${id.programVersion}\r\nAccept: */*\r\n${via}${path}${spool}\r\n`;
}

/** What a receiver read from a request; absent fields have netdata's defaults (§2.2). */
export interface StreamRequest {
  /** Every non-empty parameter, decoded. */
  readonly params: ReadonlyMap<string, string>;
  readonly apiKey: string;
  readonly hostname: string;
  readonly registryHostname: string;
  readonly machineGuid: string;
  /** null when the child did not say (the parent's default applies). */
  readonly updateEverySecs: number | null;
  readonly os: string;
  readonly timezone: string;
  readonly tags: string;
  readonly hops: number;
  /** `ver=` as sent; null when absent (then `NETDATA_PROTOCOL_VERSION` or nothing: version 1). */
  readonly version: number | null;
  readonly programName: string;
  readonly programVersion: string;
  /** `abbrev_timezone` (default `UTC`) and `utc_offset` in seconds (default 0). */
  readonly abbrevTimezone: string;
  readonly utcOffsetSecs: number;
  /** The `ml_*`, `mc_version` and `NETDATA_*` facts the child gave; undefined when it gave none (1.10). */
  readonly system: SystemInfo | undefined;
  /** The node the request comes from directly ({@link VIA_HEADER}); null when not said or not usable. */
  readonly via: string | null;
  /** A {@link VIA_HEADER} that was not usable (cut to {@link MAX_VIA_CHARS}), for the receiver's log; else null. */
  readonly badVia: string | null;
  /** The {@link PATH_HEADER} as sent (peer-loop.ts reads it); null when absent. */
  readonly pathText: string | null;
  /** The child's spool ({@link SPOOL_HEADER}); null when not said or not usable. */
  readonly spool: SpoolClaim | null;
  /** A {@link SPOOL_HEADER} that was not usable (cut to {@link MAX_SPOOL_HEADER_CHARS}), for the receiver's log; else null. */
  readonly badSpool: string | null;
}

/** Parameters a receiver reads; any other is logged as not used (netdata does the same). */
export const KNOWN_PARAMS: ReadonlySet<string> = new Set([
  'key', 'hostname', 'registry_hostname', 'machine_guid', 'update_every', 'os', 'timezone',
  'abbrev_timezone', 'utc_offset', 'hops', 'tags', 'ver', 'NETDATA_PROTOCOL_VERSION',
  'ml_capable', 'ml_enabled', 'mc_version',
]);

/** Whether a receiver reads `name`: the fields above and the `NETDATA_*` fields 1.37 knows. */
export function isKnownParam(name: string): boolean {
  return KNOWN_PARAMS.has(name) || SYSTEM_BY_NAME.has(name) || IGNORED_SYSTEM_FIELDS.has(name);
}

const METHOD = 'STREAM ';
const HTTP_MARK = ' HTTP/';

/** Index just past the blank line ending the request head (`\r\n\r\n` or `\n\n`); -1 if not there yet. */
export function findHeadEnd(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Parses a request head; throws an Error saying what is wrong when it is not a STREAM request. */
export function parseStreamRequest(head: string): StreamRequest {
  const lines = head.split(/\r?\n/);
  const first = lines[0] ?? '';
  if (!first.startsWith(METHOD)) throw new Error(`not a STREAM request: ${JSON.stringify(first.slice(0, 40))}`);
  const httpAt = first.lastIndexOf(HTTP_MARK);
  let target = first.slice(METHOD.length, httpAt > METHOD.length ? httpAt : first.length);
  if (target.startsWith('/?')) target = target.slice(2);
  else if (target.startsWith('?')) target = target.slice(1);
  const params = parseParams(target);
  const [programName, programVersion] = userAgent(lines.slice(1));
  const viaText = header(lines.slice(1), VIA_HEADER);
  const via = viaText === null ? null : viaName(viaText);
  const spoolText = header(lines.slice(1), SPOOL_HEADER);
  const spool = spoolText === null ? null : parseSpoolClaim(spoolText);
  const hostname = params.get('hostname') ?? '';
  return Object.freeze({
    params,
    apiKey: params.get('key') ?? '',
    hostname,
    registryHostname: params.get('registry_hostname') ?? hostname,
    machineGuid: params.get('machine_guid') ?? '',
    updateEverySecs: positiveInt(params.get('update_every')),
    os: params.get('os') ?? 'unknown',
    timezone: params.get('timezone') ?? 'unknown',
    tags: params.get('tags') ?? '',
    hops: nonNegativeInt(params.get('hops')) ?? 1,
    version: nonNegativeInt(params.get('ver')),
    programName,
    programVersion,
    abbrevTimezone: params.get('abbrev_timezone') ?? 'UTC',
    utcOffsetSecs: signedInt(params.get('utc_offset')) ?? 0,
    system: systemInfo(params),
    via,
    badVia: viaText !== null && via === null ? viaText.slice(0, MAX_VIA_CHARS) : null,
    pathText: header(lines.slice(1), PATH_HEADER),
    spool,
    badSpool: spoolText !== null && spool === null ? spoolText.slice(0, MAX_SPOOL_HEADER_CHARS) : null,
  });
}

/** A via header's name: decoded, at most MAX_VIA_CHARS, no control characters; else null. */
function viaName(text: string): string | null {
  const name = decodeValue(text);
  if (name.length === 0 || name.length > MAX_VIA_CHARS || /[\u0000-\u001f\u007f]/.test(name)) return null;
  return name;
}

/** The facts among `params`; netdata maps `NETDATA_SYSTEM_OS_*` and `NETDATA_HOST_OS_*` alike (§2.2). */
function systemInfo(params: ReadonlyMap<string, string>): SystemInfo | undefined {
  const info: { -readonly [K in keyof SystemInfo]: SystemInfo[K] } = {};
  let any = false;
  for (const [name, value] of params) {
    const key = SYSTEM_BY_NAME.get(name);
    if (key !== undefined) { info[key] = value; any = true; }
  }
  for (const [name, key] of [['ml_capable', 'mlCapable'], ['ml_enabled', 'mlEnabled'], ['mc_version', 'mcVersion']] as const) {
    const n = nonNegativeInt(params.get(name));
    if (n !== null) { info[key] = n; any = true; }
  }
  return any ? Object.freeze(info) : undefined;
}

function parseParams(target: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of target.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    const value = decodeValue(FORM_ENCODED.has(name) ? raw.replaceAll('+', ' ') : raw);
    // netdata ignores parameters with empty values (§2.2)
    if (value.length > 0) params.set(name, value);
  }
  return params;
}

function decodeValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function userAgent(headers: string[]): [string, string] {
  const value = header(headers, 'User-Agent');
  if (value === null) return ['', ''];
  const slash = value.indexOf('/');
  return slash < 0 ? [value, ''] : [value.slice(0, slash), value.slice(slash + 1)];
}

/** The first header called `name` (any case), trimmed; null when there is none. */
function header(headers: string[], name: string): string | null {
  const lower = name.toLowerCase();
  for (const h of headers) {
    const colon = h.indexOf(':');
    if (colon >= 0 && h.slice(0, colon).trim().toLowerCase() === lower) return h.slice(colon + 1).trim();
  }
  return null;
}

function positiveInt(s: string | undefined): number | null {
  const n = nonNegativeInt(s);
  return n !== null && n > 0 ? n : null;
}

function signedInt(s: string | undefined): number | null {
  if (s === undefined || !/^[-+]?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function nonNegativeInt(s: string | undefined): number | null {
  if (s === undefined || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
