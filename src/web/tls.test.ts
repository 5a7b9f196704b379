/**
 * TLS on the web port, in process with real sockets on 127.0.0.1 and certificates made by
 * openssl: HTTPS for the API, netdata's 301 for plain HTTP, `^SSL=optional` / `^SSL=force`
 * for HTTP and STREAM, and bad input (TLS garbage, a ClientHello that never ends, a missing
 * key). Skipped, with the reason, when openssl is missing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createHostRegistry } from '../database/index.js';
import { loadNetdataConfig } from '../config/index.js';
import { setLogSink } from '../log.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../../test/support/tls-certs.js';
import { STREAM_TLS_REQUIRED } from './dispatch.js';
import { createWebServer, type WebServer } from './server.js';
import { bindToTlsMode, BindToError } from './tls.js';

const missing = opensslMissing();
const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const logLines: string[] = [];
setLogSink((line) => logLines.push(line));

interface Started {
  server: WebServer;
  /** default (no suffix), optional, force */
  ports: { plain: number; optional: number; force: number };
  streams: Array<{ head: string; encrypted: boolean }>;
}

async function start(certs: TestCerts | null, extra: Array<[string, string, string]> = [], firstRequestTimeoutMs?: number): Promise<Started> {
  const registry = createHostRegistry(
    { hostname: 'tls-test', machineGuid: '11111111-2222-3333-4444-555555555555', os: 'linux', timezone: 'UTC' },
    { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const config = loadNetdataConfig(null, [
    ['global', 'hostname', 'tls-test'],
    ['web', 'bind to', '127.0.0.1:0 127.0.0.1:0=dashboard|streaming^SSL=optional 127.0.0.1:0=dashboard|streaming^SSL=force'],
    ['directories', 'web', path.join(REPO_ROOT, 'web')],
    ['web', 'ssl key', certs ? certs.leaf.key : '/nonexistent/key.pem'],
    ['web', 'ssl certificate', certs ? certs.leaf.cert : '/nonexistent/cert.pem'],
    ...extra,
  ]);
  const streams: Started['streams'] = [];
  const server = createWebServer(config, {
    registry, version: 'v1.37.1-tributary', effectiveConfig: () => '', accessLog: () => undefined, firstRequestTimeoutMs,
    streamHandler: (socket, head) => {
      streams.push({ head: head.toString('latin1'), encrypted: (socket as tls.TLSSocket).encrypted === true });
      socket.end('Hit me baby, push them over...');
    },
  });
  await server.start();
  const [plain, optional, force] = server.ports() as [number, number, number];
  return { server, ports: { plain, optional, force }, streams };
}

function httpsGet(port: number, urlPath: string, ca: string): Promise<{ status: number; body: string; encrypted: boolean }> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: urlPath, ca: readFileSync(ca), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, encrypted: (res.socket as tls.TLSSocket).encrypted === true }));
    }).on('error', reject);
  });
}

/** Writes `bytes` on a plain socket and collects everything until the server closes. */
function exchange(port: number, bytes: Buffer | string, timeoutMs = 5000): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { reply += d; });
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve({ reply, closedAfterMs: Date.now() - started }); });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`port ${port} did not close the connection within ${timeoutMs} ms; got ${JSON.stringify(reply)}`)); }, timeoutMs);
  });
}

/** A TLS connection (trusting the test CA) that sends `text` and collects the answer until close. */
function tlsExchange(port: number, text: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(ca) }, () => socket.write(text));
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { reply += d; });
    socket.on('error', reject);
    socket.on('close', () => resolve(reply));
  });
}

const STREAM_REQUEST = 'STREAM key=k&hostname=tls-child&machine_guid=g HTTP/1.1\r\nUser-Agent: netdata/v1.37.1\r\nAccept: */*\r\n\r\n';

describe('bindToTlsMode', () => {
  it('reads netdata\'s ^SSL= suffix after the access list', () => {
    assert.equal(bindToTlsMode('*'), 'default');
    assert.equal(bindToTlsMode('127.0.0.1:19999'), 'default');
    assert.equal(bindToTlsMode('127.0.0.1:19999=dashboard|streaming'), 'default');
    assert.equal(bindToTlsMode('127.0.0.1:19999=dashboard|streaming^SSL=optional'), 'optional');
    assert.equal(bindToTlsMode('[::1]:19999=streaming^SSL=force'), 'force');
    assert.equal(bindToTlsMode('*=dashboard|registry|badges|management|streaming|netdata.conf^SSL=force'), 'force');
  });

  it('refuses a suffix straight after the port (which stops netdata 1.37) and says how to write it', () => {
    assert.throws(() => bindToTlsMode('127.0.0.1:19999^SSL=optional'),
      (err: Error) => err instanceof BindToError && err.message.includes("'127.0.0.1:19999=dashboard|registry|badges|management|streaming|netdata.conf^SSL=optional'"));
  });

  it('refuses a value other than optional or force, and a lone ^', () => {
    assert.throws(() => bindToTlsMode('127.0.0.1=dashboard^SSL=yes'), /takes 'optional' or 'force', not 'yes'/);
    assert.throws(() => bindToTlsMode('127.0.0.1=dashboard^'), /'\^' must be followed by SSL=optional or SSL=force/);
  });
});

