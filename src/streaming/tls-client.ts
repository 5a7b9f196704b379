/**
 * TLS for `:SSL` destinations (reference §2.5): the sender's side of netdata 1.37's
 * `[stream] ssl skip certificate verification`, `CApath` and `CAfile`. The trusted CAs are read
 * once, when the sender is built; a connection then wraps its TCP socket with them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type * as net from 'node:net';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import type { StreamSenderConfig } from '../config/index.js';
import type { Destination } from './destination.js';

/**
 * node:tls (with node:crypto and OpenSSL's bindings, about 2 MB of RSS) is loaded when an `:SSL`
 * destination is connected or its CAs are read, never by a sender of plain links (docs/memory.md).
 */
const require = createRequire(import.meta.url);
const loadTls = (): typeof tls => require('node:tls') as typeof tls;

/** How an `:SSL` destination is connected; fixed for a Connection's life. */
export interface ClientTls {
  /** false: `ssl skip certificate verification = yes`. */
  readonly verify: boolean;
  /** The trusted CA certificates (PEM); undefined: Node's default roots. */
  readonly ca: readonly string[] | undefined;
}

/** Most files read from a `CApath` directory. */
export const CA_PATH_MAX_FILES = 1000;
/** Largest CA file read (`CAfile`, or one in `CApath`). */
export const CA_FILE_MAX_BYTES = 1024 * 1024;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The TLS of a node's senders from `[stream]`. As 1.37, CAs from `CAfile` and `CApath` are
 * trusted besides the default ones; when they cannot be read, `problem` gets a line saying so
 * and the default ones alone are used.
 */
export function clientTls(s: Readonly<StreamSenderConfig>, problem: (message: string) => void): ClientTls {
  const extra: string[] = [];
  if (s.caFile) extra.push(...readCaFile(s.caFile, 'CAfile', problem));
  if (s.caPath) extra.push(...readCaPath(s.caPath, problem));
  return Object.freeze({
    verify: !s.sslSkipCertificateVerification,
    ca: extra.length > 0 ? Object.freeze([...loadTls().rootCertificates, ...extra]) : undefined,
  });
}

function readCaFile(path: string, key: string, problem: (message: string) => void): string[] {
  try {
    const size = statSync(path).size;
    if (size > CA_FILE_MAX_BYTES) throw new Error(`${size} bytes, more than ${CA_FILE_MAX_BYTES}`);
    const found = readFileSync(path, 'latin1').match(PEM_CERTIFICATE) ?? [];
    if (found.length === 0 && key === 'CAfile') throw new Error('no PEM certificate in it');
    return found;
  } catch (err) {
    problem(`cannot use [stream] ${key} '${path}' (${(err as Error).message}); certificates are verified with the default CAs only.`);
    return [];
  }
}

/** Every PEM certificate in the files of a directory (OpenSSL's hashed names or any others). */
function readCaPath(dir: string, problem: (message: string) => void): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    problem(`cannot use [stream] CApath '${dir}' (${(err as Error).message}); certificates are verified with the default CAs only.`);
    return [];
  }
  if (names.length > CA_PATH_MAX_FILES) {
    problem(`[stream] CApath '${dir}' has ${names.length} files; only the first ${CA_PATH_MAX_FILES} are read.`);
    names = names.slice(0, CA_PATH_MAX_FILES);
  }
  const found = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
    } catch {
      continue;
    }
    for (const pem of readCaFile(path, 'CApath file', problem)) found.add(pem);
  }
  return [...found];
}

/** Verification failures: the peer's certificate, not the transport (1.37's "invalid SSL certificate"). */
const CERTIFICATE_ERRORS = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/**
 * Starts TLS on a connected socket and resolves when the handshake is done. The server name
 * goes out for SNI when the destination is a name; the certificate is verified (chain, dates and
 * the destination's name or address) unless `verify` is false. Rejects with netdata's reason.
 */
export function startClientTls(socket: net.Socket, destination: Destination, t: ClientTls, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = loadTls().connect({
      socket,
      servername: isIP(destination.host) ? undefined : destination.host,
      host: destination.host,
      ca: t.ca as string[] | undefined,
      rejectUnauthorized: t.verify,
    });
    const fail = (err: Error & { code?: string }): void => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      const code = err.code ?? '';
      reject(new Error(CERTIFICATE_ERRORS.test(code)
        ? `the server SSL certificate is not valid: ${err.message} (${code})`
        : `SSL cannot connect with the server: ${err.message.trim()}${code ? ` (${code})` : ''}`));
    };
    const timer = setTimeout(() => fail(new Error(`TLS handshake timed out after ${timeoutMs} ms`)), timeoutMs);
    secure.once('error', fail);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.off('error', fail);
      secure.on('error', () => undefined);
      resolve(secure);
    });
  });
}
