/**
 * Prometheus remote write against the real receivers from Debian (reference §10), each a child
 * process on 127.0.0.1 with its own data directory, stopped by PID: VictoriaMetrics
 * (`/api/v1/write`, read back through `/api/v1/export`) and Prometheus 2.42 with its remote-write
 * receiver (read back through `/api/v1/query`). The values read back are Tributary's own for the
 * same timestamps; names and labels are netdata 1.37's. Skipped, with the reason, when missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setLogSink, type LogSink } from '../log.js';
import { createRemoteWriteInstance, type RemoteWriteInstance } from './index.js';
import { exportingInstance, TestData, waitUntil } from './test-fixture.js';
import { missing, PROMETHEUS, PrometheusReceiver, VICTORIA_METRICS, VictoriaMetrics, type ExportedSeries } from './test-receivers.js';
import { storedValue, storedWindow } from './stored-value.js';
import { MemoryQueue } from './batch-queue.js';
import { HttpDestination } from './http-destination.js';
import { emptyCounters } from './self-charts.js';

const CHILDREN = [{ hostname: 'child1', memoryMode: 'ram' as const }];
/** Recent enough for every receiver's retention, old enough to be complete. */
const START_S = Math.floor(Date.now() / 1000) - 300;
const S = START_S;
/** The series of the test data (not the instance's own charts). */
const DATA_SERIES = '{__name__=~"netdata_(disk|net|system)_.*"}';

let tmp = '';
let previousSink: LogSink;
const logLines: string[] = [];
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tributary-remote-write-'));
  previousSink = setLogSink((line) => { logLines.push(line); });
});
after(async () => {
  setLogSink(previousSink);
  await rm(tmp, { recursive: true, force: true });
});

let instances = 0;
function start(data: TestData, settings: Record<string, string>): RemoteWriteInstance {
  const config = exportingInstance(path.join(tmp, `instance-${++instances}`), {
    hostname: 'my-node', 'update every': '10', 'remote write URL path': '/api/v1/write', ...settings,
  });
  const instance = createRemoteWriteInstance(config, { registry: data.registry, nowMs: data.clock.nowMs, schedule: false });
  instance.start();
  return instance;
}

/** `name{labels}` → [[ts s, value], ...], sorted by key. */
function byKey(series: Array<{ metric: Record<string, string>; points: Array<[number, number]> }>): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const s of series) {
    const { __name__: name, ...labels } = s.metric;
    const labelText = Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',');
    out[`${name}{${labelText}}`] = s.points;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function fromVm(series: ExportedSeries[]): Record<string, Array<[number, number]>> {
  return byKey(series.map((s) => ({ metric: s.metric, points: s.timestamps.map((t, i) => [t / 1000, s.values[i]!] as [number, number]) })));
}

