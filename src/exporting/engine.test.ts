/**
 * The exporting engine: several exporting.conf instances at once, each with its own connection,
 * settings and self charts, beside netdata.conf's `[backend]`; read by the real config readers
 * and sending to raw TCP captures on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadExportingConfig, loadNetdataConfig } from '../config/index.js';
import { setLogSink, type LogSink } from '../log.js';
import { createExporting } from './index.js';
import { Capture, TestData, T0, waitUntil } from './test-fixture.js';

/** netdata's label sources. */
const LABEL_AUTO = 1;
const LABEL_CONFIG = 2;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tributary-engine-'));
let previousSink: LogSink;
const lines: string[] = [];
before(() => { previousSink = setLogSink((line) => { lines.push(line); }); });
after(() => {
  setLogSink(previousSink);
  rmSync(tmp, { recursive: true, force: true });
});

describe('createExporting', () => {
  it('runs several instances at once, each with its own settings, connection and self charts', async (t) => {
    const [graphite, json, legacy, json37, tsdb] = [new Capture(), new Capture(), new Capture(), new Capture(), new Capture()];
    const ports = [await graphite.listen(), await json.listen(), await legacy.listen(), await json37.listen(), await tsdb.listen()];
    t.after(async () => { for (const c of [graphite, json, legacy, json37, tsdb]) await c.close(); });
    const file = path.join(tmp, 'exporting.conf');
    writeFileSync(file, [
      '[exporting:global]',
      '  enabled = yes',
      '  hostname = my-node',
      '  update every = 10',
      `[graphite:one]`,
      `  destination = 127.0.0.1:${ports[0]}`,
      '  data source = as collected',
      '  send charts matching = test.net',
      `[json:two]`,
      `  destination = 127.0.0.1:${ports[1]}`,
      '  data source = sum',
      '  prefix = other',
      '  send hosts matching = !*',
      `[opentsdb:off]`,
      '  enabled = no',
      `[kinesis:cloud]`,
      `[json:three]`,
      `  destination = 127.0.0.1:${ports[3]}`,
      '  data source = as collected',
      '  send charts matching = test.net',
      `[opentsdb:four]`,
      `  destination = 127.0.0.1:${ports[4]}`,
      '  data source = as collected',
      '  send charts matching = test.net',
      '',
    ].join('\n'));
    const netdata = loadNetdataConfig(null, [
      ['global', 'hostname', 'node1'], ['directories', 'cache', path.join(tmp, 'cache')],
      ['backend', 'enabled', 'yes'], ['backend', 'destination', `127.0.0.1:${ports[2]}`],
      ['backend', 'data source', 'as collected'], ['backend', 'hostname', 'legacy-node'],
      ['backend', 'send charts matching', 'test.disk_space'],
    ]);
    const data = new TestData([], T0);
    const engine = createExporting(netdata, loadExportingConfig(netdata, file), { registry: data.registry, nowMs: data.clock.nowMs, schedule: false });
    assert.deepEqual(engine.instances.map((i) => i.name), ['backend', 'one', 'two', 'three', 'four']);
    data.registry.localhost.replaceLabels(new Map([
      ['room', { value: 'a b;c', source: LABEL_CONFIG }], ['_os_name', { value: 'Debian', source: LABEL_AUTO }],
    ]));
    assert.ok(lines.some((l) => l.includes("EXPORTING [cloud]: connector type 'kinesis'") && l.includes(`${file}:16`)));
    engine.start();
    t.after(() => engine.stop());
    await waitUntil(() => engine.instances.every((i) => i.connected), 10000, 'every instance to connect');
    data.collectUntil(20);
    for (const i of engine.instances) i.tick();
    // netdata 1.37's lines carry the configured host labels (not the automatic ones by default)
    assert.equal(await graphite.waitFor(55), 'netdata.my-node.test.net.received;room=a_b_c 20000 1700000020\n');
    assert.equal(await tsdb.waitFor(66), 'put netdata.test.net.received 1700000020 20000 host=my-node room=a_b_c\n');
    assert.equal(await json37.waitFor(273), '{"prefix":"netdata","hostname":"my-node","labels":{"room":"a b;c"},'
      + '"chart_id":"test.net","chart_name":"test.net","chart_family":"net","chart_context":"net.net","chart_type":"test",'
      + '"units":"kilobits/s","id":"received","name":"received","value":20000,"timestamp":1700000020}\n');
    // 1.10's [backend] lines stay as they were
    assert.deepEqual((await legacy.waitFor(100)).trim().split('\n'), [
      'netdata.legacy-node.test._home.avail 120 1700000020',
      'netdata.legacy-node.test._home.used_space 40000 1700000020',
    ]);
    assert.equal(json.text, '', 'send hosts matching = !* sends nothing');
    const charts = [...data.registry.localhost.charts.keys()].filter((id) => id.startsWith('netdata.')).sort();
    assert.deepEqual(charts, [
      'netdata.backend_bytes', 'netdata.backend_metrics', 'netdata.backend_ops',
      'netdata.exporting_four_bytes', 'netdata.exporting_four_metrics', 'netdata.exporting_four_ops',
      'netdata.exporting_one_bytes', 'netdata.exporting_one_metrics', 'netdata.exporting_one_ops',
      'netdata.exporting_three_bytes', 'netdata.exporting_three_metrics', 'netdata.exporting_three_ops',
      'netdata.exporting_two_bytes', 'netdata.exporting_two_metrics', 'netdata.exporting_two_ops',
    ]);
    const one = data.registry.localhost.charts.get('netdata.exporting_one_metrics')!;
    assert.equal(one.definition.family, 'exporting_one');
    assert.equal(one.definition.context, 'exporting_buffer');
    assert.equal(one.dimensions.find((d) => d.definition.id === 'sent')!.lastCollectedValue, 1);
  });
});
