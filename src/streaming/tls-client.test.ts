/**
 * The sender's TLS on real sockets on 127.0.0.1, certificates made by openssl: CAfile and
 * CApath trusted, what cannot be read reported, verification failures named, skipped
 * verification, and a server that never answers the handshake. Skipped, with the reason, when
 * openssl is missing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { loadStreamConfig, loadNetdataConfig, type StreamSenderConfig } from '../config/index.js';
import { makeTestCerts, opensslMissing, type KeyPair, type TestCerts } from '../../test/support/tls-certs.js';
import { connectSocket } from './connection.js';
import { parseDestination } from './destination.js';
import { clientTls } from './tls-client.js';

const missing = opensslMissing();

function senderConfig(over: Partial<StreamSenderConfig>): StreamSenderConfig {
  return { ...loadStreamConfig(null, loadNetdataConfig(null, [])).sender, ...over };
}

/** A TLS server with `pair` that answers `hello` to every connection. */
function tlsServer(pair: KeyPair): Promise<net.Server> {
  const server = tls.createServer({ key: readFileSync(pair.key), cert: readFileSync(pair.cert) }, (s) => s.end('hello'));
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

async function readAll(socket: net.Socket): Promise<string> {
  let out = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) out += chunk as string;
  return out;
}

describe('sender TLS', { skip: missing ?? false }, () => {
  let certs: TestCerts;
  let good: net.Server;
  let expired: net.Server;
  let stranger: net.Server;
  before(async () => {
    certs = makeTestCerts();
    [good, expired, stranger] = await Promise.all([tlsServer(certs.leaf), tlsServer(certs.expired), tlsServer(certs.stranger)]);
  });
  after(() => {
    for (const s of [good, expired, stranger]) s?.close();
    certs?.remove();
  });

  it('trusts a CAfile and verifies the certificate against the destination\'s address', async () => {
    const t = clientTls(senderConfig({ caFile: certs.caFile }), (m) => assert.fail(m));
    const socket = await connectSocket(parseDestination(`127.0.0.1:${portOf(good)}:SSL`, 1), 2000, undefined, t);
    assert.ok((socket as tls.TLSSocket).encrypted);
    assert.equal(await readAll(socket), 'hello');
  });

  it('trusts the certificates of a CApath directory', async () => {
    const dir = join(certs.dir, 'capath');
    mkdirSync(dir);
    copyFileSync(certs.caFile, join(dir, 'test-ca.pem'));
    const t = clientTls(senderConfig({ caPath: dir }), (m) => assert.fail(m));
    const socket = await connectSocket(parseDestination(`localhost:${portOf(good)}:SSL`, 1), 2000, undefined, t);
    assert.equal(await readAll(socket), 'hello');
  });

  it('says when CAfile or CApath cannot be read, and keeps the default CAs', () => {
    const problems: string[] = [];
    const t = clientTls(senderConfig({ caFile: join(certs.dir, 'nope.pem'), caPath: join(certs.dir, 'nodir') }), (m) => problems.push(m));
    assert.equal(t.ca, undefined);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /cannot use \[stream\] CAfile '.*nope\.pem' \(ENOENT.*\); certificates are verified with the default CAs only\./);
    assert.match(problems[1]!, /cannot use \[stream\] CApath '.*nodir'/);
  });

  it('refuses an expired certificate and one from an unknown CA, saying which', async () => {
    const t = clientTls(senderConfig({ caFile: certs.caFile }), (m) => assert.fail(m));
    await assert.rejects(connectSocket(parseDestination(`127.0.0.1:${portOf(expired)}:SSL`, 1), 2000, undefined, t),
      /^Error: the server SSL certificate is not valid: certificate has expired \(CERT_HAS_EXPIRED\)$/);
    await assert.rejects(connectSocket(parseDestination(`127.0.0.1:${portOf(stranger)}:SSL`, 1), 2000, undefined, t),
      /the server SSL certificate is not valid: .*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
  });

  it('connects to any certificate with ssl skip certificate verification', async () => {
    const t = clientTls(senderConfig({ sslSkipCertificateVerification: true }), (m) => assert.fail(m));
    for (const server of [expired, stranger]) {
      const socket = await connectSocket(parseDestination(`127.0.0.1:${portOf(server)}:SSL`, 1), 2000, undefined, t);
      assert.equal(await readAll(socket), 'hello');
    }
  });

  it('gives up on a server that never answers the handshake after the timeout', async () => {
    const silent = net.createServer(() => undefined);
    const held: net.Socket[] = [];
    silent.on('connection', (s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const t = clientTls(senderConfig({}), (m) => assert.fail(m));
      const started = Date.now();
      await assert.rejects(connectSocket(parseDestination(`127.0.0.1:${portOf(silent)}:SSL`, 1), 500, undefined, t),
        /SSL cannot connect with the server: TLS handshake timed out after 500 ms/);
      assert.ok(Date.now() - started < 3000);
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  });

  it('talks plain to a plain server when the destination has no :SSL', async () => {
    const plain = net.createServer((s) => s.end('plain'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    try {
      const t = clientTls(senderConfig({}), (m) => assert.fail(m));
      const socket = await connectSocket(parseDestination(`127.0.0.1:${portOf(plain)}`, 1), 2000, undefined, t);
      assert.equal((socket as tls.TLSSocket).encrypted, undefined);
      assert.equal(await readAll(socket), 'plain');
    } finally {
      plain.close();
    }
  });
});
