/**
 * netdata 1.37's HTTP line connectors: `opentsdb:http` into a real VictoriaMetrics (its
 * opentsdb `/api/put` listener, read back through its export API), and the bodies of
 * `json:http` and `graphite:http` as an HTTP listener on 127.0.0.1 receives them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setLogSink, type LogSink } from '../log.js';
import { createHttpLineInstance } from './http-line-instance.js';
import { exportingInstance, TestData, waitUntil } from './test-fixture.js';
import { missing, VICTORIA_METRICS, VictoriaMetrics } from './test-receivers.js';

const START_S = Math.floor(Date.now() / 1000) - 300;
let tmp = '';
let previousSink: LogSink;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tributary-http-lines-'));
  previousSink = setLogSink(() => undefined);
});
after(async () => {
  setLogSink(previousSink);
  await rm(tmp, { recursive: true, force: true });
});

let made = 0;
function instance(data: TestData, section: string, settings: Record<string, string>) {
  const config = exportingInstance(path.join(tmp, `i${++made}`), {
    hostname: 'my-node', 'update every': '10', 'send charts matching': 'test.net', ...settings,
  }, section);
  const i = createHttpLineInstance(config, { registry: data.registry, nowMs: data.clock.nowMs, schedule: false });
  i.start();
  return i;
}

describe('opentsdb:http against VictoriaMetrics', () => {
  const reason = missing(VICTORIA_METRICS);
  let vm: VictoriaMetrics | null = null;
  before(async () => { if (!reason) vm = await VictoriaMetrics.startWithHttpPut(path.join(tmp, 'vm')); });
  after(async () => { await vm?.stop(); });

  it('stores the values with host and label tags', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData([], START_S);
    data.registry.localhost.replaceLabels(new Map([['room', { value: 'lab 1', source: 2 }]]));
    const i = instance(data, 'opentsdb:http:tsdb', { destination: `127.0.0.1:${vm!.opentsdbHttpPort}`, 'data source': 'as collected', prefix: 'put' });
    t.after(() => i.stop());
    data.collectUntil(20);
    i.tick();
    data.collectUntil(30);
    i.tick();
    await waitUntil(() => i.destination!.delivered === 2, 10000, 'two deliveries');
    const [series] = await vm!.export('{__name__=~"put[.].*"}');
    assert.deepEqual(series!.metric, { __name__: 'put.test.net.received', host: 'my-node', room: 'lab_1' });
    assert.deepEqual(series!.timestamps.map((ms, k) => [ms / 1000 - START_S, series!.values[k]]), [[20, 20000], [30, 30000]]);
  });
});

describe('json:http and graphite:http bodies', () => {
  it('posts a JSON list and graphite lines to /api/put with their content types', async (t) => {
    const got: Array<{ url: string; type: string; body: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => { body += chunk; });
      req.on('end', () => { got.push({ url: req.url!, type: req.headers['content-type']!, body }); res.writeHead(200).end(); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const port = (server.address() as AddressInfo).port;
    const data = new TestData([], START_S);
    const json = instance(data, 'json:http:j', { destination: `127.0.0.1:${port}`, 'data source': 'as collected', 'send charts matching': 'test.disk_space' });
    const graphite = instance(data, 'graphite:http:g', { destination: `127.0.0.1:${port}`, 'data source': 'as collected' });
    t.after(async () => { await json.stop(); await graphite.stop(); });
    data.collectUntil(20);
    json.tick();
    await waitUntil(() => got.length === 1, 5000, 'the json batch');
    graphite.tick();
    await waitUntil(() => got.length === 2, 5000, 'the graphite batch');
    const common = '"chart_id":"test.disk_space","chart_name":"test./home","chart_family":"disk","chart_context":"disk.space","chart_type":"test","units":"GiB"';
    assert.deepEqual(got[0], {
      url: '/api/put', type: 'application/json',
      body: `[\n{"prefix":"netdata","hostname":"my-node","labels":{},${common},"id":"avail","name":"avail","value":120,"timestamp":${START_S + 20}},\n`
        + `{"prefix":"netdata","hostname":"my-node","labels":{},${common},"id":"used","name":"used space","value":40000,"timestamp":${START_S + 20}}\n]\n`,
    });
    assert.deepEqual(JSON.parse(got[0]!.body).length, 2);
    assert.deepEqual(got[1], { url: '/api/put', type: 'application/graphite', body: `netdata.my-node.test.net.received 20000 ${START_S + 20}\n` });
  });
});

describe('graphite:http across a restart', () => {
  it('sends every stored second once: a final iteration at the stop, and the next start resumes from its disk queue', async (t) => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => { body += chunk; });
      req.on('end', () => { bodies.push(body); res.writeHead(200).end(); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const port = (server.address() as AddressInfo).port;
    // one database across both runs, as memory mode save or map keeps it
    const data = new TestData([], START_S);
    const config = exportingInstance(path.join(tmp, 'restart'), {
      hostname: 'my-node', 'update every': '1', 'send charts matching': 'test.net', destination: `127.0.0.1:${port}`,
    }, 'graphite:http:g');
    const run = async (fromK: number, toK: number): Promise<void> => {
      const i = createHttpLineInstance(config, { registry: data.registry, nowMs: data.clock.nowMs, schedule: false });
      i.start();
      for (let k = fromK; k <= toK; k++) {
        data.collectUntil(k);
        i.tick();
      }
      await waitUntil(() => i.destination!.queue.batches === 0, 5000, 'every batch delivered');
      await i.stop();
    };
    await run(1, 10);
    const afterFirst = bodies.length;
    data.collectUntil(25); // collected while the exporting instance was not running
    await run(26, 30);
    const chart = data.registry.localhost.charts.get('test.net')!;
    const seconds = bodies.join('').trim().split('\n').map((line) => Number(line.split(' ')[2]) - START_S);
    const expected: number[] = [];
    // up to the last tick's window (30 - 3): the second run's final iteration stays queued for a next start
    for (let s = chart.firstEntryS() - START_S; s <= 27; s++) expected.push(s);
    assert.deepEqual(seconds, expected, `${afterFirst} batches in the first run`);
  });
});
