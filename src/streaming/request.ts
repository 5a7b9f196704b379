/**
 * The `STREAM ...` request: what a sender writes (reference §2.1) and how a receiver reads it
 * (reference §2.2, §9: the target runs up to the LAST ` HTTP/`, values may hold raw spaces).
 */
import { STREAMING_PROTOCOL_VERSION } from './prompts.js';

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
}

/** Escapes only what would break the request's syntax; netdata sends values raw (§2.1). */
function encodeValue(value: string): string {
  return value.replace(/[%&\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The request a version-1 child sends: 1.10's fields, plus `hops` (proxies), `ver` and
 * `NETDATA_PROTOCOL_VERSION` as 1.37 sends them. Parents that do not know a field log it and go on.
 */
export function buildStreamRequest(id: SenderIdentity): string {
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
    ['tags', id.tags],
    ['ver', id.version],
    ['NETDATA_PROTOCOL_VERSION', STREAMING_PROTOCOL_VERSION],
  ];
  const query = fields.map(([k, v]) => `${k}=${encodeValue(String(v))}`).join('&');
  return `STREAM ${query} HTTP/1.1\r\nUser-Agent: ${id.programName}/${id.programVersion}\r\nAccept: */*\r\n\r\n`;
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
}

/** Parameters a receiver reads; any other is logged as not used (netdata does the same). */
export const KNOWN_PARAMS: ReadonlySet<string> = new Set([
  'key', 'hostname', 'registry_hostname', 'machine_guid', 'update_every', 'os', 'timezone',
  'abbrev_timezone', 'utc_offset', 'hops', 'tags', 'ver', 'NETDATA_PROTOCOL_VERSION',
  'ml_capable', 'ml_enabled', 'mc_version',
]);

/** Whether a receiver reads `name`: the fields above and 1.37's `NETDATA_*` system-info fields. */
export function isKnownParam(name: string): boolean {
  return KNOWN_PARAMS.has(name) || name.startsWith('NETDATA_');
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
  });
}

function parseParams(target: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of target.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const value = decodeValue(part.slice(eq + 1));
    // netdata ignores parameters with empty values (§2.2)
    if (value.length > 0) params.set(part.slice(0, eq), value);
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
  for (const h of headers) {
    const colon = h.indexOf(':');
    if (colon < 0 || h.slice(0, colon).trim().toLowerCase() !== 'user-agent') continue;
    const value = h.slice(colon + 1).trim();
    const slash = value.indexOf('/');
    return slash < 0 ? [value, ''] : [value.slice(0, slash), value.slice(slash + 1)];
  }
  return ['', ''];
}

function positiveInt(s: string | undefined): number | null {
  const n = nonNegativeInt(s);
  return n !== null && n > 0 ? n : null;
}

function nonNegativeInt(s: string | undefined): number | null {
  if (s === undefined || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
