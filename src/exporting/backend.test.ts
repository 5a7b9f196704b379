/**
 * One conformance suite for every backend format (STYLE "One interface, one conformance suite"):
 * known data goes through the real parser into real hosts on a fixed clock; the backend sends
 * to a raw TCP capture on 127.0.0.1; every line is checked byte for byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setLogSink, type LogSink } from '../log.js';
import type { BackendType } from '../config/index.js';
import { createBackend, type Backend } from './index.js';
import { backendConfig, Capture, T0, TestData, waitUntil } from './test-fixture.js';

const CHILDREN = [
  { hostname: 'child1', memoryMode: 'ram' as const, tags: 'env=test' },
  { hostname: 'child2', memoryMode: 'none' as const },
];

/** netdata's lines for the standard data at T0 + 20 (window T0+1..T0+17 from the database). */
const EXPECTED: Record<BackendType, Record<'as collected' | 'average' | 'sum', string[]>> = {
  graphite: {
    'as collected': [
      'netdata.my-node.test._home.avail 120 1700000020',
      'netdata.my-node.test._home.used_space 40000 1700000020',
      'netdata.my-node.test.net.received 20000 1700000020',
      'netdata.child1.child.load.load1 1000 1700000020',
      'netdata.child2.child.load.load1 1000 1700000020',
    ],
    average: [
      'netdata.my-node.test._home.avail 109.0000000 1700000017',
      'netdata.my-node.test._home.used_space 18.0000000 1700000017',
      'netdata.my-node.test.net.received 8000.0000000 1700000017',
      'netdata.child1.child.load.load1 4.5000000 1700000017',
    ],
    sum: [
      'netdata.my-node.test._home.avail 1853.0000000 1700000017',
      'netdata.my-node.test._home.used_space 306.0000000 1700000017',
      'netdata.my-node.test.net.received 136000.0000000 1700000017',
      'netdata.child1.child.load.load1 76.5000000 1700000017',
    ],
  },
  opentsdb: {
    'as collected': [
      'put netdata.test._home.avail 1700000020 120 host=my-node',
      'put netdata.test._home.used_space 1700000020 40000 host=my-node',
      'put netdata.test.net.received 1700000020 20000 host=my-node',
      'put netdata.child.load.load1 1700000020 1000 host=child1 env=test',
      'put netdata.child.load.load1 1700000020 1000 host=child2',
    ],
    average: [
      'put netdata.test._home.avail 1700000017 109.0000000 host=my-node',
      'put netdata.test._home.used_space 1700000017 18.0000000 host=my-node',
      'put netdata.test.net.received 1700000017 8000.0000000 host=my-node',
      'put netdata.child.load.load1 1700000017 4.5000000 host=child1 env=test',
    ],
    sum: [
      'put netdata.test._home.avail 1700000017 1853.0000000 host=my-node',
      'put netdata.test._home.used_space 1700000017 306.0000000 host=my-node',
      'put netdata.test.net.received 1700000017 136000.0000000 host=my-node',
      'put netdata.child.load.load1 1700000017 76.5000000 host=child1 env=test',
    ],
  },
  json: {
    'as collected': [
      jsonLine('my-node', '', 'disk', 'avail', 'avail', '120', 1700000020),
      jsonLine('my-node', '', 'disk', 'used', 'used space', '40000', 1700000020),
      jsonLine('my-node', '', 'net', 'received', 'received', '20000', 1700000020),
      jsonLine('child1', '"host_tags":"env=test",', 'load', 'load1', 'load1', '1000', 1700000020),
      jsonLine('child2', '', 'load', 'load1', 'load1', '1000', 1700000020),
    ],
    average: [
      jsonLine('my-node', '', 'disk', 'avail', 'avail', '109.0000000', 1700000017),
      jsonLine('my-node', '', 'disk', 'used', 'used space', '18.0000000', 1700000017),
      jsonLine('my-node', '', 'net', 'received', 'received', '8000.0000000', 1700000017),
      jsonLine('child1', '"host_tags":"env=test",', 'load', 'load1', 'load1', '4.5000000', 1700000017),
    ],
    sum: [
      jsonLine('my-node', '', 'disk', 'avail', 'avail', '1853.0000000', 1700000017),
      jsonLine('my-node', '', 'disk', 'used', 'used space', '306.0000000', 1700000017),
      jsonLine('my-node', '', 'net', 'received', 'received', '136000.0000000', 1700000017),
      jsonLine('child1', '"host_tags":"env=test",', 'load', 'load1', 'load1', '76.5000000', 1700000017),
    ],
  },
};

