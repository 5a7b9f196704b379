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
    const [graphite, json, legacy] = [new Capture(), new Capture(), new Capture()];
    const ports = [await graphite.listen(), await json.listen(), await legacy.listen()];
    t.after(async () => { for (const c of [graphite, json, legacy]) await c.close(); });
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
    assert.deepEqual(engine.instances.map((i) => i.name), ['backend', 'one', 'two']);
    assert.ok(lines.some((l) => l.includes("EXPORTING [cloud]: connector type 'kinesis'") && l.includes(`${file}:16`)));
    engine.start();
    t.after(() => engine.stop());
    await waitUntil(() => engine.instances.every((i) => i.connected), 10000, 'every instance to connect');
    data.collectUntil(20);
    for (const i of engine.instances) i.tick();
    assert.equal(await graphite.waitFor(44), 'netdata.my-node.test.net.received 20000 1700000020\n');
    assert.deepEqual((await legacy.waitFor(100)).trim().split('\n'), [
      'netdata.legacy-node.test._home.avail 120 1700000020',
      'netdata.legacy-node.test._home.used_space 40000 1700000020',
    ]);
    assert.equal(json.text, '', 'send hosts matching = !* sends nothing');
    const charts = [...data.registry.localhost.charts.keys()].filter((id) => id.startsWith('netdata.')).sort();
    assert.deepEqual(charts, [
      'netdata.backend_bytes', 'netdata.backend_metrics', 'netdata.backend_ops',
      'netdata.exporting_one_bytes', 'netdata.exporting_one_metrics', 'netdata.exporting_one_ops',
      'netdata.exporting_two_bytes', 'netdata.exporting_two_metrics', 'netdata.exporting_two_ops',
    ]);
    const one = data.registry.localhost.charts.get('netdata.exporting_one_metrics')!;
    assert.equal(one.definition.family, 'exporting_one');
    assert.equal(one.definition.context, 'exporting_buffer');
    assert.equal(one.dimensions.find((d) => d.definition.id === 'sent')!.lastCollectedValue, 1);
  });
});