describe('TLS on the web port', { skip: missing ?? false }, () => {
  let certs: TestCerts;
  let s: Started;
  before(async () => {
    certs = makeTestCerts();
    s = await start(certs);
  });
  after(async () => {
    await s?.server.stop();
    certs?.remove();
  });

  it('serves the API over HTTPS on every port', async () => {
    for (const port of Object.values(s.ports)) {
      const res = await httpsGet(port, '/api/v1/info', certs.caFile);
      assert.equal(res.status, 200);
      assert.ok(res.encrypted);
      assert.equal(JSON.parse(res.body).version, 'v1.37.1-tributary');
    }
  });

  it('answers plain HTTP with netdata\'s 301 to https on a port without a suffix and on a force port', async () => {
    for (const port of [s.ports.plain, s.ports.force]) {
      const { reply } = await exchange(port, 'GET /api/v1/data?chart=system.cpu&after=-10 HTTP/1.1\r\nHost: 127.0.0.1:' + port + '\r\nConnection: close\r\n\r\n');
      assert.match(reply, /^HTTP\/1\.1 301 Moved Permanently\r\n/);
      assert.match(reply, new RegExp(`\r\nLocation: https://127\\.0\\.0\\.1:${port}/api/v1/data\\?chart=system\\.cpu&after=-10\r\n`));
      assert.match(reply, /\r\nCache-Control: no-cache, no-store, must-revalidate\r\n/);
    }
  });

  it('serves plain HTTP on an ^SSL=optional port', async () => {
    const res = await fetch(`http://127.0.0.1:${s.ports.optional}/api/v1/info`);
    assert.equal(res.status, 200);
  });

  it('hands a STREAM over TLS to the receiver decrypted, on every port', async () => {
    for (const port of Object.values(s.ports)) {
      const before = s.streams.length;
      assert.equal(await tlsExchange(port, STREAM_REQUEST, certs.caFile), 'Hit me baby, push them over...');
      assert.equal(s.streams.length, before + 1);
      assert.ok(s.streams.at(-1)!.head.startsWith('STREAM key=k&hostname=tls-child'));
      assert.ok(s.streams.at(-1)!.encrypted);
    }
  });

  it('accepts a plain STREAM on an ^SSL=optional port (1.37 fails it)', async () => {
    const before = s.streams.length;
    const { reply } = await exchange(s.ports.optional, STREAM_REQUEST);
    assert.equal(reply, 'Hit me baby, push them over...');
    assert.equal(s.streams.length, before + 1);
    assert.equal(s.streams.at(-1)!.encrypted, false);
  });

  it('refuses a plain STREAM on a force port and on a port with a certificate and no suffix, naming the child', async () => {
    const before = s.streams.length;
    for (const [port, why] of [[s.ports.force, /this port is \^SSL=force/], [s.ports.plain, /this port has TLS on and no \^SSL=optional/]] as const) {
      const { reply } = await exchange(port, STREAM_REQUEST);
      assert.equal(reply, STREAM_TLS_REQUIRED);
      const line = [...logLines].reverse().find((l) => l.includes('refusing an unencrypted stream'))!;
      assert.match(line, /STREAM \[receive from \[127\.0\.0\.1\]:\d+\]: refusing an unencrypted stream from child with hostname 'tls-child'/);
      assert.match(line, why);
    }
    assert.equal(s.streams.length, before, 'nothing reached the receiver');
  });

  it('closes TLS garbage with an error naming the peer, and goes on serving', async () => {
    const garbage = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x20]), Buffer.alloc(64, 0x5a)]);
    const { reply } = await exchange(s.ports.plain, garbage);
    assert.doesNotMatch(reply, /HTTP\/1\.1 200/);
    assert.ok(logLines.some((l) => /web: \[127\.0\.0\.1\]:\d+: TLS handshake failed, closing: /.test(l)), logLines.join('\n'));
    assert.equal((await httpsGet(s.ports.plain, '/api/v1/info', certs.caFile)).status, 200);
  });

  it('closes a connection whose certificate the client does not trust, and goes on serving', async () => {
    await assert.rejects(httpsGet(s.ports.plain, '/api/v1/info', certs.stranger.cert), /self[- ]signed|unable to (get|verify)/i);
    assert.equal((await httpsGet(s.ports.plain, '/api/v1/info', certs.caFile)).status, 200);
  });
});

