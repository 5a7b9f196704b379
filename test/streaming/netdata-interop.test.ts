/**
 * Interop with Debian's netdata 1.37 on 127.0.0.1, both ways: a netdata child streams into a
 * Tributary parent, and a Tributary child streams into a netdata parent. On each side the
 * other's charts are served under /host/NAME/ with the values the source holds. Skipped, with
 * the reason, when netdata is not installed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { CAP, OFFERED_CAPABILITIES, PROMPT_V1 } from '../../src/streaming/index.js';
import { API_KEY, compareRows, dataRows, eventually, freePort, killAll, newGuid, startNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata, type NetdataNode } from './netdata.js';

const missing = netdataMissing();

after(async () => {
  killAll();
  await stopAllNetdata();
});

/** The raw reply of a parent to one STREAM request. */
async function rawReply(port: number, extra: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`STREAM key=${API_KEY}&hostname=probe&machine_guid=${newGuid()}&update_every=1${extra} HTTP/1.1\r\n` +
    'User-Agent: probe/1\r\nAccept: */*\r\n\r\n');
  let text = '';
  socket.on('data', (d) => { text += d.toString('latin1'); });
  await new Promise((r) => setTimeout(r, 700));
  socket.destroy();
  return text;
}

async function ndRows(nd: NetdataNode, prefix: string, chart: string) {
  const d = await nd.api(`${prefix}/api/v1/data?chart=${chart}&after=-60&format=json`);
  return { labels: d.labels as string[], rows: d.data as number[][] };
}

describe('interop with netdata 1.37', { skip: missing ?? false, concurrency: true }, () => {
  it('a netdata child streams into a Tributary parent, which serves its charts and values', async () => {
    const parent = await startNode({ hostname: 'p-for-nd', plugin: false });
    const nd = startNetdata({
      hostname: 'nd-child',
      port: await freePort(),
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n` +
        '\tinitial clock resync iterations = 2\n',
    });
    await parent.waitFor(/STREAM nd-child \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./, 30_000);
    assert.match(parent.output(), /Host 'nd-child' with guid '[0-9a-f-]{36}' initialized, os: linux/);
    const uptime = await eventually('uptime rows at the parent', async () => {
      const d = await dataRows(parent, '/host/nd-child', 'system.uptime', -60);
      return d.rows.filter((r) => r[1] !== null).length >= 10 ? d : undefined;
    }, 40_000);
    const source = await ndRows(nd, '', 'system.uptime');
    assert.deepEqual(uptime.labels, source.labels);
    assert.ok(compareRows(uptime.rows, source.rows, 'tributary', 'netdata', 0.1) >= 4, 'uptime agrees');
    const [atParent, atSource] = await Promise.all([parent.api('/host/nd-child/api/v1/charts'), nd.api('/api/v1/charts')]);
    const parentCharts = Object.keys(atParent.charts);
    assert.ok(parentCharts.length >= 20, `${parentCharts.length} charts arrived`);
    for (const id of parentCharts) assert.ok(atSource.charts[id], `${id} is one of the child's charts`);
    assert.deepEqual(Object.keys(atParent.charts['system.cpu'].dimensions).sort(), Object.keys(atSource.charts['system.cpu'].dimensions).sort());
    assert.match(nd.log(), /STREAM nd-child \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION /);
  });

  it('a Tributary child streams into a netdata parent, which serves its charts and values', async () => {
    const nd = startNetdata({
      hostname: 'nd-parent',
      port: await freePort(),
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\thealth enabled by default = no\n`,
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    // what a 1.37 parent answers: V1 to no ver= and to ver=1, VN to 5, and the shared bits to
    // what Tributary offers
    assert.equal(await rawReply(nd.port, ''), PROMPT_V1);
    assert.equal(await rawReply(nd.port, '&ver=1'), PROMPT_V1);
    assert.equal(await rawReply(nd.port, '&ver=5'), 'Hit me baby, push them over with the version=5');
    const shared = CAP.VCAPS | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION | CAP.FUNCTIONS | CAP.REPLICATION;
    assert.equal(await rawReply(nd.port, `&ver=${OFFERED_CAPABILITIES}`), `Hit me baby, push them over with the version=${shared}`);

    const child = await startNode({ hostname: 'c-to-nd', sendTo: { destination: `127.0.0.1:${nd.port}` } });
    await child.waitFor('STREAM c-to-nd [send]: ready - sending metrics...', 20_000);
    const atParent = await eventually('rows at netdata', async () => {
      const d = await ndRows(nd, '/host/c-to-nd', 'streamtest.values');
      return d.rows.filter((r) => r.slice(1).every((v) => v !== null)).length >= 9 ? d : undefined;
    }, 40_000);
    const atChild = await dataRows(child, '', 'streamtest.values', -60);
    assert.deepEqual(atParent.labels, ['time', 'const', 'counter', 'inc']);
    assert.ok(compareRows(atParent.rows, atChild.rows, 'netdata', 'tributary', 0.1) >= 4, 'values agree');
    const info = await nd.api('/api/v1/info');
    assert.ok(info.mirrored_hosts.includes('c-to-nd'));
    const charts = await nd.api('/host/c-to-nd/api/v1/charts');
    assert.equal(charts.charts['streamtest.values'].units, 'n');
    assert.deepEqual(Object.keys(charts.charts['streamtest.values'].dimensions), ['const', 'counter', 'inc']);
    assert.match(nd.log(), /STREAM c-to-nd \[receive from \[localhost\]:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION /);
  });
});
