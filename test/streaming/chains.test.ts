/**
 * Real agents streaming to each other on 127.0.0.1, one configuration of netdata's streaming
 * overview per test: headless collector → parent (with a dead first destination), child with
 * a database → parent with another history, a 3-hop chain of proxies, several children to one
 * parent, and a parent restart.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareRows, dataRows, eventually, freePort, killAll, restartNode, RESYNC_ROWS, startNode, type TestNode,
} from './nodes.js';
import { SPOOL_RECENT_SLOTS } from '../../src/streaming/index.js';

after(killAll);

const CHART = 'streamtest.values';

/** Waits until `node` serves at least `n` complete rows of the test chart for `prefix`, past the resync rows. */
function rowsOf(node: TestNode, prefix: string, n: number, timeoutMs?: number): Promise<{ labels: string[]; rows: number[][] }> {
  return eventually(`${n} rows of ${CHART} at ${node.hostname}${prefix}`, async () => {
    const d = await dataRows(node, prefix, CHART);
    const full = d.rows.filter((r) => r.slice(1).every((v) => v !== null));
    return full.length >= n + RESYNC_ROWS ? { labels: d.labels, rows: full.slice(0, -RESYNC_ROWS) } : undefined;
  }, timeoutMs);
}

/** The plugin's values seen anywhere downstream: const 42, counter +1 per second, inc 100/s, exactly. */
function assertPluginValues(rows: number[][], labels: string[], where: string): void {
  const c = labels.indexOf('const');
  const n = labels.indexOf('counter');
  const i = labels.indexOf('inc');
  assert.deepEqual([c, n, i].every((x) => x > 0), true, `${where}: labels ${labels.join(',')}`);
  for (const row of rows) {
    assert.equal(row[c], 42, `${where}: const at ${row[0]}`);
    assert.ok(Math.abs(row[i]! - 100) < 1e-3, `${where}: inc at ${row[0]} is ${row[i]}`);
  }
  for (let k = 1; k < rows.length; k++) {
    const step = rows[k - 1]![n]! - rows[k]![n]!; // newest first
    assert.ok(Math.abs(step - 1) < 1e-3, `${where}: counter grows by 1 per second (${rows[k]![n]} → ${rows[k - 1]![n]})`);
  }
}

function mirrored(info: any, hostname: string): { guid: string; hops: number; reachable: boolean } | undefined {
  return info.mirrored_hosts_status.find((h: any) => h.hostname === hostname);
}

function inOrder(output: string, lines: string[]): void {
  let at = 0;
  for (const line of lines) {
    const found = output.indexOf(line, at);
    assert.ok(found >= 0, `expected, in order: ${line}\n--- output ---\n${output.slice(-3000)}`);
    at = found + line.length;
  }
}

