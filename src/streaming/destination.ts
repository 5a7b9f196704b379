/**
 * Destinations as `[stream] destination` and the backends write them (reference §2.5):
 * `[PROTOCOL:]HOST[%INTERFACE][:PORT][:SSL]`, space- or comma-separated, tried in order.
 */

export type DestinationProtocol = 'tcp' | 'udp' | 'unix';

/** One parsed destination. */
export interface Destination {
  /** As written in the config (after the `:SSL` cut), for logs. */
  readonly text: string;
  readonly protocol: DestinationProtocol;
  /** Host name or address (IPv6 without brackets); the socket path for `unix`. */
  readonly host: string;
  /** `%INTERFACE` (an IPv6 scope), '' when absent. */
  readonly interface: string;
  /** 0 for `unix`. */
  readonly port: number;
  /** `:SSL` was given: TLS is mandatory on this destination (streaming/tls-client.ts). */
  readonly ssl: boolean;
  /** `host:port` (IPv6 in brackets) or the socket path: what `[send to ...]` shows. */
  readonly label: string;
}

/** A destination that cannot be parsed. */
export class DestinationError extends Error {
  override name = 'DestinationError';
}

const SSL_SUFFIX = ':SSL';
const MAX_PORT = 65535;

/** Splits a `destination = ...` value into entries (spaces, tabs, newlines and commas separate). */
export function splitDestinations(value: string): string[] {
  return value.split(/[\s,]+/).filter((s) => s.length > 0);
}

/**
 * Parses one destination. `defaultPort` applies when no port is given (`[stream] default port`).
 * Throws DestinationError naming the entry and what is wrong.
 */
export function parseDestination(entry: string, defaultPort: number): Destination {
  // reference §2.5: everything from the first `:SSL` on is cut off and TLS becomes mandatory
  const sslAt = entry.indexOf(SSL_SUFFIX);
  const text = sslAt >= 0 ? entry.slice(0, sslAt) : entry;
  const ssl = sslAt >= 0;
  if (text.startsWith('/')) return unixDestination(text, text, ssl);
  const lower = text.toLowerCase();
  if (lower.startsWith('unix:')) return unixDestination(text, text.slice(5), ssl);
  let protocol: DestinationProtocol = 'tcp';
  let rest = text;
  if (lower.startsWith('tcp:')) rest = text.slice(4);
  else if (lower.startsWith('udp:')) { protocol = 'udp'; rest = text.slice(4); }
  return networkDestination(text, protocol, rest, defaultPort, ssl);
}

/** Parses a whole list; entries that do not parse are returned in `errors`, never thrown. */
export function parseDestinations(
  entries: readonly string[],
  defaultPort: number,
): { destinations: Destination[]; errors: string[] } {
  const destinations: Destination[] = [];
  const errors: string[] = [];
  for (const raw of entries.flatMap(splitDestinations)) {
    try {
      destinations.push(parseDestination(raw, defaultPort));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { destinations, errors };
}

function unixDestination(text: string, path: string, ssl: boolean): Destination {
  if (path.length === 0) throw new DestinationError(`destination '${text}': empty unix socket path`);
  return Object.freeze({ text, protocol: 'unix', host: path, interface: '', port: 0, ssl, label: path });
}

function networkDestination(
  text: string, protocol: DestinationProtocol, rest: string, defaultPort: number, ssl: boolean,
): Destination {
  let host: string;
  let i: number;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new DestinationError(`destination '${text}': missing ']' after the IPv6 address`);
    host = rest.slice(1, close);
    i = close + 1;
  } else {
    i = firstOf(rest, '%:', 0);
    host = rest.slice(0, i);
  }
  let iface = '';
  if (rest[i] === '%') {
    const end = firstOf(rest, ':', i + 1);
    iface = rest.slice(i + 1, end);
    i = end;
  }
  let port = defaultPort;
  if (rest[i] === ':') port = parsePort(text, rest.slice(i + 1));
  else if (i < rest.length) throw new DestinationError(`destination '${text}': unexpected '${rest.slice(i)}'`);
  if (host.length === 0) throw new DestinationError(`destination '${text}': no host`);
  const label = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return Object.freeze({ text, protocol, host, interface: iface, port, ssl, label });
}

function firstOf(s: string, chars: string, from: number): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i]!)) return i;
  return s.length;
}

function parsePort(text: string, value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= MAX_PORT)) {
    throw new DestinationError(`destination '${text}': port '${value}' is not a number from 1 to ${MAX_PORT}`);
  }
  return port;
}