/** The three charts' fixed fields, by family. */
function jsonLine(hostname: string, tags: string, family: string, id: string, name: string, value: string, ts: number): string {
  const chart = {
    disk: ['test.disk_space', 'test./home', 'disk.space', 'test', 'GiB'],
    net: ['test.net', 'test.net', 'net.net', 'test', 'kilobits/s'],
    load: ['child.load', 'child.load', 'system.load', 'child', 'load'],
  }[family]!;
  return `{"prefix":"netdata","hostname":"${hostname}",${tags}"chart_id":"${chart[0]}","chart_name":"${chart[1]}",`
    + `"chart_family":"${family}","chart_context": "${chart[2]}","chart_type":"${chart[3]}","units": "${chart[4]}",`
    + `"id":"${id}","name":"${name}","value":${value},"timestamp": ${ts}}`;
}

const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

let logLines: string[] = [];
let previousSink: LogSink;
before(() => { previousSink = setLogSink((line) => { logLines.push(line); }); });
after(() => { setLogSink(previousSink); });

/** A started backend on the standard data, iterating only when the test says so. */
async function startBackend(data: TestData, settings: Record<string, string>): Promise<Backend> {
  const backend = createBackend(backendConfig({ hostname: 'my-node', 'update every': '10', ...settings }), {
    registry: data.registry, nowMs: data.clock.nowMs, schedule: false,
  });
  backend.start();
  return backend;
}

async function freePort(): Promise<number> {
  const probe = new Capture();
  const port = await probe.listen();
  await probe.close();
  return port;
}

for (const type of ['graphite', 'opentsdb', 'json'] as const) {
  describe(`backend type = ${type}`, () => {
    for (const source of ['as collected', 'average', 'sum'] as const) {
      it(`sends netdata's exact lines for data source = ${source}`, async (t) => {
        const capture = new Capture();
        const port = await capture.listen();
        const data = new TestData(CHILDREN);
        const backend = await startBackend(data, { type, destination: `127.0.0.1:${port}`, 'data source': source });
        t.after(async () => { await backend.stop(); await capture.close(); });
        await waitUntil(() => backend.connected, 5000, 'the backend to connect');
        data.collectUntil(20);
        backend.tick();
        const expected = text(EXPECTED[type][source]);
        assert.equal(await capture.waitFor(expected.length), expected);
        assert.equal(backend.failures, 0);
        assert.equal(backend.lastCounters.sentMetrics, EXPECTED[type][source].length);
      });
    }

    it('fails over to the next destination when the first is dead', async (t) => {
      const dead = await freePort();
      const capture = new Capture();
      const port = await capture.listen();
      const data = new TestData();
      const backend = await startBackend(data, {
        type, destination: `127.0.0.1:${dead} tcp:127.0.0.1:${port}`, 'data source': 'as collected',
      });
      t.after(async () => { await backend.stop(); await capture.close(); });
      await waitUntil(() => backend.connected, 5000, 'the backend to connect to the second destination');
      data.collectUntil(20);
      backend.tick();
      const expected = text(EXPECTED[type]['as collected'].slice(0, 3));
      assert.equal(await capture.waitFor(expected.length), expected);
      assert.equal(capture.connections, 1);
    });
  });
}

