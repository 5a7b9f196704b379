/**
 * Tributary to Tributary over TLS, real agents on 127.0.0.1 with certificates made by openssl:
 * a child into a parent's `^SSL=force` streaming port (certificate verified with `CAfile`), a
 * plain child refused there while the TLS one goes on, a proxy receiving plain text and sending
 * TLS, a proxy receiving lz4 over TLS and sending zstd in plain text, and a sender that meets
 * an expired certificate, one from an unknown CA, or skips the verification. Skipped, with the
 * reason, when openssl is missing.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, dataRows, eventually, freePort, killAll, RESYNC_ROWS, startNode, type TestNode } from './nodes.js';
import { zstdMissing } from '../../src/streaming/zstd-binding.js';
import { makeTestCerts, opensslMissing, type KeyPair, type TestCerts } from '../support/tls-certs.js';

const missing = opensslMissing();
let certs: TestCerts | null = null;

before(() => { if (!missing) certs = makeTestCerts(); });
after(() => {
  killAll();
  certs?.remove();
});

const CHART = 'streamtest.values';
const noZstd = zstdMissing();
if (noZstd) console.log(`# the proxy's upstream link is tested as lz4: ${noZstd}`);

/**
 * netdata.conf lines for a parent: `pair` on the web server, the default port (the tests' API)
 * `^SSL=optional`, and a second port for streams with `^SSL=force`.
 */
function tlsWeb(pair: KeyPair, streamPort: number): string {
  return `[web]\n\tssl key = ${pair.key}\n\tssl certificate = ${pair.cert}\n` +
    `\tbind to = 127.0.0.1=dashboard|registry|badges|management|netdata.conf^SSL=optional 127.0.0.1:${streamPort}=streaming^SSL=force\n`;
}

/** Waits for `n` complete rows past the resync ones and checks the plugin's exact values. */
async function assertValues(node: TestNode, prefix: string, n = 4): Promise<void> {
  const rows = await eventually(`${n} rows of ${CHART} at ${node.hostname}${prefix}`, async () => {
    const d = await dataRows(node, prefix, CHART);
    const full = d.rows.filter((r) => r.slice(1).every((v) => v !== null));
    return full.length >= n + RESYNC_ROWS ? { labels: d.labels, rows: full.slice(0, -RESYNC_ROWS) } : undefined;
  }, 40_000);
  const c = rows.labels.indexOf('const');
  const k = rows.labels.indexOf('counter');
  for (const row of rows.rows) assert.equal(row[c], 42, `${node.hostname}${prefix}: const at ${row[0]}`);
  for (let i = 1; i < rows.rows.length; i++) {
    assert.equal(rows.rows[i - 1]![k]! - rows.rows[i]![k]!, 1, `${node.hostname}${prefix}: counter +1 per second`);
  }
}

const linkUp = (child: string, port: number): RegExp =>
  new RegExp(`STREAM ${child} \\[send to 127\\.0\\.0\\.1:${port}\\]: established link with negotiated capabilities: `);

