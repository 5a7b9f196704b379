/**
 * A real Prometheus (Debian, reference §10) scrapes `/api/v1/allmetrics` of a running web server
 * whose hosts are fed through the real parser every second; the values are read back through
 * Prometheus' query API. Skipped, with the reason, when Prometheus is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadNetdataConfig } from '../config/index.js';
import { setLogSink, type LogSink } from '../log.js';
import { createWebServer, type WebServer } from '../web/index.js';
import { addChild, CHILD_CHARTS, Feeder, LOCAL_CHARTS, TestClock, testRegistry } from './test-fixture.js';
import { missing, Prometheus, PROMETHEUS } from './test-receivers.js';

const reason = missing(PROMETHEUS);

/** Constant values, so every data source gives the same exact numbers. */
const LOCAL_BLOCK = 'BEGIN test.disk_space\nSET avail = 100\nSET used = 2500\nEND\n';
const CHILD_BLOCK = 'BEGIN child.load\nSET load1 = 150\nEND\n';

describe('allmetrics scraped by a real Prometheus', () => {
  let tmp = '';
  let previousSink: LogSink;
  let web: WebServer | null = null;
  let prometheus: Prometheus | null = null;
  let feeding: NodeJS.Timeout | null = null;

  before(async () => {
    if (reason) return;
    previousSink = setLogSink(() => undefined);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tributary-prometheus-'));
    const clock = new TestClock(Date.now());
    const registry = testRegistry(clock);
    const local = new Feeder(registry.localhost, clock);
    const child = new Feeder(addChild(registry, 'child1', 'ram'), clock, 'child1');
    local.feed(LOCAL_CHARTS);
    child.feed(CHILD_CHARTS);
    const feed = (): void => {
      clock.ms = Date.now();
      local.feed(LOCAL_BLOCK);
      child.feed(CHILD_BLOCK);
    };
    feed();
    feeding = setInterval(feed, 1000);
    const config = loadNetdataConfig(null, [['global', 'hostname', 'node1'], ['web', 'bind to', '127.0.0.1:0']]);
    web = createWebServer(config, { registry, version: '1.0-test', effectiveConfig: () => '' });
    await web.start();
    prometheus = await Prometheus.start(tmp, web.ports()[0]!, {
      local: { format: 'prometheus' },
      all: { format: 'prometheus_all_hosts', source: 'as collected' },
    });
  });

  after(async () => {
    if (feeding) clearInterval(feeding);
    await prometheus?.stop();
    await web?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
    if (!reason) setLogSink(previousSink);
  });

  it('scrapes the local host: up, netdata_info and the averages', async (t) => {
    if (reason) return t.skip(reason);
    const up = await prometheus!.waitFor('up{job="local"} == 1');
    assert.equal(up[0]!.value[1], '1');
    const info = await prometheus!.waitFor('netdata_info{job="local"}');
    assert.equal(info[0]!.metric.exported_instance, 'node1');
    assert.equal(info[0]!.metric.version, '1.0-test');
    const avail = await prometheus!.waitFor('netdata_disk_space_GiB_average{job="local",dimension="avail"}');
    assert.equal(avail[0]!.metric.chart, 'test./home');
    assert.equal(avail[0]!.metric.family, 'disk');
    assert.equal(avail[0]!.value[1], '100');
    const used = await prometheus!.waitFor('netdata_disk_space_GiB_average{job="local",dimension="used space"}');
    assert.equal(used[0]!.value[1], '2.5');
    assert.deepEqual(await prometheus!.query('{job="local",exported_instance="child1"}'), []);
  });

  it('scrapes every host, each under its own instance, as collected', async (t) => {
    if (reason) return t.skip(reason);
    await prometheus!.waitFor('up{job="all"} == 1');
    const child = await prometheus!.waitFor('{job="all",chart="child.load"}');
    assert.equal(child.length, 1);
    assert.equal(child[0]!.metric.exported_instance, 'child1');
    assert.equal(child[0]!.value[1], '150');
    const local = await prometheus!.waitFor('{job="all",chart="test./home",exported_instance="node1"}');
    assert.deepEqual(local.map((s) => [s.metric.__name__, s.value[1]]).sort(), [
      ['netdata_disk_space_avail', '100'],
      ['netdata_disk_space_used_space', '2500'],
    ]);
    const infos = await prometheus!.waitFor('netdata_info{job="all"}');
    assert.deepEqual(infos.map((s) => s.metric.exported_instance).sort(), ['child1', 'node1']);
  });
});
