/**
 * The running agent (`node dist/src/main.js -c FILE -D`) with a constant plugin: a real
 * Prometheus scrapes its `/api/v1/allmetrics?format=prometheus`, and its `[backend]` archives
 * to a raw capture on 127.0.0.1. The agent is a child process stopped by PID.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Capture, waitUntil } from './test-fixture.js';
import { freePort, missing, Prometheus, PROMETHEUS, Receiver } from './test-receivers.js';

/** The agent of the same build as this test (`<outDir>/src/main.js`). */
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

const PLUGIN = `#!/bin/sh
echo 'CHART exp.disk_space "/home" "Disk Space" GiB disk disk.space line 1000 1'
echo 'DIMENSION avail avail absolute 1 1'
echo 'DIMENSION used "used space" absolute 1 1000'
while true; do
  printf 'BEGIN exp.disk_space\\nSET avail = 100\\nSET used = 2500\\nEND\\n'
  sleep 1
done
`;

describe('the running agent', () => {
  let tmp = '';
  let agent: Receiver | null = null;
  let webPort = 0;
  const capture = new Capture();

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tributary-agent-'));
    for (const dir of ['plugins', 'lib', 'log', 'cache']) await mkdir(path.join(tmp, dir));
    await writeFile(path.join(tmp, 'plugins', 'const.plugin'), PLUGIN);
    await chmod(path.join(tmp, 'plugins', 'const.plugin'), 0o755);
    webPort = await freePort();
    const capturePort = await capture.listen();
    const config = path.join(tmp, 'netdata.conf');
    await writeFile(config, [
      '[global]',
      '  hostname = agent1',
      '  memory mode = ram',
      '  history = 3600',
      `  plugins directory = ${tmp}/plugins`,
      `  lib directory = ${tmp}/lib`,
      `  log directory = ${tmp}/log`,
      `  cache directory = ${tmp}/cache`,
      `  config directory = ${tmp}`,
      '[web]',
      `  bind to = 127.0.0.1:${webPort}`,
      '[health]',
      '  enabled = no',
      '[backend]',
      '  enabled = yes',
      '  type = graphite',
      `  destination = 127.0.0.1:${capturePort}`,
      '  data source = as collected',
      '  update every = 1',
      '  send charts matching = exp.*',
      '',
    ].join('\n'));
    agent = new Receiver('tributary', process.execPath, [MAIN, '-c', config, '-D'], tmp);
    await agent.waitForPort(webPort);
  });

  after(async () => {
    await agent?.stop();
    await capture.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('is scraped by a real Prometheus at /api/v1/allmetrics?format=prometheus', async (t) => {
    const reason = missing(PROMETHEUS);
    if (reason) return t.skip(reason);
    const prometheus = await Prometheus.start(path.join(tmp, 'prometheus'), webPort, {
      agent: { format: 'prometheus' },
      average: { format: 'prometheus', source: 'average' },
    });
    t.after(() => prometheus.stop());
    assert.equal((await prometheus.waitFor('up{job="agent"} == 1'))[0]!.value[1], '1');
    const info = await prometheus.waitFor('netdata_info{job="agent"}');
    assert.equal(info[0]!.metric.exported_instance, 'agent1');
    // the default source is the backend's (`as collected` here): the values as the plugin sent them
    const avail = await prometheus.waitFor('netdata_disk_space_avail{job="agent"}');
    assert.equal(avail[0]!.metric.chart, 'exp./home');
    assert.equal(avail[0]!.metric.family, 'disk');
    assert.equal(avail[0]!.value[1], '100');
    assert.equal((await prometheus.waitFor('netdata_disk_space_used_space{job="agent"}'))[0]!.value[1], '2500');
    const average = await prometheus.waitFor('netdata_disk_space_GiB_average{job="average",dimension="avail"}');
    assert.equal(average[0]!.value[1], '100');
    const used = await prometheus.waitFor('netdata_disk_space_GiB_average{job="average",dimension="used space"}');
    assert.equal(used[0]!.value[1], '2.5');
  });

  it('archives its host to the [backend] destination', async () => {
    await waitUntil(() => agent!.output.includes('BACKEND configured'), 5000, 'the backend to start');
    await waitUntil(() => capture.text.split('\n').length > 4, 10000, 'two iterations from the agent');
    const nowS = Date.now() / 1000;
    const lines = capture.text.trimEnd().split('\n');
    for (const line of lines) {
      const m = /^netdata\.agent1\.exp\._home\.(avail 100|used_space 2500) (\d+)$/.exec(line);
      assert.ok(m, `unexpected line ${line}`);
      assert.ok(Math.abs(Number(m[2]) - nowS) < 15, `timestamp ${m[2]} is now`);
    }
  });
});
