/**
 * `/api/v1/topology` and the `netdata.streaming_*` charts between real agents on 127.0.0.1: a
 * 3-hop chain headless child → proxy → parent (the proxy sending over TLS where openssl can
 * make certificates), a child that goes away and comes back, a netdata 1.37 child into a
 * Tributary parent, and a Tributary proxy into a netdata 1.37 parent, which must log nothing
 * about the request header the proxy adds.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, dataRows, eventually, freePort, killAll, restartNode, startNode, type TestNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from './netdata.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../support/tls-certs.js';

const noOpenssl = opensslMissing();
const noNetdata = netdataMissing();
if (noOpenssl) console.log(`# the chain's proxy sends in plain text: ${noOpenssl}`);
let certs: TestCerts | null = null;

before(() => { if (!noOpenssl) certs = makeTestCerts(); });
after(async () => {
  killAll();
  await stopAllNetdata();
  certs?.remove();
});

/** The topology once `probe` accepts it. */
function topologyWhen(node: TestNode, what: string, probe: (t: any) => boolean, path = '/api/v1/topology'): Promise<any> {
  return eventually(`${what} at ${node.hostname}`, async () => {
    const t = await node.api(path);
    return probe(t) ? t : undefined;
  }, 40_000);
}

/** The newest value of each of `dims` on a `netdata.streaming_*` chart, once every one is > 0 (or >= 0 with `zeroOk`). */
function chartValues(node: TestNode, chart: string, dims: string[], zeroOk = false): Promise<number[]> {
  return eventually(`${dims.join(', ')} on ${chart} at ${node.hostname}`, async () => {
    const d = await dataRows(node, '', chart, -10).catch(() => undefined);
    if (!d) return undefined;
    const at = dims.map((dim) => d.labels.indexOf(dim));
    const row = d.rows.find((r) => at.every((i) => i > 0 && r[i] !== null));
    const values = row ? at.map((i) => row[i]!) : undefined;
    return values?.every((v) => zeroOk ? v >= 0 : v > 0) ? values : undefined;
  }, 20_000);
}

const hostOf = (t: any, hostname: string): any => t.hosts.find((h: any) => h.hostname === hostname);
const flowing = (link: any): boolean => link?.connected && link.bytes_per_second > 0 && link.values_per_second > 0;

/** The compression the capabilities name, as the link reports it. */
function compressionOf(capabilities: string): string | null {
  if (/\bZSTD\b/.test(capabilities)) return 'zstd';
  if (/\bCOMPRESSION\b/.test(capabilities)) return 'lz4';
  return null;
}

function assertLink(link: any, direction: string, host: string, tls: boolean, where: string): void {
  assert.equal(link.direction, direction, `${where}: direction`);
  assert.equal(link.host, host, `${where}: host`);
  assert.match(link.peer, /^127\.0\.0\.1:\d+$/, `${where}: peer`);
  assert.equal(link.connected, true, `${where}: connected`);
  assert.ok(link.since > 0 && link.since <= Date.now() / 1000 + 1, `${where}: since ${link.since}`);
  assert.equal(link.reconnects, 0, `${where}: reconnects`);
  assert.ok(link.bytes_per_second > 0 && link.values_per_second > 0, `${where}: rates ${link.bytes_per_second} B/s ${link.values_per_second} values/s`);
  assert.equal(link.tls, tls, `${where}: tls`);
  assert.match(link.capabilities, /\bREPLICATION\b/, `${where}: capabilities ${link.capabilities}`);
  assert.equal(link.compression, compressionOf(link.capabilities), `${where}: compression as negotiated (${link.capabilities})`);
  assert.notEqual(link.compression, null, `${where}: Tributary links compress by default`);
  assert.ok(link.lag_seconds !== null && link.lag_seconds >= 0 && link.lag_seconds < 10, `${where}: lag ${link.lag_seconds}`);
  assert.equal(typeof link.replication?.charts_pending, 'number', `${where}: replication`);
  assert.equal(link.spool, null, `${where}: nodes with a database have no spool`);
}

