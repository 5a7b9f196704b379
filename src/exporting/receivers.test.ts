/**
 * The backends against real time-series databases from Debian (reference §10), each started as
 * a child process on 127.0.0.1 with its own data directory and stopped by PID: VictoriaMetrics'
 * graphite and opentsdb listeners (read back through its export API) and graphite's
 * carbon-cache (read back with whisper-fetch). Skipped, with the reason, when not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setLogSink, type LogSink } from '../log.js';
import { createBackend, createLineInstance, type Backend } from './index.js';
import { backendConfig, TestData, waitUntil } from './test-fixture.js';
import { Carbon, CARBON_CACHE, missing, VICTORIA_METRICS, VictoriaMetrics, WHISPER_FETCH, type ExportedSeries } from './test-receivers.js';

const CHILDREN = [{ hostname: 'child1', memoryMode: 'ram' as const, tags: 'env=test' }];
/** Recent enough for every receiver's retention, old enough to be complete. */
const START_S = Math.floor(Date.now() / 1000) - 300;

let tmp = '';
let previousSink: LogSink;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tributary-exporting-'));
  previousSink = setLogSink(() => undefined);
});
after(async () => {
  setLogSink(previousSink);
  await rm(tmp, { recursive: true, force: true });
});

async function startBackend(data: TestData, settings: Record<string, string>): Promise<Backend> {
  const backend = createBackend(backendConfig({ hostname: 'my-node', 'update every': '10', ...settings }), {
    registry: data.registry, nowMs: data.clock.nowMs, schedule: false,
  });
  backend.start();
  await waitUntil(() => backend.connected, 10000, 'the backend to connect');
  return backend;
}

/** Series as `name{labels}` → [[ts s, value], ...], sorted by name. */
function points(series: ExportedSeries[]): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const s of series) {
    const { __name__: name, ...labels } = s.metric;
    const labelText = Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',');
    out[labelText ? `${name}{${labelText}}` : name!] = s.timestamps.map((t, i) => [t / 1000, s.values[i]!]);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

