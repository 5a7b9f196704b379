import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNetdataConfig } from '../config/index.js';
import { createHostRegistry } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { createPluginsd } from './index.js';

const BUNDLED = fileURLToPath(new URL('../../../plugins.d', import.meta.url));

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function meminfoKiB(key: string): number {
  const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
  return Number(line?.split(/\s+/)[1]);
}

describe('the bundled system.plugin', () => {
  it('fills netdata\'s system charts from /proc', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-system-'));
    const config = loadNetdataConfig(null, [
      ['global', 'update every', '1'],
      ['directories', 'plugins', `"${BUNDLED}"`],
      ['directories', 'config', dir],
      ['directories', 'lib', dir],
      ['plugins', 'enable running new plugins', 'no'],
      ['plugins', 'system', 'yes'],
    ]);
    const registry = createHostRegistry(
      { hostname: 'system-test', machineGuid: '33333333-4444-5555-6666-777777777777' },
      { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    );
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    const pluginsd = createPluginsd(config, { host: registry.localhost, createParser, version: 'v' });
    try {
      await pluginsd.start();
      const host = registry.localhost;
      await waitFor('system.cpu to collect 3 times', () => (host.chart('system.cpu')?.iterations ?? 0) >= 3, 8000);
      const ids = (id: string) => host.chart(id)?.dimensions.map((d) => d.definition.id);
      assert.deepEqual(ids('system.cpu'),
        ['guest_nice', 'guest', 'steal', 'softirq', 'irq', 'user', 'system', 'nice', 'iowait', 'idle']);
      assert.deepEqual(ids('system.load'), ['load1', 'load5', 'load15']);
      assert.deepEqual(ids('system.ram'), ['free', 'used', 'cached', 'buffers']);
      assert.deepEqual(ids('system.io'), ['in', 'out']);
      assert.deepEqual(ids('system.net'), ['InOctets', 'OutOctets']);
      assert.deepEqual(ids('system.uptime'), ['uptime']);

      const cpu = host.chart('system.cpu')!;
      assert.deepEqual(
        [cpu.definition.title, cpu.definition.units, cpu.definition.family, cpu.definition.context,
          cpu.definition.chartType, cpu.definition.priority],
        ['Total CPU utilization', 'percentage', 'cpu', 'system.cpu', 'stacked', 100]);
      assert.equal(cpu.dimension('idle')!.definition.options.hidden, true);
      assert.equal(cpu.dimension('user')!.definition.algorithm, 'percentage-of-incremental-row');
      const load = host.chart('system.load')!;
      assert.equal(load.definition.updateEverySecs, 5);
      assert.equal(load.dimension('load1')!.definition.divisor, 1000);
      const net = host.chart('system.net')!;
      assert.deepEqual([net.dimension('OutOctets')!.definition.name, net.dimension('OutOctets')!.definition.multiplier,
        net.dimension('OutOctets')!.definition.divisor], ['sent', -8, 1000]);

      const uptimeMs = host.chart('system.uptime')!.dimension('uptime')!.lastCollectedValue;
      assert.ok(Math.abs(uptimeMs - uptime() * 1000) < 5000, `uptime ${uptimeMs} ms vs ${uptime()} s`);
      const freeKiB = host.chart('system.ram')!.dimension('free')!.lastCollectedValue;
      assert.ok(Math.abs(freeKiB - meminfoKiB('MemFree')) < meminfoKiB('MemTotal') / 10, `free ${freeKiB} KiB`);
      for (const d of cpu.dimensions) assert.ok(Number.isInteger(d.lastCollectedValue) && d.lastCollectedValue >= 0);
      assert.equal(pluginsd.plugins()[0]!.state, 'running');
    } catch (err) {
      t.diagnostic(lines.join(''));
      throw err;
    } finally {
      await pluginsd.stop();
      setLogSink(previous);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
