/**
 * Builders for health's tests (not part of the public surface): a real host registry on a fixed
 * clock, charts defined as the parser would, one collection per second, and a netdata.conf in a
 * temp dir whose directories point into it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetdataConfig, type NetdataConfig } from '../config/index.js';
import { createHostRegistry, type Chart, type ChartDefinition, type Host, type HostRegistry } from '../database/index.js';

export const LOCAL_GUID = '11111111-2222-3333-4444-555555555555';

export function testRegistry(hostname = 'test-host'): HostRegistry {
  return createHostRegistry(
    { hostname, machineGuid: LOCAL_GUID },
    { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: () => 1000 },
  );
}

export function defineChart(host: Host, id: string, dims: string[], extra: Partial<ChartDefinition> = {}): Chart {
  const dot = id.indexOf('.');
  const chart = host.defineChart({
    id, type: id.slice(0, dot), name: null, title: '', units: 'units', family: id.slice(dot + 1),
    context: id, chartType: 'line', priority: 1000, updateEverySecs: 1, plugin: 'test.plugin', module: '',
    ...extra,
    options: { obsolete: false, detail: false, hidden: false, storeFirst: false, ...extra.options },
  });
  for (const dim of dims) {
    const [idPart, name] = dim.split(':');
    chart.defineDimension({
      id: idPart, name: name ?? idPart, algorithm: 'absolute', multiplier: 1, divisor: 1,
      options: { hidden: false, noReset: false, obsolete: false },
    });
  }
  return chart;
}

/** One collection per second from `startS`, one row of values per second (NaN = not set). */
export function feed(chart: Chart, startS: number, rows: number[][]): void {
  rows.forEach((row, i) => {
    const nowUs = (startS + i) * 1e6;
    chart.begin(chart.iterations === 0 ? 0 : 1e6, false, nowUs);
    row.forEach((v, d) => { if (!Number.isNaN(v)) chart.set(d, v); });
    chart.end(nowUs);
  });
}

export function tempDir(prefix = 'tributary-health-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `conf` as health.d/`name` under `dir` and returns the health.d path. */
export function writeHealthFile(dir: string, name: string, conf: string): string {
  const healthDir = join(dir, 'health.d');
  mkdirSync(healthDir, { recursive: true });
  writeFileSync(join(healthDir, name), conf);
  return healthDir;
}

/**
 * A NetdataConfig whose config, stock config, lib, cache and log directories are under `root`
 * (stock health.d = `root/stock/health.d`, user health.d = `root/etc/health.d`).
 */
export function testConfig(root: string, health: Record<string, string> = {}): NetdataConfig {
  for (const sub of ['etc/health.d', 'stock/health.d', 'lib', 'cache', 'log']) mkdirSync(join(root, sub), { recursive: true });
  const lines = [
    '[directories]',
    `\tconfig = ${join(root, 'etc')}`,
    `\tstock config = ${join(root, 'stock')}`,
    `\tlib = ${join(root, 'lib')}`,
    `\tcache = ${join(root, 'cache')}`,
    `\tlog = ${join(root, 'log')}`,
    '[health]',
    ...Object.entries(health).map(([k, v]) => `\t${k} = ${v}`),
  ];
  const file = join(root, 'netdata.conf');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return loadNetdataConfig(file);
}