async function vmPoints(vm: VictoriaMetrics, match: string, count: number): Promise<Record<string, Array<[number, number]>>> {
  let result: Record<string, Array<[number, number]>> = {};
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    result = fromVm(await vm.export(match));
    if (Object.values(result).reduce((n, p) => n + p.length, 0) >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return result;
}

/** Tributary's own average for a dimension over the window a tick at `beforeS` reads. */
function ownAverage(data: TestData, hostname: string, chartId: string, dimensionId: string, afterS: number, beforeS: number): [number, number] {
  const host = data.registry.hosts().find((h) => h.hostname === hostname)!;
  const chart = host.charts.get(chartId)!;
  const window = storedWindow(chart, afterS, beforeS)!;
  return [window.lastS, storedValue(chart, chart.dimensions.find((d) => d.definition.id === dimensionId)!.index, window, false)];
}

/** netdata 1.37's series of the standard data, with Tributary's own values, ticks at S+20 and S+30. */
function expectedAverages(data: TestData): Record<string, Array<[number, number]>> {
  const own = (host: string, chart: string, dim: string): Array<[number, number]> =>
    [ownAverage(data, host, chart, dim, S, S + 20), ownAverage(data, host, chart, dim, S + 20, S + 30)];
  return {
    'netdata_disk_space_GiB_average{chart=test./home,dimension=avail,family=disk,instance=my-node}': own('node1', 'test.disk_space', 'avail'),
    'netdata_disk_space_GiB_average{chart=test./home,dimension=used space,family=disk,instance=my-node}': own('node1', 'test.disk_space', 'used'),
    'netdata_net_net_kilobits_persec_average{chart=test.net,dimension=received,family=net,instance=my-node}': own('node1', 'test.net', 'received'),
    'netdata_system_load_load_average{chart=child.load,dimension=load1,family=load,instance=child1}': own('child1', 'child.load', 'load1'),
  };
}

describe('prometheus remote write against VictoriaMetrics', () => {
  const reason = missing(VICTORIA_METRICS);
  let vm: VictoriaMetrics | null = null;
  before(async () => { if (!reason) vm = await VictoriaMetrics.start(path.join(tmp, 'vm')); });
  after(async () => { await vm?.stop(); });

  it('stores every dimension under netdata 1.37 names and labels, with Tributary own averages', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData(CHILDREN, START_S);
    const instance = start(data, { destination: `127.0.0.1:${vm!.httpPort}` });
    t.after(() => instance.stop());
    data.collectUntil(20);
    instance.tick();
    data.collectUntil(30);
    instance.tick();
    const expected = expectedAverages(data);
    assert.deepEqual(Object.values(expected).map((p) => p.map(([ts]) => ts - S)), [[17, 27], [17, 27], [17, 27], [17, 27]]);
    assert.deepEqual(expected['netdata_disk_space_GiB_average{chart=test./home,dimension=avail,family=disk,instance=my-node}'], [[S + 17, 109], [S + 27, 122.5]]);
    assert.deepEqual(await vmPoints(vm!, DATA_SERIES, 8), expected);
    const info = fromVm(await vm!.export('{__name__="netdata_info"}'));
    assert.deepEqual(Object.keys(info), ['netdata_info{instance=child1}', 'netdata_info{instance=my-node}']);
    assert.deepEqual(info['netdata_info{instance=my-node}']!.map(([, v]) => v), [1, 1]);
    await waitUntil(() => instance.lastCounters.writes > 0 || instance.destinations[0]!.delivered === 2, 5000, 'both batches delivered');
  });

  it('names as-collected series by homogeneity with _total for counters, and sum series with _sum', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData([], START_S);
    const raw = start(data, { destination: `127.0.0.1:${vm!.httpPort}`, 'data source': 'as collected', prefix: 'raw', 'send names instead of ids': 'no' });
    const sum = start(data, { destination: `127.0.0.1:${vm!.httpPort}`, 'data source': 'sum', prefix: 'summed' });
    t.after(async () => { await raw.stop(); await sum.stop(); });
    data.collectUntil(20);
    raw.tick();
    sum.tick();
    assert.deepEqual(await vmPoints(vm!, '{__name__=~"raw_(disk|net)_.*"}', 3), {
      // avail and used differ in divisor: a heterogeneous chart, a series per dimension
      'raw_disk_space_avail{chart=test.disk_space,family=disk,instance=my-node}': [[S + 20, 120]],
      'raw_disk_space_used{chart=test.disk_space,family=disk,instance=my-node}': [[S + 20, 40000]],
      'raw_net_net_total{chart=test.net,dimension=received,family=net,instance=my-node}': [[S + 20, 20000]],
    });
    assert.deepEqual(Object.keys(await vmPoints(vm!, '{__name__=~"summed_(disk|net)_.*"}', 3)), [
      'summed_disk_space_sum{chart=test./home,dimension=avail,family=disk,instance=my-node}',
      'summed_disk_space_sum{chart=test./home,dimension=used space,family=disk,instance=my-node}',
      'summed_net_net_sum{chart=test.net,dimension=received,family=net,instance=my-node}',
    ]);
  });
});

describe('prometheus remote write against Prometheus 2.42', () => {
  const reason = missing(PROMETHEUS);
  let prometheus: PrometheusReceiver | null = null;
  before(async () => { if (!reason) prometheus = await PrometheusReceiver.start(path.join(tmp, 'prometheus')); });
  after(async () => { await prometheus?.stop(); });

  it('stores the same series and values, read back through its query API', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData(CHILDREN, START_S);
    const instance = start(data, { destination: `127.0.0.1:${prometheus!.port}` });
    t.after(() => instance.stop());
    data.collectUntil(20);
    instance.tick();
    data.collectUntil(30);
    instance.tick();
    await waitUntil(() => instance.destinations[0]!.delivered === 2, 10000, 'both batches delivered');
    const read = byKey((await prometheus!.samples(DATA_SERIES, S + 40, 60))
      .map((s) => ({ metric: s.metric, points: s.values.map(([ts, v]) => [ts, Number(v)] as [number, number]) })));
    assert.deepEqual(read, expectedAverages(data));
  });
});

