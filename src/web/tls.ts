/**
 * TLS on the web port, as netdata 1.37 does it (reference §8, §11): `[web] ssl key` and
 * `ssl certificate` turn it on when both load, `tls version` is the highest version offered,
 * `tls ciphers` the cipher list, and each `bind to` entry may end its access list with
 * `^SSL=optional` or `^SSL=force`. The dispatcher asks this module what a port requires; the
 * decrypted stream is dispatched like a plain one.
 */
import type * as http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as tls from 'node:tls';
import type { TlsVersion, WebConfig } from '../config/index.js';
import { error, info } from '../log.js';

/**
 * What a port does with plain connections when the web server has a certificate:
 * `default` (no suffix) redirects plain HTTP to https and refuses a plain STREAM (1.37 fails it
 * at its first write); `optional` serves both plain and TLS; `force` redirects plain HTTP and
 * refuses a plain STREAM.
 */
export type PortTlsMode = 'default' | 'optional' | 'force';

const require = createRequire(import.meta.url);
/**
 * node:tls (with node:crypto and OpenSSL's bindings), loaded when a certificate is configured:
 * a web server without TLS never holds it (docs/memory.md). The dispatcher makes its TLS sockets
 * with it, only ever after {@link loadServerTls} gave it a context.
 */
export const nodeTls = (): typeof tls => require('node:tls') as typeof tls;

/** The first byte of a TLS record carrying a handshake (a ClientHello starts with it). */
export const TLS_HANDSHAKE_RECORD = 0x16;

/** A `bind to` entry whose `^SSL=` suffix cannot be used. */
export class BindToError extends Error {
  override name = 'BindToError';
}

const SSL_SUFFIX = '^SSL=';
const ACCESS_LIST_HINT = 'dashboard|registry|badges|management|streaming|netdata.conf';

/**
 * The TLS mode of one `bind to` entry. netdata reads `^SSL=` only at the end of the access list
 * after `=`; written straight after the port (`IP:PORT^SSL=optional`) 1.37 takes it as part of
 * the port and stops at start, so here it is an error that says how to write it, as is a value
 * other than `optional` or `force` (1.37 ignores those silently).
 */
export function bindToTlsMode(entry: string): PortTlsMode {
  const at = entry.indexOf(SSL_SUFFIX);
  if (at < 0) {
    if (entry.includes('^')) throw new BindToError(`[web] bind to '${entry}': '^' must be followed by SSL=optional or SSL=force`);
    return 'default';
  }
  const acl = entry.indexOf('=');
  if (acl < 0 || acl > at) {
    const address = entry.slice(0, at);
    throw new BindToError(`[web] bind to '${entry}': ^SSL= must follow an access list, as netdata reads it: ` +
      `'${address}=${ACCESS_LIST_HINT}${entry.slice(at)}'`);
  }
  const value = entry.slice(at + SSL_SUFFIX.length);
  if (value === 'optional' || value === 'force') return value;
  throw new BindToError(`[web] bind to '${entry}': ^SSL= takes 'optional' or 'force', not '${value}'`);
}

/** `tls version` → node:tls names. */
const NODE_TLS_VERSIONS: Readonly<Record<TlsVersion, tls.SecureVersion>> = {
  '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3',
};
/**
 * The lowest version accepted. 1.37 accepts from TLS 1.0 up to `tls version`; versions below
 * 1.2 are offered here only when `tls version` itself is below 1.2 (they are obsolete, and
 * OpenSSL 3 refuses most of their ciphers anyway).
 */
const LOWEST_DEFAULT: tls.SecureVersion = 'TLSv1.2';
/** `tls ciphers` value that keeps the library's own list. */
const CIPHERS_NONE = 'none';

/**
 * The server's TLS context, or null when TLS stays off. As 1.37: when the key or the
 * certificate file is missing the web server runs without TLS, logged at INFO when neither
 * exists (TLS was never set up) and as an ERROR when one exists or a file does not load (set up
 * but broken); a cipher list the library rejects is logged and the default list kept.
 */
export function loadServerTls(web: Readonly<WebConfig>): tls.SecureContext | null {
  const key = readPem(web.sslKey);
  const cert = readPem(web.sslCertificate);
  if (key instanceof Error && cert instanceof Error && isMissing(key) && isMissing(cert)) {
    info(`web: TLS is off: no [web] ssl key '${web.sslKey}' and no ssl certificate '${web.sslCertificate}'.`);
    return null;
  }
  for (const [what, path, value] of [['ssl key', web.sslKey, key], ['ssl certificate', web.sslCertificate, cert]] as const) {
    if (value instanceof Error) {
      error(`web: TLS is off: cannot read [web] ${what} '${path}': ${value.message}`);
      return null;
    }
  }
  const maxVersion = NODE_TLS_VERSIONS[web.tlsVersion];
  const minVersion: tls.SecureVersion = web.tlsVersion === '1.0' || web.tlsVersion === '1.1' ? 'TLSv1' : LOWEST_DEFAULT;
  const base = { key: key as Buffer, cert: cert as Buffer, minVersion, maxVersion };
  let context: tls.SecureContext;
  try {
    context = nodeTls().createSecureContext(base);
  } catch (err) {
    error(`web: TLS is off: the [web] ssl key '${web.sslKey}' and ssl certificate '${web.sslCertificate}' do not load: ${(err as Error).message}`);
    return null;
  }
  if (web.tlsCiphers && web.tlsCiphers !== CIPHERS_NONE) {
    try {
      context = nodeTls().createSecureContext({ ...base, ciphers: web.tlsCiphers });
    } catch (err) {
      error(`web: [web] tls ciphers '${web.tlsCiphers}' cannot be used (${(err as Error).message}); keeping the default cipher list.`);
    }
  }
  info(`web: TLS is on (certificate '${web.sslCertificate}', TLS ${minVersion.replace('TLSv', '')} to ${maxVersion.replace('TLSv', '')}).`);
  return context;
}

function readPem(path: string): Buffer | Error {
  try {
    return readFileSync(path);
  } catch (err) {
    return err as Error;
  }
}

function isMissing(err: Error): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The body of the redirect: a link for clients that do not follow a 301 by themselves. */
function redirectBody(location: string): string {
  const href = location.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!DOCTYPE html><html><head><title>301 Moved Permanently</title></head><body>` +
    `This port serves HTTPS: <a href="${href}">${href}</a></body></html>`;
}

/**
 * Answers a plain HTTP request on a port that has TLS and no `^SSL=optional`: netdata 1.37's
 * `301 Moved Permanently` with `Location: https://<Host header><url>`, not cacheable.
 */
export function redirectToHttps(req: http.IncomingMessage, res: http.ServerResponse): void {
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`;
  const location = `https://${host}${req.url ?? '/'}`;
  const body = redirectBody(location);
  try {
    res.writeHead(301, 'Moved Permanently', {
      Location: location,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      Expires: new Date().toUTCString(),
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  } catch {
    // a Host header that cannot go into a Location header
    res.writeHead(400, { 'Content-Type': 'text/plain' });
    res.end('This port serves HTTPS.\r\n');
  }
}
