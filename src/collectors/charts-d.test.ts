import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadNetdataConfig } from '../config/index.js';
import { createHostRegistry } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { createPluginsd } from './index.js';

/** Where Debian's netdata packages put charts.d.plugin (1.37: /usr/lib, newer: /usr/libexec). */
const CHARTS_D_CANDIDATES = [
  '/usr/libexec/netdata/plugins.d/charts.d.plugin',
  '/usr/lib/netdata/plugins.d/charts.d.plugin',
];
const STOCK_CONFIG_DIR = '/usr/lib/netdata/conf.d';

function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('netdata\'s charts.d.plugin under the supervisor', () => {
  it('runs the example module and fills its charts', async (t) => {
    const pluginPath = CHARTS_D_CANDIDATES.find((p) => existsSync(p));
    if (!pluginPath || !existsSync(STOCK_CONFIG_DIR)) {
      t.skip('netdata\'s charts.d.plugin is not installed (Debian package netdata-plugins-bash)');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'tributary-chartsd-'));
    await mkdir(join(dir, 'charts.d'));
    await writeFile(join(dir, 'charts.d.conf'), 'enable_all_charts="no"\nexample=force\n');
    await writeFile(join(dir, 'charts.d', 'example.conf'), 'example_magic_number=12345\n');
    const config = loadNetdataConfig(null, [
      ['global', 'update every', '1'],
      ['directories', 'plugins', `"${dirname(pluginPath)}"`],
      ['directories', 'config', dir],
      ['directories', 'stock config', STOCK_CONFIG_DIR],
      ['directories', 'lib', dir],
      ['directories', 'cache', dir],
      ['directories', 'log', dir],
      ['plugins', 'enable running new plugins', 'no'],
      ['plugins', 'charts.d', 'yes'],
    ]);
    const registry = createHostRegistry(
      { hostname: 'chartsd-test', machineGuid: '22222222-3333-4444-5555-666666666666' },
      { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    );
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    const pluginsd = createPluginsd(config, {
      host: registry.localhost, createParser, version: 'v1.37.1', killGraceMs: 500,
    });
    let pid: number | null = null;
    try {
      await pluginsd.start();
      pid = pluginsd.plugins()[0]?.pid ?? null;
      const host = registry.localhost;
      await waitFor('example.random2 to collect twice', () => (host.chart('example.random2')?.iterations ?? 0) >= 2, 20000);
      await waitFor('example.random to collect twice', () => (host.chart('example.random')?.iterations ?? 0) >= 2, 5000);
      const random = host.chart('example.random')!;
      const random2 = host.chart('example.random2')!;
      assert.equal(random.definition.title, 'Random Numbers Stacked Chart');
      assert.equal(random.definition.chartType, 'stacked');
      assert.equal(random.definition.plugin, 'charts.d.plugin');
      assert.equal(random.definition.module, 'example');
      assert.deepEqual(random.dimensions.map((d) => d.definition.id), ['random1', 'random2', 'random3']);
      assert.equal(random.dimensions[0]!.definition.algorithm, 'percentage-of-absolute-row');
      for (const d of random.dimensions) {
        assert.ok(d.lastCollectedValue >= 0 && d.lastCollectedValue <= 32767, `${d.definition.id} = ${d.lastCollectedValue}`);
      }
      const value = random2.dimensions[0]!.lastCollectedValue;
      assert.ok(Number.isInteger(value) && value >= 0 && value <= 32767, `random = ${value}`);
      assert.equal(pluginsd.plugins()[0]!.state, 'running');
    } catch (err) {
      t.diagnostic(lines.join(''));
      throw err;
    } finally {
      await pluginsd.stop();
      setLogSink(previous);
      await rm(dir, { recursive: true, force: true });
    }
    if (pid !== null) assert.ok(gone(pid), `charts.d.plugin pid ${pid} still running`);
    assert.ok(lines.some((l) => l.includes(`connected to '${pluginPath}' running on pid`)));
  });
});