async function exported(vm: VictoriaMetrics, match: string, count: number): Promise<Record<string, Array<[number, number]>>> {
  let result: Record<string, Array<[number, number]>> = {};
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    result = points(await vm.export(match));
    if (Object.values(result).reduce((n, p) => n + p.length, 0) >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return result;
}

describe('backends against VictoriaMetrics', () => {
  const reason = missing(VICTORIA_METRICS);
  let vm: VictoriaMetrics | null = null;
  let dir = '';
  before(async () => {
    if (reason) return;
    dir = path.join(tmp, 'victoria-metrics');
    vm = await VictoriaMetrics.start(dir);
  });
  after(async () => { await vm?.stop(); });

  it('stores graphite averages at the window ends netdata reports', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData(CHILDREN, START_S);
    const backend = await startBackend(data, { type: 'graphite', destination: `127.0.0.1:${vm!.graphitePort}`, 'data source': 'average' });
    t.after(() => backend.stop());
    data.collectUntil(20);
    backend.tick();
    data.collectUntil(30);
    backend.tick();
    const S = START_S;
    assert.deepEqual(await exported(vm!, '{__name__=~"netdata[.](my-node|child1)[.].*"}', 8), {
      'netdata.child1.child.load.load1': [[S + 17, 4.5], [S + 27, 11.25]],
      'netdata.my-node.test._home.avail': [[S + 17, 109], [S + 27, 122.5]],
      'netdata.my-node.test._home.used_space': [[S + 17, 18], [S + 27, 45]],
      'netdata.my-node.test.net.received': [[S + 17, 8000], [S + 27, 8000]],
    });
  });

  it('stores opentsdb sums with the host and its tags as labels', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData(CHILDREN, START_S);
    const backend = await startBackend(data, { type: 'opentsdb', destination: `127.0.0.1:${vm!.opentsdbPort}`, 'data source': 'sum', prefix: 'tsdb' });
    t.after(() => backend.stop());
    data.collectUntil(20);
    backend.tick();
    data.collectUntil(30);
    backend.tick();
    const S = START_S;
    assert.deepEqual(await exported(vm!, '{__name__=~"tsdb[.].*"}', 8), {
      'tsdb.child.load.load1{env=test,host=child1}': [[S + 17, 76.5], [S + 27, 112.5]],
      'tsdb.test._home.avail{host=my-node}': [[S + 17, 1853], [S + 27, 1225]],
      'tsdb.test._home.used_space{host=my-node}': [[S + 17, 306], [S + 27, 450]],
      'tsdb.test.net.received{host=my-node}': [[S + 17, 136000], [S + 27, 80000]],
    });
  });

  it('stores netdata 1.37 graphite and opentsdb lines with the host labels as tags', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData([], START_S);
    data.registry.localhost.replaceLabels(new Map([['room', { value: 'lab 1', source: 2 }]]));
    const labels = { sendConfiguredLabels: true, sendAutomaticLabels: false };
    const settings = { hostname: 'my-node', 'update every': '10', 'data source': 'as collected', 'send charts matching': 'test.net' };
    const graphite = createLineInstance({ name: 'g', ...labels },
      backendConfig({ ...settings, type: 'graphite', prefix: 'tagged', destination: `127.0.0.1:${vm!.graphitePort}` }).backend,
      { registry: data.registry, nowMs: data.clock.nowMs, schedule: false });
    const tsdb = createLineInstance({ name: 'o', ...labels },
      backendConfig({ ...settings, type: 'opentsdb', prefix: 'labelled', destination: `127.0.0.1:${vm!.opentsdbPort}` }).backend,
      { registry: data.registry, nowMs: data.clock.nowMs, schedule: false });
    for (const b of [graphite, tsdb]) b.start();
    t.after(async () => { await graphite.stop(); await tsdb.stop(); });
    await waitUntil(() => graphite.connected && tsdb.connected, 10000, 'both to connect');
    data.collectUntil(20);
    graphite.tick();
    tsdb.tick();
    assert.deepEqual(await exported(vm!, '{__name__=~"(tagged|labelled)[.].*"}', 2), {
      'labelled.test.net.received{host=my-node,room=lab_1}': [[START_S + 20, 20000]],
      'tagged.my-node.test.net.received{room=lab_1}': [[START_S + 20, 20000]],
    });
  });

  it('keeps the buffer while VictoriaMetrics is stopped and delivers it after a restart', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData([], START_S);
    const backend = await startBackend(data, {
      type: 'graphite', destination: `127.0.0.1:${vm!.graphitePort}`, 'data source': 'as collected',
      prefix: 'restart', 'send charts matching': 'test.disk_space',
    });
    t.after(() => backend.stop());
    await vm!.stop();
    await waitUntil(() => !backend.connected, 10000, 'the backend to see VictoriaMetrics gone');
    for (const k of [20, 30, 40]) {
      data.collectUntil(k);
      backend.tick();
    }
    assert.equal(backend.failures, 3);
    vm = await VictoriaMetrics.start(dir, vm!);
    await waitUntil(() => backend.connected, 15000, 'the backend to reconnect');
    data.collectUntil(50);
    backend.tick();
    assert.equal(backend.failures, 0);
    const S = START_S;
    assert.deepEqual(await exported(vm, '{__name__=~"restart[.].*"}', 8), {
      'restart.my-node.test._home.avail': [[S + 20, 120], [S + 30, 130], [S + 40, 140], [S + 50, 150]],
      'restart.my-node.test._home.used_space': [[S + 20, 40000], [S + 30, 60000], [S + 40, 80000], [S + 50, 100000]],
    });
  });
});

describe('graphite backend against carbon-cache', () => {
  const reason = missing(CARBON_CACHE, WHISPER_FETCH);
  let carbon: Carbon | null = null;
  before(async () => {
    if (!reason) carbon = await Carbon.start(path.join(tmp, 'carbon'));
  });
  after(async () => { await carbon?.stop(); });

  it('writes the collected values into whisper files, read back with whisper-fetch', async (t) => {
    if (reason) return t.skip(reason);
    const data = new TestData(CHILDREN, START_S);
    const backend = await startBackend(data, { type: 'graphite', destination: `127.0.0.1:${carbon!.linePort}`, 'data source': 'as collected' });
    t.after(() => backend.stop());
    data.collectUntil(20);
    backend.tick();
    data.collectUntil(30);
    backend.tick();
    const S = START_S;
    const read = async (metric: string): Promise<Array<[number, number]>> => {
      let got = new Map<number, number>();
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline) {
        try { got = await carbon!.fetch(metric, S, S + 40); } catch { got = new Map(); }
        if (got.size >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      return [...got.entries()];
    };
    assert.deepEqual(await read('netdata.my-node.test._home.avail'), [[S + 20, 120], [S + 30, 130]]);
    assert.deepEqual(await read('netdata.my-node.test._home.used_space'), [[S + 20, 40000], [S + 30, 60000]]);
    assert.deepEqual(await read('netdata.my-node.test.net.received'), [[S + 20, 20000], [S + 30, 30000]]);
    assert.deepEqual(await read('netdata.child1.child.load.load1'), [[S + 20, 1000], [S + 30, 1500]]);
  });
});
