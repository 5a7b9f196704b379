/**
 * Gap-free streaming between real agents on 127.0.0.1 (reference §2.8): every link negotiates
 * replication, so a parent that was away is refilled from its child's database or, for a child
 * without one, from the child's disk spool, across the child's own restart and kill -9; and a
 * chain of proxies stores the plugin's exact values from its first stored second. Outages are
 * shorter than an operator's (the mechanism does not depend on their length).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { dataRows, eventually, killAll, restartNode, startNode, type TestNode } from './nodes.js';

after(killAll);

const CHART = 'streamtest.values';
const nowS = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Row = (number | null)[];

/** The test chart's rows of [fromS, toS] at `node` (Tributary's `after` is exclusive), oldest first. */
async function rows(node: TestNode, prefix: string, fromS: number, toS: number): Promise<{ labels: string[]; rows: Row[] }> {
  const d = await node.api(`${prefix}/api/v1/data?chart=${CHART}&after=${fromS - 1}&before=${toS}&format=json&options=unaligned`);
  return { labels: d.labels, rows: [...d.data].reverse() };
}

/** Waits until `node` has a complete row of the test chart at second `t`. */
function untilRow(node: TestNode, prefix: string, t: number, timeoutMs = 40_000): Promise<unknown> {
  return eventually(`${node.hostname}${prefix} at ${t}`, async () => {
    const d = await rows(node, prefix, t, t + 2);
    return d.rows.some((r) => r[0] === t && r.slice(1).every((v) => v !== null)) ? d : undefined;
  }, timeoutMs);
}

/** Seconds of [fromS, toS] that have no complete row. */
function missing(d: { rows: Row[] }, fromS: number, toS: number): number[] {
  const have = new Set(d.rows.filter((r) => r.slice(1).every((v) => v !== null)).map((r) => r[0]));
  const gaps: number[] = [];
  for (let t = fromS; t <= toS; t++) if (!have.has(t)) gaps.push(t);
  return gaps;
}

/**
 * The plugin's exact values on every complete row: const 42, inc 100/s, counter +1 per second
 * within a run. Rows for which `skip` says true (a plugin's first seconds after a restart) are
 * left out.
 */
function assertExact(d: { labels: string[]; rows: Row[] }, where: string, skip = (_t: number) => false): number {
  const [c, n, i] = ['const', 'counter', 'inc'].map((l) => d.labels.indexOf(l));
  const full = (d.rows.filter((r) => r.slice(1).every((v) => v !== null)) as number[][]).filter((r) => !skip(r[0]!));
  for (const r of full) {
    assert.equal(r[c], 42, `${where}: const at ${r[0]}`);
    assert.equal(r[i], 100, `${where}: inc at ${r[0]} is ${r[i]}, exactly 100 from the first stored second`);
  }
  for (let k = 1; k < full.length; k++) {
    if (full[k]![0]! - full[k - 1]![0]! !== 1) continue;
    assert.equal(full[k]![n]! - full[k - 1]![n]!, 1, `${where}: counter at ${full[k]![0]} follows ${full[k - 1]![0]}`);
  }
  return full.length;
}

