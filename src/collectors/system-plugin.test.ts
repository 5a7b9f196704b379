import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNetdataConfig } from '../config/index.js';
import { createHostRegistry, type Chart, type Host } from '../database/index.js';
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

type Definition = [title: string, units: string, family: string, context: string, chartType: string,
  priority: number, detail: boolean];

function chartDefinition(chart: Chart): Definition {
  const d = chart.definition;
  return [d.title, d.units, d.family, d.context, d.chartType, d.priority, d.options.detail];
}

function dimensions(chart: Chart): Array<[string, string, number, number]> {
  return chart.dimensions.map((d) => [d.definition.id, d.definition.algorithm, d.definition.multiplier, d.definition.divisor]);
}

/** /proc/net/dev counters of one interface: [rx errs, rx drop, tx errs, tx drop]. */
function procNetDev(iface: string): number[] {
  const line = readFileSync('/proc/net/dev', 'utf8').split('\n').find((l) => l.trim().startsWith(`${iface}:`))!;
  const f = line.slice(line.indexOf(':') + 1).trim().split(/\s+/).map(Number);
  return [f[2], f[3], f[10], f[11]];
}

/** /proc/diskstats "time spent doing I/Os (ms)" of one disk. */
function busyMs(disk: string): number {
  const line = readFileSync('/proc/diskstats', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[2] === disk)!;
  return Number(line.trim().split(/\s+/)[12]);
}

/** Every net.IFACE chart has its net_errors.IFACE and net_drops.IFACE, with proc.plugin's definitions; returns the interfaces. */
function checkInterfaceCharts(host: Host): string[] {
  const ifaces = [...host.charts.values()].filter((c) => c.definition.context === 'net.net').map((c) => c.definition.family);
  assert.ok(!ifaces.includes('lo'), 'lo is not charted');
  for (const iface of ifaces) {
    const errors = host.chart(`net_errors.${iface}`);
    const drops = host.chart(`net_drops.${iface}`);
    assert.ok(errors && drops, `net_errors.${iface} and net_drops.${iface}`);
    assert.deepEqual(chartDefinition(errors), ['Interface Errors', 'errors/s', iface, 'net.errors', 'line', 7002, true]);
    assert.deepEqual(chartDefinition(drops), ['Interface Drops', 'drops/s', iface, 'net.drops', 'line', 7003, true]);
    for (const chart of [errors, drops]) {
      assert.deepEqual(dimensions(chart), [['inbound', 'incremental', 1, 1], ['outbound', 'incremental', -1, 1]]);
    }
    // the counters only grow: what was collected is at most what /proc shows now
    const [rxErrs, rxDrop, txErrs, txDrop] = procNetDev(iface);
    const collected = [errors.dimension('inbound')!, drops.dimension('inbound')!, errors.dimension('outbound')!,
      drops.dimension('outbound')!].map((d) => d.lastCollectedValue);
    collected.forEach((v, i) => assert.ok(Number.isInteger(v) && v >= 0 && v <= [rxErrs, rxDrop, txErrs, txDrop][i]!,
      `${iface} counter ${i}: ${v}`));
  }
  return ifaces;
}

/** Every disk.DISK chart has its disk_util.DISK: busy milliseconds, incremental / 10 = percent; returns the disks. */
function checkDiskCharts(host: Host): string[] {
  const disks = [...host.charts.values()].filter((c) => c.definition.context === 'disk.io').map((c) => c.definition.family);
  for (const disk of disks) {
    const util = host.chart(`disk_util.${disk}`);
    assert.ok(util, `disk_util.${disk}`);
    assert.deepEqual(chartDefinition(util), ['Disk Utilization Time', '% of time working', disk, 'disk.util', 'area', 2040, true]);
    assert.deepEqual(dimensions(util), [['utilization', 'incremental', 1, 10]]);
    const collected = util.dimension('utilization')!.lastCollectedValue;
    assert.ok(Number.isInteger(collected) && collected >= 0 && collected <= busyMs(disk), `${disk} busy ${collected} ms`);
    // a percentage of the time: 0..100, plus a little for the jitter of the collection times
    const percent = util.dimension('utilization')!.lastStoredValue;
    assert.ok(percent >= 0 && percent <= 105, `${disk} utilization ${percent}%`);
  }
  return disks;
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
      t.diagnostic(`interfaces: ${checkInterfaceCharts(host).join(' ')}; disks: ${checkDiskCharts(host).join(' ')}`);
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
