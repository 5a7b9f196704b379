/**
 * Test certificates made with Debian's openssl in a temporary directory: a self-signed CA, a
 * leaf it signed for 127.0.0.1 and localhost, an expired leaf from the same CA, and a leaf from
 * a second CA nobody trusts. RSA 2048, valid for two days.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

/** Why certificates cannot be made here, or null. */
export function opensslMissing(): string | null {
  return existsSync(OPENSSL) ? null : `${OPENSSL} is not installed (Debian package openssl)`;
}

/** A key and certificate pair, as file paths. */
export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCerts {
  dir: string;
  /** The CA that signed `leaf` and `expired` (PEM file). */
  caFile: string;
  /** For 127.0.0.1 and localhost, valid now. */
  leaf: KeyPair;
  /** For 127.0.0.1 and localhost, expired yesterday. */
  expired: KeyPair;
  /** For 127.0.0.1 and localhost, signed by another CA. */
  stranger: KeyPair;
  /** Removes the directory. */
  remove(): void;
}

const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost\n';

function openssl(dir: string, args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-days', '2', '-subj', `/CN=Tributary test ${name}`]);
}

function makeLeaf(dir: string, name: string, ca: string, days: number): KeyPair {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost']);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${name}.pem`, '-days', String(days), '-extfile', 'san.ext']);
  return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
}

/** Makes the certificates (a second or two of openssl). */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-tls-'));
  writeFileSync(join(dir, 'san.ext'), SAN);
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    leaf: makeLeaf(dir, 'leaf', 'ca', 2),
    // -days -1: not after is a day before not before, so the certificate has expired
    expired: makeLeaf(dir, 'expired', 'ca', -1),
    stranger: makeLeaf(dir, 'stranger', 'other-ca', 2),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
