/**
 * TLS with Debian's netdata 1.37 on 127.0.0.1, certificates made by openssl in the test: a
 * netdata child into a Tributary parent's `^SSL=force` port (certificate not verified, and
 * verified with `CAfile` on a link without compression), a Tributary child into a netdata
 * parent's force port (verified with `CAfile`), and a netdata child through a Tributary proxy
 * into a netdata parent, TLS on both links. lz4 is negotiated by default, so three of these are
 * TLS and compression together; each side's log shows the link and the parent stores every
 * second with the child's value. Skipped, with the reason, when netdata or openssl is missing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, eventually, freePort, killAll, startNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata, tlsBindTo } from './netdata.js';
import { nowS, sameSeconds } from './same-seconds.js';
import { makeTestCerts, opensslMissing, type KeyPair, type TestCerts } from '../support/tls-certs.js';

const missing = netdataMissing() ?? opensslMissing();
let certs: TestCerts | null = null;

before(() => { if (!missing) certs = makeTestCerts(); });
after(async () => {
  killAll();
  await stopAllNetdata();
  certs?.remove();
});

/** What a link between Tributary and 1.37 negotiates, with lz4 and without. */
const COMPRESSED = 'VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION ';
const PLAIN = 'VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ';

/** A Tributary parent's netdata.conf: TLS with `pair`, the API port optional, `streamPort` force. */
function tributaryTls(pair: KeyPair, streamPort: number): string {
  return `[web]\n\tssl key = ${pair.key}\n\tssl certificate = ${pair.cert}\n` +
    `\tbind to = 127.0.0.1=dashboard|registry|badges|management|netdata.conf^SSL=optional 127.0.0.1:${streamPort}=streaming^SSL=force\n`;
}

/** A 1.37 child's stream.conf to `destination`. */
function ndSender(destination: string, extra = ''): string {
  return `[stream]\n\tenabled = yes\n\tdestination = ${destination}\n\tapi key = ${API_KEY}\n` +
    `\treconnect delay seconds = 1\n\ttimeout seconds = 10\n${extra}`;
}