describe('TLS between Tributary agents', { skip: missing ?? false, concurrency: true }, () => {
  it('a child streams over TLS into a force port, verified with CAfile; a plain child is refused there and the TLS one goes on', async () => {
    const streamPort = await freePort();
    const parent = await startNode({ hostname: 'p-tls', plugin: false, extraConf: tlsWeb(certs!.leaf, streamPort) });
    await parent.waitFor(`web: listening on 127.0.0.1:${streamPort} (TLS, ^SSL=force)`);
    const child = await startNode({
      hostname: 'c-tls', sendTo: { destination: `127.0.0.1:${streamPort}:SSL`, extra: `\tCAfile = ${certs!.caFile}\n` },
    });
    await child.waitFor(linkUp('c-tls', streamPort), 20_000);
    await parent.waitFor(/STREAM c-tls \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./);
    const plain = await startNode({ hostname: 'c-plain', sendTo: { destination: `127.0.0.1:${streamPort}` } });
    await plain.waitFor(/STREAM c-plain \[send to 127\.0\.0\.1:\d+\]: .*This port accepts only encrypted streams/, 20_000);
    await parent.waitFor(/STREAM \[receive from \[127\.0\.0\.1\]:\d+\]: refusing an unencrypted stream from child with hostname 'c-plain' \(this port is \^SSL=force\)/);
    await assertValues(parent, '/host/c-tls');
    assert.doesNotMatch(parent.output(), /STREAM c-tls .*disconnected/);
    assert.ok(!(await parent.api('/api/v1/info')).mirrored_hosts.includes('c-plain'), 'the plain child has no host at the parent');
  });

  it('a proxy receives plain text and sends over TLS; the top parent stores the child\'s values', async () => {
    const streamPort = await freePort();
    const top = await startNode({ hostname: 'p-tls-top', plugin: false, extraConf: tlsWeb(certs!.leaf, streamPort) });
    const proxy = await startNode({
      hostname: 'p-tls-proxy', plugin: false,
      sendTo: { destination: `127.0.0.1:${streamPort}:SSL`, extra: '\tssl skip certificate verification = yes\n' },
      receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = 127.0.0.1:${streamPort}:SSL\n` +
        `\tdefault proxy api key = ${API_KEY}\n`,
    });
    const child = await startNode({ hostname: 'c-tls-src', sendTo: { destination: `127.0.0.1:${proxy.port}` } });
    await child.waitFor(linkUp('c-tls-src', proxy.port), 20_000);
    await proxy.waitFor(linkUp('c-tls-src', streamPort), 20_000);
    await assertValues(top, '/host/c-tls-src');
  });

  it('a proxy receives lz4 over TLS and sends zstd in plain text; the top stores the child\'s values', async () => {
    const streamPort = await freePort();
    const top = await startNode({ hostname: 'p-mix-top', plugin: false });
    const proxy = await startNode({
      hostname: 'p-mix', plugin: false, extraConf: tlsWeb(certs!.leaf, streamPort),
      sendTo: { destination: `127.0.0.1:${top.port}` },
      receive: `[${API_KEY}]\n\tenabled = yes\n\tcompression algorithms order = lz4\n`,
    });
    const child = await startNode({
      hostname: 'c-mix', sendTo: { destination: `127.0.0.1:${streamPort}:SSL`, extra: `\tCAfile = ${certs!.caFile}\n` },
    });
    const caps = (node: TestNode, port: number): string | undefined =>
      new RegExp(`STREAM c-mix \\[send to 127\\.0\\.0\\.1:${port}\\]: established link with negotiated capabilities: ([A-Z ]+)\n`).exec(node.output())?.[1];
    await child.waitFor(linkUp('c-mix', streamPort), 20_000);
    await proxy.waitFor(linkUp('c-mix', top.port), 20_000);
    assert.match(caps(child, streamPort) ?? '', / COMPRESSION /, 'child -> proxy: lz4 (the proxy\'s order), inside TLS');
    assert.equal(caps(proxy, top.port), noZstd ? 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ' : 'VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ZSTD ',
      'proxy -> top: zstd, plain TCP');
    await assertValues(top, '/host/c-mix');
    const atProxy = (await proxy.api('/host/c-mix/api/v1/info')).stream;
    assert.equal(atProxy.received.compression, 'lz4');
    assert.equal(atProxy.sent.compression, noZstd ? 'lz4' : 'zstd');
  });

  it('a sender refuses an expired certificate and one from an unknown CA, names the destination and retries after its delay', async () => {
    const expiredPort = await freePort();
    const strangerPort = await freePort();
    const expired = await startNode({ hostname: 'p-tls-expired', plugin: false, extraConf: tlsWeb(certs!.expired, expiredPort) });
    const stranger = await startNode({ hostname: 'p-tls-stranger', plugin: false, extraConf: tlsWeb(certs!.stranger, strangerPort) });
    const child = await startNode({
      hostname: 'c-tls-bad',
      sendTo: { destination: `127.0.0.1:${expiredPort}:SSL 127.0.0.1:${strangerPort}:SSL`, extra: `\tCAfile = ${certs!.caFile}\n` },
    });
    const expiredLine = new RegExp(`STREAM c-tls-bad \\[send to 127\\.0\\.0\\.1:${expiredPort}\\]: failed to connect \\(the server SSL certificate is not valid: certificate has expired \\(CERT_HAS_EXPIRED\\)\\)`, 'g');
    const strangerLine = new RegExp(`STREAM c-tls-bad \\[send to 127\\.0\\.0\\.1:${strangerPort}\\]: failed to connect \\(the server SSL certificate is not valid: .*\\)`, 'g');
    await eventually('two rounds of refusals', async () =>
      ((child.output().match(expiredLine)?.length ?? 0) >= 2 && (child.output().match(strangerLine)?.length ?? 0) >= 2 ? true : undefined), 20_000);
    assert.doesNotMatch(child.output(), /established link/);
    // the parents' ports go on serving
    assert.equal((await expired.api('/api/v1/info')).version.length > 0, true);

    const skipping = await startNode({
      hostname: 'c-tls-skip',
      sendTo: { destination: `127.0.0.1:${strangerPort}:SSL`, extra: '\tssl skip certificate verification = yes\n' },
    });
    await skipping.waitFor(linkUp('c-tls-skip', strangerPort), 20_000);
    await assertValues(stranger, '/host/c-tls-skip');
  });
});
