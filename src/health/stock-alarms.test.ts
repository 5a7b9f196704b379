/**
 * The stock health.d files against the bundled system.plugin: the real plugin runs under the real
 * supervisor into a ram host, health loads the repository's health.d, and every alarm whose chart
 * or context the plugin emits must attach and, once evaluated, have a value.
 *
 * Lookups of the stock files span up to 10 minutes, and an alarm is not evaluated before its
 * window is inside the data (netdata's rrdcalc_isrunnable). So the files are checked twice: as
 * shipped (they parse, attach, are not REMOVED; calc-only alarms get values), and as a copy whose
 * lookup windows and `every` are cut to seconds (the same charts, dimensions and expressions give
 * a value on the real data).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNetdataConfig, type NetdataConfig } from '../config/index.js';
import { createPluginsd } from '../collectors/index.js';
import { createHostRegistry, type Host } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { createHealth, type AlarmDefinition, type Health } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const STOCK_HEALTH = join(REPO, 'health.d');
const BUNDLED_PLUGINS = join(REPO, 'plugins.d');
/** The compressed copy: every lookup window and every `every` in seconds. */
const SHORT_LOOKUP = '-5s';
const SHORT_EVERY = '1s';
const WAIT_FOR_VALUES_MS = 25_000;

interface AlarmJson {
  name: string;
  chart: string;
  status: string;
  value: number | null;
  warn?: string;
  crit?: string;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A stock file with its lookup windows and evaluation intervals cut to seconds. */
function compress(conf: string): string {
  return conf
    .replace(/^(\s*lookup:\s*\S+\s+)-\S+/gm, `$1${SHORT_LOOKUP}`)
    .replace(/^(\s*every:\s*)\S+/gm, `$1${SHORT_EVERY}`);
}

function healthConfig(root: string, stockHealth: string): NetdataConfig {
  const userHealth = join(root, 'user-health.d');
  mkdirSync(userHealth, { recursive: true });
  return loadNetdataConfig(null, [
    ['global', 'update every', '1'],
    ['directories', 'plugins', `"${BUNDLED_PLUGINS}"`],
    ['directories', 'config', root],
    ['directories', 'lib', root],
    ['directories', 'cache', root],
    ['directories', 'stock health config', stockHealth],
    ['directories', 'health config', userHealth],
    ['plugins', 'enable running new plugins', 'no'],
    ['plugins', 'system', 'yes'],
    ['health', 'run at least every seconds', '1'],
    // no notifications from a test: a raised alarm (a busy machine) runs `true`
    ['health', 'script to execute on alarm', '/bin/true'],
  ]);
}

function alarms(health: Health, host: Host): Map<string, AlarmJson> {
  const json = health.alarmsJson(host, true) as { alarms: Record<string, AlarmJson> };
  return new Map(Object.entries(json.alarms));
}

/** `CHART.ALARM` for every definition that matches a chart of the host (alarms by id, templates by context). */
function expectedAttachments(definitions: readonly AlarmDefinition[], host: Host): Set<string> {
  const expected = new Set<string>();
  for (const d of definitions) {
    if (d.os !== null && !/(^|\s)(linux|\*)(\s|$)/.test(d.os)) continue;
    for (const chart of host.charts.values()) {
      const hit = d.kind === 'alarm' ? d.on === chart.id : d.on === chart.definition.context && d.families === null;
      if (hit) expected.add(`${chart.id}.${d.name}`);
    }
  }
  return expected;
}

function chartsOf(host: Host, context: string): string[] {
  return [...host.charts.values()].filter((c) => c.definition.context === context).map((c) => c.id);
}

/** The running rig: the plugin's charts, both health instances, and what they should hold. */
interface Rig {
  root: string;
  host: Host;
  stock: Health;
  short: Health;
  stop(): Promise<void>;
  logLines: string[];
}

async function startRig(): Promise<Rig> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-stock-alarms-'));
  const shortHealth = join(root, 'short-health.d');
  mkdirSync(shortHealth);
  for (const file of stockFiles()) {
    writeFileSync(join(shortHealth, file), compress(readFileSync(join(STOCK_HEALTH, file), 'utf8')));
  }
  const stockConfig = healthConfig(join(root, 'stock'), STOCK_HEALTH);
  const registry = createHostRegistry(
    { hostname: 'stock-alarms-test', machineGuid: '44444444-5555-6666-7777-888888888888' },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const host = registry.localhost;
  const logLines: string[] = [];
  const previous = setLogSink((line) => logLines.push(line));
  const stock = createHealth(stockConfig, { registry });
  const short = createHealth(healthConfig(join(root, 'short'), shortHealth), { registry });
  const pluginsd = createPluginsd(stockConfig, { host, createParser, version: 'v' });
  const stop = async (): Promise<void> => {
    await pluginsd.stop();
    await stock.stop();
    await short.stop();
    setLogSink(previous);
    await rm(root, { recursive: true, force: true });
  };
  try {
    stock.start();
    short.start();
    await pluginsd.start();
    await waitFor('system.cpu and system.load to collect twice',
      () => (host.chart('system.cpu')?.iterations ?? 0) >= 3 && (host.chart('system.load')?.iterations ?? 0) >= 2, 15_000);
    // cut to seconds: wait until every attached alarm got a value from the real data
    await waitFor('every alarm of the compressed copy to have a value', () => missingValues(short, host).length === 0,
      WAIT_FOR_VALUES_MS).catch((err: Error) => { throw new Error(`${err.message}: ${missingValues(short, host).join(', ')}`); });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${logLines.join('')}`);
  }
  return { root, host, stock, short, stop, logLines };
}

function stockFiles(): string[] {
  return readdirSync(STOCK_HEALTH).filter((f) => f.endsWith('.conf')).sort();
}

function missingValues(health: Health, host: Host): string[] {
  return [...alarms(health, host)].filter(([, a]) => typeof a.value !== 'number').map(([key]) => key);
}

/** Checks that `keys` are attached as shipped (not REMOVED) and valued in the compressed copy. */
function assertAttachedWithValues(rig: Rig, keys: string[]): Map<string, AlarmJson> {
  const shipped = alarms(rig.stock, rig.host);
  const valued = alarms(rig.short, rig.host);
  for (const key of keys) {
    const alarm = shipped.get(key);
    assert.ok(alarm, `${key} is attached`);
    assert.notEqual(alarm.status, 'REMOVED', key);
    assert.equal(typeof valued.get(key)?.value, 'number', `${key} has a value`);
  }
  return valued;
}

describe('the stock health.d alarms on the bundled system.plugin', () => {
  let rig: Rig;
  before(async () => { rig = await startRig(); });
  after(async () => { await rig?.stop(); });

  it('parse without an error, every file defining something', () => {
    assert.deepEqual(rig.stock.errors.map((e) => e.message), []);
    assert.deepEqual(rig.short.errors.map((e) => e.message), []);
    const files = new Set(rig.stock.definitions.map((d) => d.file.slice(STOCK_HEALTH.length + 1)));
    assert.deepEqual([...files].sort(), stockFiles());
    assert.deepEqual(rig.short.definitions.map((d) => d.name), rig.stock.definitions.map((d) => d.name));
  });

  it('attach to every chart system.plugin emits that they match, and evaluate there', (t) => {
    const expected = [...expectedAttachments(rig.stock.definitions, rig.host)].sort();
    const shipped = alarms(rig.stock, rig.host);
    assert.deepEqual([...shipped.keys()].sort(), expected);
    for (const [key, alarm] of shipped) assert.notEqual(alarm.status, 'REMOVED', key);
    const valued = alarms(rig.short, rig.host);
    assert.deepEqual([...valued.keys()].sort(), expected);
    for (const [key, alarm] of valued) {
      // with warn or crit an evaluated alarm is CLEAR or raised; one without either only
      // computes its value and stays UNDEFINED, as in netdata
      const judged = alarm.warn !== undefined || alarm.crit !== undefined;
      const statuses = judged ? ['CLEAR', 'WARNING', 'CRITICAL'] : ['UNDEFINED'];
      assert.ok(statuses.includes(alarm.status), `${key} ${alarm.status}`);
    }
    const unattached = rig.stock.definitions.filter((d) => !expected.some((key) => key.endsWith(`.${d.name}`)));
    t.diagnostic(`not attached (charts system.plugin does not emit): ${unattached.map((d) => `${d.name} on ${d.on}`).join(', ')}`);
  });

  it('cpu, ram and load', async () => {
    const valued = assertAttachedWithValues(rig, ['system.cpu.10min_cpu_usage', 'system.cpu.10min_cpu_iowait',
      'system.ram.ram_in_use', 'system.load.load_average_15', 'system.load.load_average_1']);
    const cpu = valued.get('system.cpu.10min_cpu_usage')!.value!;
    assert.ok(cpu >= 0 && cpu <= 100, `cpu ${cpu}%`);
    // as shipped, the calc-only alarms are evaluated as soon as their chart collected twice
    await waitFor('ram_in_use as shipped to have a value',
      () => typeof alarms(rig.stock, rig.host).get('system.ram.ram_in_use')?.value === 'number', 10_000);
    const ram = alarms(rig.stock, rig.host).get('system.ram.ram_in_use')!;
    assert.ok(ram.value! > 0 && ram.value! < 100, `ram_in_use ${ram.value}%`);
    assert.ok(['CLEAR', 'WARNING', 'CRITICAL'].includes(ram.status), ram.status);
  });

  it('disk: utilization and I/O statistics per disk', async (t) => {
    // every disk with I/O statistics (disk.DISK) must have its utilization (disk_util.DISK) too
    const disks = chartsOf(rig.host, 'disk.io').map((id) => id.slice('disk.'.length));
    if (disks.length === 0) return t.skip('this machine has no physical block device in /proc/diskstats');
    t.diagnostic(`disks: ${disks.join(' ')}`);
    const valued = assertAttachedWithValues(rig, disks.flatMap((disk) =>
      [`disk_util.${disk}.10min_disk_utilization`, `disk.${disk}.10min_disk_io_absent`]));
    for (const disk of disks) {
      const util = valued.get(`disk_util.${disk}.10min_disk_utilization`)!.value!;
      assert.ok(util >= 0 && util <= 105, `${disk} utilization ${util}%`);
    }
    await waitFor('10min_disk_io_absent as shipped to have values', () => disks.every((disk) =>
      typeof alarms(rig.stock, rig.host).get(`disk.${disk}.10min_disk_io_absent`)?.value === 'number'), 10_000);
  });

  it('network errors and drops per interface', (t) => {
    // every charted interface (net.IFACE) must have its errors and drops charts too
    const ifaces = chartsOf(rig.host, 'net.net').map((id) => id.slice('net.'.length));
    if (ifaces.length === 0) return t.skip('this machine has no network interface system.plugin charts');
    t.diagnostic(`interfaces: ${ifaces.join(' ')}`);
    const valued = assertAttachedWithValues(rig, ifaces.flatMap((iface) => [
      `net_errors.${iface}.interface_inbound_errors`, `net_errors.${iface}.interface_outbound_errors`,
      `net_drops.${iface}.inbound_packets_dropped`, `net_drops.${iface}.outbound_packets_dropped`]));
    for (const iface of ifaces) {
      for (const key of [`net_errors.${iface}.interface_inbound_errors`, `net_drops.${iface}.outbound_packets_dropped`]) {
        const value = valued.get(key)!.value!;
        assert.ok(Number.isInteger(value) && value >= 0, `${key} ${value}`);
      }
    }
  });
});