describe('backend buffering', () => {
  it('keeps the buffer while the receiver is down and sends it all when it is back', async (t) => {
    const capture = new Capture();
    const port = await capture.listen();
    const data = new TestData();
    const backend = await startBackend(data, {
      destination: `127.0.0.1:${port}`, 'data source': 'average', 'buffer on failures': '3',
      'send charts matching': 'test.disk_space',
    });
    let restarted: Capture | null = null;
    t.after(async () => { await backend.stop(); await capture.close(); await restarted?.close(); });
    await waitUntil(() => backend.connected, 5000, 'the backend to connect');
    await capture.close();
    await waitUntil(() => !backend.connected, 5000, 'the backend to see the receiver gone');

    logLines = [];
    for (const k of [20, 30, 40]) {
      data.collectUntil(k);
      backend.tick();
    }
    assert.equal(backend.failures, 3);
    assert.equal(logLines.filter((l) => l.includes(`BACKEND: failed to update database backend '127.0.0.1:${port}'`)).length, 3);
    assert.equal(backend.lastCounters.bufferedMetrics, 6);
    assert.equal(backend.lastCounters.failures, 1);

    restarted = new Capture();
    await restarted.listen(port);
    await waitUntil(() => backend.connected, 5000, 'the backend to reconnect');
    data.collectUntil(50);
    backend.tick();
    // windows T0+1..17, T0+18..27, T0+28..37, T0+38..47: consecutive, never overlapping
    const expected = text([
      'netdata.my-node.test._home.avail 109.0000000 1700000017',
      'netdata.my-node.test._home.used_space 18.0000000 1700000017',
      'netdata.my-node.test._home.avail 122.5000000 1700000027',
      'netdata.my-node.test._home.used_space 45.0000000 1700000027',
      'netdata.my-node.test._home.avail 132.5000000 1700000037',
      'netdata.my-node.test._home.used_space 65.0000000 1700000037',
      'netdata.my-node.test._home.avail 142.5000000 1700000047',
      'netdata.my-node.test._home.used_space 85.0000000 1700000047',
    ]);
    assert.equal(await restarted.waitFor(expected.length), expected);
    assert.equal(backend.failures, 0);
    assert.equal(backend.lastCounters.sentMetrics, 8);
    assert.equal(backend.lastCounters.sentBytes, expected.length);
    assert.equal(backend.lastCounters.writes, 1);
    assert.equal(backend.bufferedBytes, 0);
  });

  it('drops the buffer after more than `buffer on failures` failures, with netdata\'s log line', async (t) => {
    const dead = await freePort();
    const data = new TestData();
    const backend = await startBackend(data, {
      destination: `127.0.0.1:${dead}`, 'data source': 'as collected', 'buffer on failures': '2',
      'send charts matching': 'test.disk_space',
    });
    t.after(() => backend.stop());
    logLines = [];
    for (const k of [20, 30]) {
      data.collectUntil(k);
      backend.tick();
    }
    const kept = text([
      'netdata.my-node.test._home.avail 120 1700000020',
      'netdata.my-node.test._home.used_space 40000 1700000020',
      'netdata.my-node.test._home.avail 130 1700000030',
      'netdata.my-node.test._home.used_space 60000 1700000030',
    ]);
    assert.equal(backend.bufferedBytes, kept.length);
    assert.equal(backend.lastCounters.bufferedBytes, kept.length);
    const third = text([
      'netdata.my-node.test._home.avail 140 1700000040',
      'netdata.my-node.test._home.used_space 80000 1700000040',
    ]);
    data.collectUntil(40);
    backend.tick();
    assert.equal(backend.bufferedBytes, 0);
    assert.equal(backend.failures, 0);
    const dropped = logLines.filter((l) => l.includes('BACKEND: reached 3 backend failures. Flushing buffers to protect this host '
      + `- this results in data loss on back-end server '127.0.0.1:${dead}'`));
    assert.equal(dropped.length, 1);
    assert.match(dropped[0]!, / ERROR: /);
    assert.equal(backend.lastCounters.lostMetrics, 6);
    assert.equal(backend.lastCounters.discards, 1);
    assert.equal(backend.lastCounters.lostBytes, kept.length + third.length);
    assert.equal(backend.lastCounters.bufferedBytes, 0);
  });
});

describe('backend timer and self-monitoring charts', () => {
  it('iterates every update every second on the wall clock and archives its own netdata.backend_* charts', async (t) => {
    const capture = new Capture();
    const port = await capture.listen();
    const data = new TestData([], Math.floor(Date.now() / 1000));
    const backend = createBackend(backendConfig({
      hostname: 'my-node', 'update every': '1', destination: `127.0.0.1:${port}`, 'data source': 'as collected',
    }), { registry: data.registry });
    t.after(async () => { await backend.stop(); await capture.close(); });
    backend.start();
    // the first iteration has nothing (the self charts are not collected yet); then 12 lines each
    await waitUntil(() => capture.text.split('\n').length > 3 * 12, 8000, 'three iterations of self charts');
    await backend.stop();
    const lines = capture.text.trimEnd().split('\n');
    const blocks = new Map<number, string[]>();
    for (const line of lines) {
      const m = /^netdata\.my-node\.netdata\.backend_(metrics|bytes|ops)\.(\w+) (\d+) (\d+)$/.exec(line);
      assert.ok(m, `unexpected line ${line}`);
      const ts = Number(m[4]);
      blocks.set(ts, [...(blocks.get(ts) ?? []), line]);
    }
    const times = [...blocks.keys()];
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 1, 'one iteration a second');
    const names = (block: string[]) => block.map((l) => l.split(' ')[0]!.split('.').slice(2).join('.'));
    assert.deepEqual(names(blocks.get(times[1]!)!), [
      'netdata.backend_metrics.buffered', 'netdata.backend_metrics.lost', 'netdata.backend_metrics.sent',
      'netdata.backend_bytes.buffered', 'netdata.backend_bytes.lost', 'netdata.backend_bytes.sent', 'netdata.backend_bytes.received',
      'netdata.backend_ops.write', 'netdata.backend_ops.discard', 'netdata.backend_ops.reconnect', 'netdata.backend_ops.failure',
      'netdata.backend_ops.read',
    ]);
    // each block reports what the block before it did: 12 metrics and exactly its bytes sent
    const value = (block: string[], name: string) => Number(block.find((l) => l.includes(`.${name} `))!.split(' ')[1]);
    const previous = blocks.get(times[1]!)!;
    const current = blocks.get(times[2]!)!;
    assert.equal(value(current, 'backend_metrics.sent'), 12);
    assert.equal(value(current, 'backend_bytes.sent'), previous.join('\n').length + 1);
    assert.equal(value(current, 'backend_ops.write'), 1);
    assert.equal(value(current, 'backend_ops.failure'), 0);
    assert.equal(value(current, 'backend_bytes.buffered'), 0);
  });
});