/** The TLS version and cipher a client with `options` gets from `port`. */
function handshake(port: number, ca: string, options: tls.ConnectionOptions): Promise<{ version: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(ca), ...options }, () => {
      resolve({ version: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('tls version and tls ciphers', { skip: missing ?? false }, () => {
  it('offers TLS 1.2 to 1.3 by default, and 1.3 no more with tls version = 1.2 (the highest, as 1.37)', async () => {
    const certs = makeTestCerts();
    const byDefault = await start(certs);
    const upTo12 = await start(certs, [['web', 'tls version', '1.2']]);
    try {
      assert.equal((await handshake(byDefault.ports.plain, certs.caFile, {})).version, 'TLSv1.3');
      assert.equal((await handshake(byDefault.ports.plain, certs.caFile, { maxVersion: 'TLSv1.2' })).version, 'TLSv1.2');
      assert.equal((await handshake(upTo12.ports.plain, certs.caFile, {})).version, 'TLSv1.2');
      await assert.rejects(handshake(upTo12.ports.plain, certs.caFile, { minVersion: 'TLSv1.3' }), /protocol version|wrong version|alert/i);
    } finally {
      await byDefault.server.stop();
      await upTo12.server.stop();
      certs.remove();
    }
  });

  it('uses the tls ciphers list, and keeps the default list (logged) when it cannot be used', async () => {
    const certs = makeTestCerts();
    const one = await start(certs, [['web', 'tls version', '1.2'], ['web', 'tls ciphers', 'ECDHE-RSA-AES128-GCM-SHA256']]);
    const bad = await start(certs, [['web', 'tls ciphers', 'NO-SUCH-CIPHER']]);
    try {
      assert.equal((await handshake(one.ports.plain, certs.caFile, {})).cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
      assert.ok(logLines.some((l) => /ERROR.*\[web\] tls ciphers 'NO-SUCH-CIPHER' cannot be used .*keeping the default cipher list\./.test(l)));
      assert.equal((await httpsGet(bad.ports.plain, '/api/v1/info', certs.caFile)).status, 200);
    } finally {
      await one.server.stop();
      await bad.server.stop();
      certs.remove();
    }
  });
});

describe('TLS handshake timeout', { skip: missing ?? false }, () => {
  it('closes a ClientHello that never finishes after the first-request timeout', async () => {
    const certs = makeTestCerts();
    const s = await start(certs, [], 600);
    try {
      const { closedAfterMs } = await exchange(s.ports.plain, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      assert.ok(closedAfterMs >= 500 && closedAfterMs < 4000, `closed after ${closedAfterMs} ms`);
      assert.equal((await httpsGet(s.ports.plain, '/api/v1/info', certs.caFile)).status, 200);
    } finally {
      await s.server.stop();
      certs.remove();
    }
  });
});

describe('TLS off', { skip: missing ?? false }, () => {
  it('runs without TLS when the key and certificate are missing, as netdata 1.37, and says so', async () => {
    const s = await start(null);
    try {
      assert.ok(logLines.some((l) => l.includes("web: TLS is off: no [web] ssl key '/nonexistent/key.pem'")));
      assert.equal((await fetch(`http://127.0.0.1:${s.ports.plain}/api/v1/info`)).status, 200);
      // a plain stream goes through where there is no certificate, but never on a force port
      assert.equal((await exchange(s.ports.plain, STREAM_REQUEST)).reply, 'Hit me baby, push them over...');
      assert.equal((await exchange(s.ports.force, STREAM_REQUEST)).reply, STREAM_TLS_REQUIRED);
    } finally {
      await s.server.stop();
    }
  });

  it('runs without TLS, logged as an error, when the key does not match the certificate', async () => {
    const certs = makeTestCerts();
    const s = await start(certs, [['web', 'ssl key', certs.stranger.key]]);
    try {
      assert.ok(logLines.some((l) => /ERROR.*web: TLS is off: the \[web\] ssl key .* do not load/.test(l)), logLines.join('\n'));
      assert.equal((await fetch(`http://127.0.0.1:${s.ports.plain}/api/v1/info`)).status, 200);
    } finally {
      await s.server.stop();
      certs.remove();
    }
  });

  it('does not start with a ^SSL= suffix netdata cannot read', async () => {
    const registry = createHostRegistry(
      { hostname: 'tls-bad', machineGuid: '11111111-2222-3333-4444-555555555555', os: 'linux', timezone: 'UTC' },
      { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    );
    const config = loadNetdataConfig(null, [['web', 'bind to', '127.0.0.1:0^SSL=optional']]);
    const server = createWebServer(config, { registry, version: 'v', effectiveConfig: () => '', accessLog: () => undefined });
    await assert.rejects(server.start(), BindToError);
    await server.stop();
  });
});
