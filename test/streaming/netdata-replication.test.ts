/**
 * Replication with Debian's netdata 1.37 on 127.0.0.1, both ways (reference §2.8): the link
 * negotiates REPLICATION, the parent is stopped and started again, and afterwards it serves
 * every second of the outage with the child's own value for that second. The outage here is
 * shorter than an operator's (the mechanism does not depend on its length). Skipped, with the
 * reason, when netdata is not installed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, eventually, freePort, killAll, restartNode, startNode, type TestNode } from './nodes.js';
import { netdataMissing, restartNetdata, startNetdata, stopAllNetdata, type NetdataNode, type NetdataOptions } from './netdata.js';

const missing = netdataMissing();
/** Seconds the parent stays away. */
const OUTAGE_SECS = 20;

after(async () => {
  killAll();
  await stopAllNetdata();
});

const nowS = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Rows = { labels: string[]; rows: (number | null)[][] };

/** The rows of [fromS, toS] (relative times, <= 0, are netdata's `after`/`before` as given). */
async function rowsOf(api: (path: string) => Promise<any>, path: string, chart: string, fromS: number, toS: number): Promise<Rows> {
  // Tributary's `after` leaves the point at `after` out; one second earlier takes [fromS, toS] on both
  const after = fromS > 0 ? fromS - 1 : fromS;
  const d = await api(`${path}/api/v1/data?chart=${chart}&after=${after}&before=${toS}&format=json&options=unaligned`);
  return { labels: d.labels, rows: d.data };
}

/** The rows keyed by time; a row with a null is a missing second. */
function byTime(rows: Rows): Map<number, (number | null)[]> {
  return new Map(rows.rows.map((r) => [r[0] as number, r.slice(1)]));
}

/** Every second of [fromS, toS] is at the parent, equal to the child's value for it. */
function assertEverySecond(parent: Rows, child: Rows, fromS: number, toS: number, what: string): void {
  assert.deepEqual(parent.labels, child.labels, `${what}: same dimensions`);
  const p = byTime(parent);
  const c = byTime(child);
  for (let t = fromS; t <= toS; t++) {
    const atChild = c.get(t);
    assert.ok(atChild && atChild.every((v) => v !== null),
      `${what}: the child has ${t} (its rows: ${child.rows.length ? `${child.rows.at(-1)![0]}..${child.rows[0]![0]}` : 'none'}, wanted ${fromS}..${toS}, got ${JSON.stringify(atChild)})`);
    const atParent = p.get(t);
    assert.ok(atParent && atParent.every((v) => v !== null), `${what}: the parent has every second: ${t} is missing (outage ${fromS}..${toS})`);
    for (let i = 0; i < atChild.length; i++) {
      const a = atParent[i] as number;
      const b = atChild[i] as number;
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what} at ${t}, ${child.labels[i + 1]}: parent ${a}, child ${b}`);
    }
  }
}

/** Waits until `api` serves a complete row of `chart` at second `t`. */
function untilHas(what: string, api: (path: string) => Promise<any>, path: string, chart: string, t: number): Promise<unknown> {
  return eventually(`${what} at ${t}`, async () => {
    const d = await rowsOf(api, path, chart, t, t + 2);
    return d.rows.some((r) => r[0] === t && r.slice(1).every((v) => v !== null)) ? d : undefined;
  }, 30_000);
}

describe('replication with netdata 1.37', { skip: missing ?? false, concurrency: true }, () => {
  it('a netdata child refills a Tributary parent (map) after the parent was away', async () => {
    let parent: TestNode = await startNode({ hostname: 'p-repl', plugin: false, memoryMode: 'map' });
    const nd = startNetdata({
      hostname: 'nd-repl',
      port: await freePort(),
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n` +
        '\treconnect delay seconds = 1\n\ttimeout seconds = 10\n',
    });
    await parent.waitFor(/STREAM nd-repl \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./, 30_000);
    await eventually('uptime at the parent', async () => {
      const d = await rowsOf((p) => parent.api(p), '/host/nd-repl', 'system.uptime', -10, 0);
      return d.rows.filter((r) => r[1] !== null).length >= 5 ? d : undefined;
    }, 40_000);
    assert.match(nd.log(), /STREAM nd-repl \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION /);
    assert.match(parent.output(), /STREAM nd-repl \[receive from \[127\.0\.0\.1\]:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION /);

    await parent.stop();
    const awayFrom = nowS();
    await sleep(OUTAGE_SECS * 1000);
    parent = await restartNode(parent);
    const backAt = nowS();
    await parent.waitFor(/STREAM nd-repl \[receive from \[127\.0\.0\.1\]:\d+\]: replication finished/, 60_000);
    // the seconds around the outage, and a few live ones after it
    const from = awayFrom - 3;
    const to = backAt + 3;
    await untilHas('live data at the parent', (p) => parent.api(p), '/host/nd-repl', 'system.uptime', to);
    await untilHas('the child', (p) => nd.api(p), '', 'system.uptime', to);
    for (const chart of ['system.uptime', 'system.cpu', 'system.ram']) {
      const [atParent, atChild] = await Promise.all([
        rowsOf((p) => parent.api(p), '/host/nd-repl', chart, from, to),
        rowsOf((p) => nd.api(p), '', chart, from, to),
      ]);
      assertEverySecond(atParent, atChild, from, to, chart);
    }
  });

  it('a Tributary child refills a netdata parent (dbengine) after the parent was away', async () => {
    // dbengine stores replayed points by their time; 1.37's ram mode stores them by slot, one slot
    // off (reference §11), which is netdata's own behaviour with a netdata child too
    const options: NetdataOptions = {
      hostname: 'nd-repl-parent',
      port: await freePort(),
      memoryMode: 'dbengine',
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = dbengine\n\thealth enabled by default = no\n`,
    };
    let nd: NetdataNode = startNetdata(options);
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const child = await startNode({ hostname: 'c-repl', sendTo: { destination: `127.0.0.1:${options.port}` } });
    await child.waitFor(/STREAM c-repl \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION /, 20_000);
    await eventually('rows at netdata', async () => {
      const d = await rowsOf((p) => nd.api(p), '/host/c-repl', 'streamtest.values', -10, 0);
      return d.rows.filter((r) => r.slice(1).every((v) => v !== null)).length >= 5 ? d : undefined;
    }, 40_000);
    assert.match(nd.log(), /STREAM c-repl \[receive from \[localhost\]:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS COMPRESSION FUNCTIONS REPLICATION /);

    await nd.stop();
    const awayFrom = nowS();
    await sleep(OUTAGE_SECS * 1000);
    nd = restartNetdata(nd, options);
    const backAt = nowS();
    const from = awayFrom - 3;
    const to = backAt + 3;
    await untilHas('live data at netdata', (p) => nd.api(p), '/host/c-repl', 'streamtest.values', to);
    await child.waitFor('REPLICATION SUMMARY: finished', 20_000);
    await untilHas('the child', (p) => child.api(p), '', 'streamtest.values', to);
    const [atParent, atChild] = await Promise.all([
      rowsOf((p) => nd.api(p), '/host/c-repl', 'streamtest.values', from, to),
      rowsOf((p) => child.api(p), '', 'streamtest.values', from, to),
    ]);
    assertEverySecond(atParent, atChild, from, to, 'streamtest.values');
  });
});