describe('GET /api/v1/topology', { concurrency: true }, () => {
  it('a 3-hop chain child → proxy → parent: every host with its hops, via and flowing links, compression and TLS as negotiated', async () => {
    const streamPort = await freePort();
    const tls = certs !== null;
    const parent = await startNode({
      hostname: 't-parent', plugin: false,
      extraConf: tls ? `[web]\n\tssl key = ${certs!.leaf.key}\n\tssl certificate = ${certs!.leaf.cert}\n` +
        `\tbind to = 127.0.0.1=dashboard|registry|badges|management|netdata.conf^SSL=optional 127.0.0.1:${streamPort}=streaming^SSL=force\n` : '',
    });
    const upstream = tls ? `127.0.0.1:${streamPort}:SSL` : `127.0.0.1:${parent.port}`;
    const proxy = await startNode({
      hostname: 't-proxy',
      sendTo: { destination: upstream, extra: tls ? '\tssl skip certificate verification = yes\n' : '' },
      receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = ${upstream}\n` +
        `\tdefault proxy api key = ${API_KEY}\n`,
    });
    // headless (no database): its sender spools to disk
    const child = await startNode({ hostname: 't-child', memoryMode: 'none', sendTo: { destination: `127.0.0.1:${proxy.port}` } });

    // flowing and stored: the first values of a link may arrive a second before a slot holds them
    const top = await topologyWhen(parent, 'both links flowing and stored', (t) =>
      ['t-proxy', 't-child'].every((h) => flowing(hostOf(t, h)?.inbound) && hostOf(t, h).last_data !== null));
    assert.deepEqual(top.node, { hostname: 't-parent', machine_guid: parent.guid });
    assert.ok(Math.abs(top.now - Date.now() / 1000) < 5, `now ${top.now}`);
    assert.deepEqual(top.hosts.map((h: any) => [h.hostname, h.machine_guid, h.hops, h.local, h.via, h.connected]), [
      ['t-parent', parent.guid, 0, true, null, true],
      ['t-proxy', proxy.guid, 1, false, 't-proxy', true],
      ['t-child', child.guid, 2, false, 't-proxy', true],
    ]);
    assert.equal(top.hosts[0].inbound, null, 'the local host has no inbound link');
    for (const h of top.hosts.slice(1)) {
      assert.ok(h.connected_since > 0 && h.last_data > 0, `${h.hostname}: connected_since ${h.connected_since}, last_data ${h.last_data}`);
      assertLink(h.inbound, 'in', h.hostname, tls, `parent's link of ${h.hostname}`);
    }
    assert.deepEqual(top.outbound, [], 'the parent sends nowhere');

    // the proxy: its own host and the child's go up, one link each, to the same destination
    const mid = await topologyWhen(proxy, 'two outbound links flowing', (t) => t.outbound.length === 2 &&
      t.outbound.every((l: any) => flowing(l) && l.lag_seconds !== null) && hostOf(t, 't-child')?.last_data !== null);
    assert.deepEqual(mid.hosts.map((h: any) => [h.hostname, h.hops, h.via]), [['t-proxy', 0, null], ['t-child', 1, 't-child']]);
    assertLink(hostOf(mid, 't-child').inbound, 'in', 't-child', false, 'proxy\'s link of t-child');
    const out = [...mid.outbound].sort((a: any, b: any) => a.host.localeCompare(b.host));
    assert.deepEqual(out.map((l: any) => [l.host, l.peer]), [
      ['t-child', `127.0.0.1:${tls ? streamPort : parent.port}`], ['t-proxy', `127.0.0.1:${tls ? streamPort : parent.port}`],
    ]);
    for (const l of out) assertLink(l, 'out', l.host, tls, `proxy's link up for ${l.host}`);

    // the headless child's own link up shows its spool
    const own = await topologyWhen(child, 'the spool holding points', (t) => flowing(t.outbound[0]) && t.outbound[0].spool?.bytes > 0);
    assert.equal(own.outbound.length, 1);
    assert.deepEqual([own.outbound[0].host, own.outbound[0].peer, own.outbound[0].tls], ['t-child', `127.0.0.1:${proxy.port}`, false]);
    assert.ok(own.outbound[0].spool.oldest > 0 && own.outbound[0].spool.oldest <= own.now, `spool oldest ${own.outbound[0].spool.oldest}`);
    assert.deepEqual(own.hosts.map((h: any) => [h.hostname, h.local]), [['t-child', true]]);

    // the same links as charts, one dimension each: at the parent the children's, at the proxy its senders' too
    const ins = ['in:t-proxy', 'in:t-child'];
    await chartValues(parent, 'netdata.streaming_values', ins);
    await chartValues(parent, 'netdata.streaming_bytes', ins);
    await chartValues(parent, 'netdata.streaming_lag', ins, true);
    await chartValues(parent, 'netdata.streaming_reconnects', ins, true);
    await chartValues(parent, 'netdata.streaming_replication', ins, true);
    const outs = out.map((l: any) => `out:${l.host}:${l.peer}`);
    await chartValues(proxy, 'netdata.streaming_values', ['in:t-child', ...outs]);
    await chartValues(proxy, 'netdata.streaming_bytes', ['in:t-child', ...outs]);
    await chartValues(proxy, 'netdata.streaming_buffer', outs, true);
    const charts = (await parent.api('/api/v1/charts')).charts;
    assert.equal(charts['netdata.streaming_buffer'], undefined, 'a node that sends nowhere has no send buffer chart');

    // the same tree under a host prefix
    const prefixed = await parent.api('/host/t-child/api/v1/topology');
    assert.deepEqual(prefixed.node, top.node);
    assert.deepEqual(prefixed.hosts.map((h: any) => h.hostname), ['t-parent', 't-proxy', 't-child']);
  });

  it('a child that goes away keeps its host with its link down since then, and counts a reconnect when it is back; so does a sender whose parent restarts', async () => {
    let parent = await startNode({ hostname: 't-rc-parent', plugin: false });
    let child = await startNode({ hostname: 't-rc-child', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await topologyWhen(parent, 'the child flowing', (t) => flowing(hostOf(t, 't-rc-child')?.inbound));
    await child.stop();
    const stoppedS = Math.floor(Date.now() / 1000);
    const down = hostOf(await topologyWhen(parent, 'the link down', (t) => hostOf(t, 't-rc-child')?.connected === false), 't-rc-child');
    assert.deepEqual([down.connected, down.connected_since, down.inbound.connected, down.inbound.reconnects], [false, null, false, 0]);
    assert.ok(Math.abs(down.inbound.since - stoppedS) <= 2, `down since ${down.inbound.since}, stopped at ${stoppedS}`);
    assert.notEqual(down.inbound.compression, null, 'a link that is down shows what it last used');
    child = await restartNode(child);
    const back = hostOf(await topologyWhen(parent, 'the link back', (t) => flowing(hostOf(t, 't-rc-child')?.inbound)), 't-rc-child');
    assert.deepEqual([back.connected, back.inbound.reconnects], [true, 1]);
    assert.ok(back.inbound.since >= down.inbound.since && back.connected_since === back.inbound.since, 'up since the new connection');
    await chartValues(parent, 'netdata.streaming_reconnects', ['in:t-rc-child']);

    // the other end: the child's sender while its parent restarts
    assert.equal((await topologyWhen(child, 'its link up', (t) => flowing(t.outbound[0]))).outbound[0].reconnects, 0);
    await parent.stop();
    const out = (await topologyWhen(child, 'its link down', (t) => t.outbound[0]?.connected === false)).outbound[0];
    assert.ok(Math.abs(out.since - Date.now() / 1000) <= 3, `down since ${out.since}`);
    parent = await restartNode(parent);
    const again = (await topologyWhen(child, 'its link up again', (t) => flowing(t.outbound[0]))).outbound[0];
    assert.deepEqual([again.reconnects, again.peer], [1, `127.0.0.1:${parent.port}`]);
    assert.ok(again.since >= out.since, 'up since the new connection');
  });

  it('a netdata 1.37 child into a Tributary parent shows with its link (via: itself, at hops 1)', { skip: noNetdata ?? false }, async () => {
    const parent = await startNode({ hostname: 't-nd-parent', plugin: false });
    startNetdata({
      hostname: 't-nd-child', port: 0,
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n`,
    });
    const t = await topologyWhen(parent, 'the netdata child flowing', (x) => flowing(hostOf(x, 't-nd-child')?.inbound));
    const h = hostOf(t, 't-nd-child');
    assert.deepEqual([h.hops, h.local, h.via, h.connected], [1, false, 't-nd-child', true]);
    assert.equal(h.inbound.tls, false);
    assert.equal(h.inbound.compression, 'lz4', `1.37 compresses with lz4 (${h.inbound.capabilities})`);
    assert.match(h.inbound.capabilities, /\bREPLICATION\b/);
  });

  it('a netdata 1.37 parent fed by a Tributary proxy logs nothing about what the handshake adds', { skip: noNetdata ?? false }, async () => {
    const ndPort = await freePort();
    const nd = startNetdata({
      hostname: 't-nd-top', port: ndPort,
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\thealth enabled by default = no\n`,
    });
    // netdata takes long to answer on a loaded machine (the whole suite at once)
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 60_000);
    const proxy = await startNode({ hostname: 't-nd-proxy', sendTo: { destination: `127.0.0.1:${ndPort}` } });
    await startNode({ hostname: 't-nd-src', sendTo: { destination: `127.0.0.1:${proxy.port}` } });
    await eventually('both hosts at netdata', async () => {
      const info = await nd.api('/api/v1/info');
      return ['t-nd-proxy', 't-nd-src'].every((n) => info.mirrored_hosts.includes(n)) ? info : undefined;
    }, 40_000);
    const t = await topologyWhen(proxy, 'two links up to netdata', (x) => x.outbound.length === 2 && x.outbound.every(flowing));
    for (const l of t.outbound) assert.equal(l.peer, `127.0.0.1:${ndPort}`);
    const log = nd.log();
    assert.doesNotMatch(log, /X-Tributary-Via|t-nd-proxy'? *=|which is not used/i, 'netdata says nothing of the via header');
    assert.match(log, /STREAM t-nd-src \[receive from/, 'the proxied host\'s link is in the log');
  });
});