describe('replication between real agents', { concurrency: true }, () => {
  it('a headless collector fills its parent\'s outage from its spool, across its own SIGTERM restart and kill -9', async () => {
    let parent = await startNode({ hostname: 'p-spool', plugin: false, memoryMode: 'map' });
    let child = await startNode({
      hostname: 'c-spool', memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${parent.port}` },
    });
    // past the collector's first seconds (its first slots are not complete anywhere)
    await untilRow(parent, '/host/c-spool', nowS() + 6);
    await parent.stop();
    const awayFrom = nowS();
    const notRunning: Array<[number, number]> = [];
    await sleep(8000);
    // a clean restart of the collector while its parent is away
    let stoppedAt = nowS();
    await child.stop();
    child = await restartNode(child);
    notRunning.push([stoppedAt, nowS() + 1]);
    await sleep(8000);
    // and a crash
    stoppedAt = nowS();
    child.kill();
    await child.exited;
    child = await restartNode(child);
    notRunning.push([stoppedAt - 1, nowS() + 1]);
    await sleep(8000);
    parent = await restartNode(parent);
    const backAt = nowS();
    await untilRow(parent, '/host/c-spool', backAt + 3);
    const d = await rows(parent, '/host/c-spool', awayFrom - 2, backAt + 3);
    const running = (t: number): boolean => !notRunning.some(([a, b]) => t >= a && t <= b);
    const lost = missing(d, awayFrom - 2, backAt + 3).filter(running);
    assert.deepEqual(lost, [], `every second the collector ran is at the parent (outage ${awayFrom}..${backAt}, not running ${JSON.stringify(notRunning)})`);
    // a restarted plugin's first stored seconds hold its own first (partial) values
    const restarting = (t: number): boolean => notRunning.some(([a, b]) => t >= a && t <= b + 3);
    assert.ok(assertExact(d, 'parent', restarting) >= backAt - awayFrom - 10, 'the outage is filled');
    assert.match(child.output(), /STREAM c-spool \[spool\]: found [1-9]\d* points of \d+ charts/, 'the restarted collector found its spool');
    // the collector's own chart of its spool reaches the parent
    const spool = await parent.api(`/host/c-spool/api/v1/data?chart=netdata.spool&after=-5&format=json`);
    assert.ok(spool.data.some((r: number[]) => r[1]! > 0), `the spool's size is charted: ${JSON.stringify(spool.data)}`);
    assert.match(child.output(), /REPLICATION SUMMARY: finished, executed \d+ replication requests, 0 charts pending replication/);
  });

  it('headless → DB-less proxy → proxy with a database → parent: exact values from the first stored second, and the last hop\'s outage filled', async () => {
    let top = await startNode({ hostname: 'r-top', plugin: false, memoryMode: 'map' });
    const dbProxy = await startNode({ hostname: 'r-dbproxy', plugin: false, sendTo: { destination: `127.0.0.1:${top.port}` } });
    const headlessProxy = await startNode({
      hostname: 'r-proxy', memoryMode: 'none', plugin: false, sendTo: { destination: `127.0.0.1:${dbProxy.port}` },
    });
    await startNode({
      hostname: 'r-collector', memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${headlessProxy.port}` },
    });
    const firstAt = nowS();
    await untilRow(top, '/host/r-collector', firstAt + 8);
    const first = await rows(top, '/host/r-collector', firstAt - 30, firstAt + 8);
    assert.ok(assertExact(first, 'top, first seconds') >= 5, 'exact from the first stored second, with no resync period');

    await top.stop();
    const awayFrom = nowS();
    await sleep(15_000);
    top = await restartNode(top);
    const backAt = nowS();
    await untilRow(top, '/host/r-collector', backAt + 3);
    const d = await rows(top, '/host/r-collector', awayFrom - 3, backAt + 3);
    assert.deepEqual(missing(d, awayFrom - 3, backAt + 3), [], `the top has every second of its outage ${awayFrom}..${backAt}`);
    assertExact(d, 'top after its outage');
    // operators see each link and what replication did
    const info = await top.api('/host/r-collector/api/v1/info');
    // compressed with zstd between Tributary agents, lz4 where zstd is not installed
    assert.match(info.stream.received.capabilities, /^VCAPS HLABELS CLAIM CLABELS (COMPRESSION FUNCTIONS REPLICATION|FUNCTIONS REPLICATION ZSTD)$/);
    assert.ok(info.stream.received.replication.points_replayed >= 10, JSON.stringify(info.stream));
    assert.equal(info.stream.received.replication.pending_charts, 0);
    const atProxy = await dbProxy.api('/host/r-collector/api/v1/info');
    assert.ok(atProxy.stream.sent.connected && atProxy.stream.sent.replication.executed_requests > 0, JSON.stringify(atProxy.stream.sent));
    const charts = (await top.api('/api/v1/charts')).charts;
    assert.ok(charts['netdata.replication'] && charts['netdata.replication_points'], 'replication is charted');
    // the proxy with a database answered the top from its rings
    assert.match(dbProxy.output(), /STREAM r-collector \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS (COMPRESSION FUNCTIONS REPLICATION|FUNCTIONS REPLICATION ZSTD) /);
    assert.match(dbProxy.output(), /REPLICATION SUMMARY: finished/);
  });
});