const ndParentConf = `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = dbengine\n\thealth enabled by default = no\n`;

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('TLS with netdata 1.37', { skip: missing ?? false, concurrency: true }, () => {
  it('a netdata child streams over TLS and lz4 into a Tributary parent\'s force port, which stores its exact values', async () => {
    const streamPort = await freePort();
    const parent = await startNode({ hostname: 'p-nd-tls', plugin: false, extraConf: tributaryTls(certs!.leaf, streamPort) });
    const nd = startNetdata({
      hostname: 'nd-tls',
      port: await freePort(),
      streamConf: ndSender(`127.0.0.1:${streamPort}:SSL`, '\tssl skip certificate verification = yes\n'),
    });
    await parent.waitFor(new RegExp(`STREAM nd-tls \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 30_000);
    await eventually('the child\'s log', async () => (/established link/.test(nd.log()) ? true : undefined), 10_000);
    assert.match(nd.log(), new RegExp(`STREAM nd-tls \\[send to 127\\.0\\.0\\.1:${streamPort}\\]: established link with negotiated capabilities: ${COMPRESSED}`));
    const from = nowS() + 2;
    for (const chart of ['system.uptime', 'system.cpu']) {
      await sameSeconds([(p) => parent.api(p), '/host/nd-tls'], (p) => nd.api(p), chart, from, from + 6);
    }
    assert.doesNotMatch(parent.output(), /refusing an unencrypted stream|TLS handshake failed|disconnected/);
  });

  it('a netdata child verifying with CAfile streams over TLS alone (enable compression = no) into a Tributary parent', async () => {
    const streamPort = await freePort();
    const parent = await startNode({ hostname: 'p-nd-tls-ca', plugin: false, extraConf: tributaryTls(certs!.leaf, streamPort) });
    const nd = startNetdata({
      hostname: 'nd-tls-ca',
      port: await freePort(),
      streamConf: ndSender(`127.0.0.1:${streamPort}:SSL`, `\tCAfile = ${certs!.caFile}\n\tenable compression = no\n`),
    });
    await parent.waitFor(new RegExp(`STREAM nd-tls-ca \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: established link with negotiated capabilities: ${PLAIN}\n`), 30_000);
    await eventually('the child\'s log', async () => (/established link/.test(nd.log()) ? true : undefined), 10_000);
    assert.match(nd.log(), new RegExp(`STREAM nd-tls-ca \\[send to 127\\.0\\.0\\.1:${streamPort}\\]: established link with negotiated capabilities: ${PLAIN}`));
    assert.doesNotMatch(nd.log(), /certificate is not valid|SSL cannot connect/);
    const from = nowS() + 2;
    await sameSeconds([(p) => parent.api(p), '/host/nd-tls-ca'], (p) => nd.api(p), 'system.uptime', from, from + 6);
  });

  it('a Tributary child verifying with CAfile streams over TLS and lz4 into a netdata parent\'s force port', async () => {
    const port = await freePort();
    const streamPort = await freePort();
    const nd = startNetdata({
      hostname: 'nd-tls-parent', port, memoryMode: 'dbengine', streamConf: ndParentConf,
      tls: { key: certs!.leaf.key, cert: certs!.leaf.cert, bindTo: tlsBindTo(port, streamPort) },
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const child = await startNode({
      hostname: 'c-tls-nd', sendTo: { destination: `127.0.0.1:${streamPort}:SSL`, extra: `\tCAfile = ${certs!.caFile}\n` },
    });
    await child.waitFor(new RegExp(`STREAM c-tls-nd \\[send to 127\\.0\\.0\\.1:${streamPort}\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 20_000);
    const from = nowS() + 5;
    await sameSeconds([(p) => nd.api(p), '/host/c-tls-nd'], (p) => child.api(p), 'streamtest.values', from, from + 6);
    assert.match(nd.log(), new RegExp(`STREAM c-tls-nd \\[receive from \\[localhost\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}`));
    assert.doesNotMatch(nd.log(), /always use encrypted connections|SSL Handshake error/);
  });

  it('a netdata child streams through a Tributary proxy into a netdata parent, TLS and lz4 on both links', async () => {
    const topPort = await freePort();
    const topStreamPort = await freePort();
    const nd = startNetdata({
      hostname: 'nd-tls-top', port: topPort, memoryMode: 'dbengine', streamConf: ndParentConf,
      tls: { key: certs!.leaf.key, cert: certs!.leaf.cert, bindTo: tlsBindTo(topPort, topStreamPort) },
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const proxyStreamPort = await freePort();
    const proxy = await startNode({
      hostname: 'p-tls-nd-proxy',
      plugin: false,
      extraConf: tributaryTls(certs!.leaf, proxyStreamPort),
      sendTo: { destination: `127.0.0.1:${topStreamPort}:SSL`, extra: `\tCAfile = ${certs!.caFile}\n` },
      receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = 127.0.0.1:${topStreamPort}:SSL\n` +
        `\tdefault proxy api key = ${API_KEY}\n`,
    });
    const source = startNetdata({
      hostname: 'nd-tls-source',
      port: await freePort(),
      streamConf: ndSender(`127.0.0.1:${proxyStreamPort}:SSL`, `\tCAfile = ${certs!.caFile}\n`),
    });
    await proxy.waitFor(new RegExp(`STREAM nd-tls-source \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 30_000);
    await proxy.waitFor(new RegExp(`STREAM nd-tls-source \\[send to 127\\.0\\.0\\.1:${topStreamPort}\\]: established link with negotiated capabilities: ${COMPRESSED}\n`), 30_000);
    const from = nowS() + 3;
    await sameSeconds([(p) => nd.api(p), '/host/nd-tls-source'], (p) => source.api(p), 'system.uptime', from, from + 6);
    assert.match(nd.log(), new RegExp(`STREAM nd-tls-source \\[receive from \\[localhost\\]:\\d+\\]: established link with negotiated capabilities: ${COMPRESSED}`));
    assert.match(source.log(), new RegExp(`STREAM nd-tls-source \\[send to 127\\.0\\.0\\.1:${esc(String(proxyStreamPort))}\\]: established link`));
  });
});
