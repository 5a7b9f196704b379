/**
 * Simple patterns as the web part uses them (reference §3): `dimensions=` lists and the
 * `allow ... from` client checks.
 */
import { createSimplePattern } from '../config/index.js';

/** netdata splits `dimensions=` at these (1.10 `rrdr_disable_not_selected_dimensions`). */
export const DIMENSION_PATTERN_SEPARATORS = ',|\t\r\n\f\v';

/** A matcher for a `dimensions=` value (`|`-joined when given more than once). */
export function dimensionMatcher(list: string): (idOrName: string) => boolean {
  const pattern = createSimplePattern(list, DIMENSION_PATTERN_SEPARATORS);
  return (text) => pattern.matches(text);
}

/** Strips an IPv4-mapped IPv6 prefix so `127.0.0.1` patterns work on dual-stack sockets. */
export function clientIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

/**
 * An `allow ... from` check. netdata matches the client's IP, then its reverse-DNS name; this
 * matches the IP and, for loopback clients, the name `localhost` (no DNS lookups).
 */
export function accessMatcher(list: string): (address: string | undefined) => boolean {
  const pattern = createSimplePattern(list);
  // the verdict of the last address asked: a keep-alive client asks with the same one every request
  let lastAddress: string | undefined;
  let lastVerdict = false;
  return (address) => {
    if (address === lastAddress && address !== undefined) return lastVerdict;
    const ip = clientIp(address);
    lastVerdict = pattern.matches(ip) || (isLoopback(ip) && pattern.matches('localhost'));
    lastAddress = address;
    return lastVerdict;
  };
}