describe('streaming between real agents', { concurrency: true }, () => {
  it('a headless collector streams to a parent, failing over from a dead first destination', async () => {
    const parent = await startNode({ hostname: 'p-headless', plugin: false });
    const dead = await freePort();
    const child = await startNode({
      hostname: 'c-headless', memoryMode: 'none', web: false,
      sendTo: { destination: `127.0.0.1:${dead} 127.0.0.1:${parent.port}` },
    });
    const { labels, rows } = await rowsOf(parent, '/host/c-headless', 4);
    assertPluginValues(rows, labels, 'parent');
    const tag = 'STREAM c-headless';
    inOrder(child.output(), [
      `${tag} [send to 127.0.0.1:${dead}]: connecting...`,
      `${tag} [send to 127.0.0.1:${dead}]: failed to connect`,
      `${tag} [send to 127.0.0.1:${parent.port}]: connecting...`,
      `${tag} [send to 127.0.0.1:${parent.port}]: initializing communication...`,
      `${tag} [send to 127.0.0.1:${parent.port}]: waiting response from remote netdata...`,
      `${tag} [send to 127.0.0.1:${parent.port}]: established communication - sending metrics...`,
      `${tag} [send]: ready - sending metrics...`,
    ]);
    assert.doesNotMatch(child.output(), /web server started|listening on/, 'a headless collector opens no port');
    assert.match(parent.output(), /STREAM \[receive from \[127\.0\.0\.1\]:\d+\]: new client connection\./);
    assert.match(parent.output(), new RegExp(`Host 'c-headless' with guid '${child.guid}' initialized, os: linux, update every: 1, memory mode: ram, history entries: 3600`));
    assert.match(parent.output(), /STREAM c-headless \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./);
    const info = await parent.api('/api/v1/info');
    assert.deepEqual(mirrored(info, 'c-headless'), { ...mirrored(info, 'c-headless'), guid: child.guid, hops: 1, reachable: true });
    const charts = await parent.api('/host/c-headless/api/v1/charts');
    assert.deepEqual(Object.keys(charts.charts[CHART].dimensions), ['const', 'counter', 'inc']);
    assert.ok(charts.charts['streamtest.other'], 'every chart of the child is there');
  });

  it('a child with a database streams to a parent that keeps another history; both hold the same values', async () => {
    const parent = await startNode({
      hostname: 'p-history', plugin: false,
      receive: '[11111111-2222-3333-4444-555555555555]\n\tenabled = yes\n\tdefault history = 120\n',
    });
    const child = await startNode({ hostname: 'c-history', history: 600, sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await rowsOf(parent, '/host/c-history', 6);
    const [atParent, atChild] = await Promise.all([dataRows(parent, '/host/c-history', CHART), dataRows(child, '', CHART)]);
    const compared = compareRows(atParent.rows, atChild.rows, 'parent', 'child');
    assert.ok(compared >= 4, `compared ${compared} common points`);
    const [pCharts, cCharts] = await Promise.all([parent.api('/host/c-history/api/v1/charts'), child.api('/api/v1/charts')]);
    assert.equal(pCharts.history, 120);
    assert.equal(cCharts.history, 600);
    assert.equal(pCharts.charts[CHART].duration, 120);
  });

  it('a headless collector → headless proxy → proxy with a database → parent: 3 hops, same names, GUIDs and values', async () => {
    const top = await startNode({ hostname: 'z-top', plugin: false });
    const dbProxy = await startNode({ hostname: 'y-dbproxy', plugin: false, sendTo: { destination: `127.0.0.1:${top.port}` } });
    const headlessProxy = await startNode({
      hostname: 'x-proxy', memoryMode: 'none', plugin: false, sendTo: { destination: `127.0.0.1:${dbProxy.port}` },
    });
    const collector = await startNode({
      hostname: 'w-collector', memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${headlessProxy.port}` },
    });
    const { labels, rows } = await rowsOf(top, '/host/w-collector', 4, 30_000);
    assertPluginValues(rows, labels, 'top');
    const info = await eventually('every host at the top', async () => {
      const i = await top.api('/api/v1/info');
      return ['y-dbproxy', 'x-proxy', 'w-collector'].every((h) => mirrored(i, h)) ? i : undefined;
    });
    assert.deepEqual(
      ['z-top', 'y-dbproxy', 'x-proxy', 'w-collector'].map((h) => [h, mirrored(info, h)?.guid, mirrored(info, h)?.hops]),
      [['z-top', top.guid, 0], ['y-dbproxy', dbProxy.guid, 1], ['x-proxy', headlessProxy.guid, 2], ['w-collector', collector.guid, 3]],
    );
    // the proxy with a database holds the same values as the top for the collector
    const [atTop, atProxy] = await Promise.all([dataRows(top, '/host/w-collector', CHART), dataRows(dbProxy, '/host/w-collector', CHART)]);
    assert.ok(compareRows(atTop.rows, atProxy.rows, 'top', 'proxy') >= 2, 'the top and the proxy with a database agree');
    assert.match(headlessProxy.output(), /STREAM w-collector \[send to 127\.0\.0\.1:\d+\]: established communication - sending metrics\.\.\./);
    assert.match(dbProxy.output(), /Host 'w-collector' with guid '[0-9a-f-]+' initialized, .*streaming: enabled.*hops: 2/);
    // a headless proxy keeps no history: only the few recent slots its spool is fed from
    const none = await headlessProxy.api(`/host/w-collector/api/v1/data?chart=${CHART}&after=-30&format=json`);
    assert.ok(none.data.filter((r: number[]) => r.slice(1).some((v) => v !== null)).length <= SPOOL_RECENT_SLOTS);
  });

  it('several children stream to one parent at once', async () => {
    const parent = await startNode({ hostname: 'p-many', plugin: false });
    const children = await Promise.all(['m1', 'm2', 'm3'].map((hostname) => startNode({
      hostname, memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${parent.port}` },
    })));
    for (const child of children) {
      const { labels, rows } = await rowsOf(parent, `/host/${child.hostname}`, 3);
      assertPluginValues(rows, labels, child.hostname);
    }
    const info = await parent.api('/api/v1/info');
    assert.deepEqual(children.map((c) => mirrored(info, c.hostname)?.guid), children.map((c) => c.guid));
  });

  it('a child reconnects when its parent restarts, and data resumes', async () => {
    const parent = await startNode({ hostname: 'p-restart', plugin: false });
    const child = await startNode({ hostname: 'c-restart', memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await rowsOf(parent, '/host/c-restart', 2);
    // SIGKILL: a crashed parent (a clean stop is covered by the agent's own tests)
    parent.kill();
    await parent.exited;
    await child.waitFor(/STREAM c-restart \[send to 127\.0\.0\.1:\d+\]: (connection closed|failed to connect)/);
    await child.waitFor(`STREAM c-restart [send to 127.0.0.1:${parent.port}]: failed to connect`);
    const restartedAtS = Math.floor(Date.now() / 1000);
    const again = await restartNode(parent);
    const { labels, rows } = await rowsOf(again, '/host/c-restart', 3);
    assert.ok(rows[0]![0]! > restartedAtS, 'the rows are new');
    assertPluginValues(rows, labels, 'restarted parent');
    const established = child.output().split('established communication - sending metrics...').length - 1;
    assert.equal(established, 2, 'the child connected twice');
  });

  it('a parent in save mode stopped with SIGTERM between two child sessions serves the whole series', async () => {
    const parent = await startNode({ hostname: 'p-save', plugin: false, memoryMode: 'save' });
    const child = await startNode({ hostname: 'c-save', memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${parent.port}` } });
    const first = await rowsOf(parent, '/host/c-save', 3);
    await child.stop();
    await parent.waitFor('STREAM c-save [receive from');
    await parent.stop();
    assert.equal(await parent.exited, 0, 'a clean stop with a child having been connected');
    assert.match(parent.output(), /Stopping database\.\.\.[\s\S]*database stopped/);

    const again = await restartNode(parent);
    const restored = mirrored(await again.api('/api/v1/info'), 'c-save');
    assert.equal(restored?.reachable, false, 'the mirrored host is back, not connected');
    const before = await dataRows(again, '/host/c-save', CHART, -120);
    for (const row of first.rows) {
      const same = before.rows.find((r) => r[0] === row[0]);
      assert.deepEqual(same, row, `the first session's row at ${row[0]} is back`);
    }

    const childAgain = await restartNode(child);
    const restartedAtS = Math.floor(Date.now() / 1000);
    const second = await eventually('rows of the second session', async () => {
      const d = await dataRows(again, '/host/c-save', CHART, -120);
      const fresh = d.rows.filter((r) => r[0]! > restartedAtS && r.slice(1).every((v) => v !== null));
      return fresh.length >= 3 + RESYNC_ROWS ? fresh.slice(0, -RESYNC_ROWS) : undefined;
    });
    const whole = await dataRows(again, '/host/c-save', CHART, -120);
    for (const row of [...first.rows, ...second]) {
      assert.ok(whole.rows.some((r) => r[0] === row[0] && r.slice(1).every((v, k) => v === row[k + 1])),
        `row ${row[0]} of either session is served`);
    }
    await childAgain.stop();
  });
});