/** An HTTP receiver on 127.0.0.1:0 answering each request with the next status of a script. */
async function scripted(statuses: number[]): Promise<{ port: number; requests: Buffer[]; close: () => Promise<void> }> {
  const requests: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(Buffer.concat(chunks));
      res.writeHead(statuses.shift() ?? 204);
      res.end('bad things');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as import('node:net').AddressInfo).port, requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('remote write HTTP status handling', () => {
  it('retries a batch after 5xx and counts it delivered only on its 2xx', async (t) => {
    const receiver = await scripted([500, 503]);
    t.after(() => receiver.close());
    const data = new TestData([], START_S);
    const instance = start(data, { destination: `127.0.0.1:${receiver.port}`, 'disk queue size bytes': '0' });
    t.after(() => instance.stop());
    data.collectUntil(20);
    instance.tick();
    await waitUntil(() => receiver.requests.length === 3, 10000, 'three attempts');
    await waitUntil(() => instance.destinations[0]!.delivered === 1, 5000, 'the delivery');
    assert.ok(receiver.requests[0]!.equals(receiver.requests[2]!), 'the same batch is sent again');
    assert.equal(instance.destinations[0]!.queue.batches, 0);
  });

  it('drops a batch the receiver rejects with 4xx, with a log line, and sends the next', async (t) => {
    const receiver = await scripted([400]);
    t.after(() => receiver.close());
    const data = new TestData([], START_S);
    const instance = start(data, { destination: `127.0.0.1:${receiver.port}`, 'disk queue size bytes': '0' });
    t.after(() => instance.stop());
    data.collectUntil(20);
    instance.tick();
    data.collectUntil(30);
    instance.tick();
    await waitUntil(() => receiver.requests.length === 2 && instance.destinations[0]!.delivered === 1, 10000, 'the second batch delivered');
    assert.ok(logLines.some((l) => l.includes('rejected a batch of') && l.includes('HTTP 400') && l.includes('"bad things"')));
    assert.equal(instance.destinations[0]!.queue.batches, 0);
  });

  it('keeps retrying while the connection is refused', async (t) => {
    const receiver = await scripted([]);
    const port = receiver.port;
    await receiver.close();
    const data = new TestData([], START_S);
    const instance = start(data, { destination: `127.0.0.1:${port}`, 'disk queue size bytes': '0' });
    t.after(() => instance.stop());
    data.collectUntil(20);
    instance.tick();
    await waitUntil(() => instance.lastCounters.failures > 0 || !instance.connected, 5000, 'a failed attempt');
    assert.equal(instance.destinations[0]!.queue.batches, 1);
    assert.ok(logLines.some((l) => l.includes(`cannot deliver to 'http://127.0.0.1:${port}/api/v1/write' (ECONNREFUSED)`)));
  });
});

describe('remote write to several VictoriaMetrics', () => {
  const reason = missing(VICTORIA_METRICS);
  const vms: VictoriaMetrics[] = [];
  before(async () => {
    if (reason) return;
    vms.push(await VictoriaMetrics.start(path.join(tmp, 'vm-a')), await VictoriaMetrics.start(path.join(tmp, 'vm-b')));
  });
  after(async () => { for (const vm of vms) await vm.stop(); });

  async function run(mode: string, prefix: string): Promise<Array<Record<string, Array<[number, number]>>>> {
    const data = new TestData(CHILDREN, START_S);
    const instance = start(data, {
      destination: vms.map((vm) => `127.0.0.1:${vm.httpPort}`).join(' '), 'destinations mode': mode, prefix,
      'send charts matching': 'test.* child.*',
    });
    data.collectUntil(20);
    instance.tick();
    data.collectUntil(30);
    instance.tick();
    await waitUntil(() => instance.destinations.every((d) => d.queue.batches === 0), 10000, 'every queue empty');
    await instance.stop();
    return Promise.all(vms.map(async (vm) => fromVm(await vm.export(`{__name__=~"${prefix}_.*"}`))));
  }

  it('shards: every series lands on exactly one, and all are found across both', async (t) => {
    if (reason) return t.skip(reason);
    const [a, b] = await run('shard', 'sharded');
    const keysA = Object.keys(a!);
    const keysB = Object.keys(b!);
    assert.deepEqual(keysA.filter((k) => keysB.includes(k)), [], 'no series on both');
    assert.ok(keysA.length > 0 && keysB.length > 0, `both shards used: ${keysA.length} and ${keysB.length}`);
    const all = { ...a, ...b };
    assert.deepEqual(Object.keys(all).sort(), [
      'sharded_disk_space_GiB_average{chart=test./home,dimension=avail,family=disk,instance=my-node}',
      'sharded_disk_space_GiB_average{chart=test./home,dimension=used space,family=disk,instance=my-node}',
      'sharded_net_net_kilobits_persec_average{chart=test.net,dimension=received,family=net,instance=my-node}',
      'sharded_system_load_load_average{chart=child.load,dimension=load1,family=load,instance=child1}',
    ]);
    for (const points of Object.values(all)) assert.equal(points.length, 2, 'both samples of a series on its shard');
  });

  it('replicates: every series on both', async (t) => {
    if (reason) return t.skip(reason);
    const [a, b] = await run('replicate', 'replicated');
    assert.equal(Object.keys(a!).length, 4);
    assert.deepEqual(a, b);
  });
});

describe('HttpDestination', () => {
  it('keeps the next batch when a full queue dropped the one out while it was being answered', async (t) => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => { bodies.push(body); setTimeout(() => res.writeHead(204).end(), 200); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const drops: number[] = [];
    const queue = new MemoryQueue(1, (_b, samples) => drops.push(samples));
    const destination = new HttpDestination({
      urls: [new URL(`http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/`)],
      headers: {}, timeoutMs: 5000, tag: 'test', queue, counters: () => emptyCounters(),
    });
    t.after(() => destination.stop());
    queue.push({ body: Buffer.from('first'), samples: 1 });
    destination.kick();
    await waitUntil(() => bodies.length === 1, 5000, 'the first request');
    queue.push({ body: Buffer.from('second'), samples: 2 });
    assert.deepEqual(drops, [1], 'the first batch is dropped for room while it is out');
    await waitUntil(() => destination.delivered === 2, 5000, 'both answered');
    assert.deepEqual(bodies, ['first', 'second']);
    assert.equal(queue.batches, 0);
  });
});
