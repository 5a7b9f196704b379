/**
 * Where `/api/v1/allmetrics?format=prometheus` takes its defaults from, through a real web
 * server on 127.0.0.1:0 and a real host registry: exporting.conf's `[prometheus:exporter]` (then
 * `[exporting:global]`) as netdata 1.37, netdata.conf's `[backend]` when there is no exporting.conf
 * (1.10), and the request's own parameters over both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHostRegistry } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { loadNetdataConfig, readExportingConfig, type ExportingConfig, type NetdataConfig } from '../config/index.js';
import { createWebServer, type WebServer } from './server.js';
import { prometheusDefaults } from './allmetrics.js';
import { LOCAL_GUID, REPO_ROOT, START_S } from './test-fixture.js';

/** netdata.conf's `[backend]`: what 1.10 scrapes took their defaults from. */
const BACKEND_LINES: Array<[string, string, string]> = [
  ['backend', 'prefix', 'old'], ['backend', 'data source', 'sum'], ['backend', 'send names instead of ids', 'yes'],
];
/** One chart whose dimension's id and name differ, collected for this many seconds. */
const SECONDS = 5;

let tmp = '';
const servers: WebServer[] = [];
before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'tributary-allmetrics-')); });
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function netdataConfig(): NetdataConfig {
  return loadNetdataConfig(null, [
    ['global', 'hostname', 'web-test'], ['web', 'bind to', '127.0.0.1:0'],
    ['directories', 'web', path.join(REPO_ROOT, 'web')], ...BACKEND_LINES,
  ]);
}

/** exporting.conf with `text` (read as the agent reads it), or none when `text` is null. */
function exportingConfig(netdata: NetdataConfig, name: string, text: string | null): ExportingConfig {
  if (text === null) return readExportingConfig(null, netdata).config;
  const file = path.join(tmp, `${name}.conf`);
  writeFileSync(file, text);
  const { config, errors } = readExportingConfig(file, netdata);
  assert.deepEqual(errors, []);
  return config;
}

/**
 * A web server over a registry holding `test.load` (dimension id load1, name one) and, with
 * `more`, `test.cpu` (named `test.processor`), host labels `room` (configured) and `_os`
 * (automatic), and a mirrored host `child-1` with a chart of its own; its base URL.
 */
async function serve(netdata: NetdataConfig, exporting: ExportingConfig, more = false): Promise<string> {
  const clock = { nowS: START_S };
  const registry = createHostRegistry(
    { hostname: 'web-test', machineGuid: LOCAL_GUID, os: 'linux', timezone: 'UTC' },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: () => START_S },
  );
  const parser = createParser({
    source: 'plugin allmetrics-test', host: registry.localhost, trustedDurations: false,
    defaultUpdateEverySecs: 1, defaultPluginName: 'allmetrics-test.plugin', nowUs: () => clock.nowS * 1e6,
  });
  parser.feed(Buffer.from('CHART test.load load "Load" "load" load "" line 100 1\nDIMENSION load1 one absolute 1 1\n'));
  if (more) {
    parser.feed(Buffer.from('CHART test.cpu processor "CPU" "%" cpu "" line 101 1\nDIMENSION user user absolute 1 1\n'));
    registry.localhost.replaceLabels(new Map([['room', { value: 'b12', source: 2 }], ['_os', { value: 'linux', source: 1 }]]));
    const child = registry.findOrCreate({ hostname: 'child-1', machineGuid: '22222222-3333-4444-5555-666666666666' },
      { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
    createParser({
      source: 'child-1', host: child, trustedDurations: false, defaultUpdateEverySecs: 1, defaultPluginName: 'x', nowUs: () => clock.nowS * 1e6,
    }).feed(Buffer.from('CHART child.load "" "Load" "load" load "" line 100 1\nDIMENSION l "" absolute 1 1\nBEGIN child.load\nSET l = 1\nEND\n'));
  }
  for (let i = 0; i < SECONDS; i++) {
    parser.feed(Buffer.from(`BEGIN test.load\nSET load1 = ${10 + i}\nEND\n`));
    if (more) parser.feed(Buffer.from(`BEGIN test.cpu\nSET user = ${i}\nEND\n`));
    clock.nowS++;
  }
  const server = createWebServer(netdata, {
    registry, version: 'v1.37.1-tributary', effectiveConfig: () => '', accessLog: () => {},
    nowMs: () => clock.nowS * 1000, exporting,
  });
  servers.push(server);
  await server.start();
  return `http://127.0.0.1:${server.ports()[0]}`;
}

async function scrape(base: string, query = ''): Promise<string> {
  const response = await fetch(`${base}/api/v1/allmetrics?format=prometheus&timestamps=no${query}`);
  assert.equal(response.status, 200);
  return response.text();
}

/** The lines of `body` for test.load (netdata_info and the rest left out). */
const loadLines = (body: string): string[] => body.split('\n').filter((l) => l.includes('chart="test.load"'));

describe('/api/v1/allmetrics?format=prometheus defaults', () => {
  it('come from [prometheus:exporter] when exporting.conf exists, [backend] ignored as in 1.37', async () => {
    const netdata = netdataConfig();
    const exporting = exportingConfig(netdata, 'exporter', [
      '[prometheus:exporter]', '  prefix = tri', '  data source = as collected', '  send names instead of ids = no', '',
    ].join('\n'));
    const base = await serve(netdata, exporting);
    assert.deepEqual(loadLines(await scrape(base)), ['tri_test_load{chart="test.load",family="load",dimension="load1"} 14']);
    // the request's parameters still win
    assert.deepEqual(loadLines(await scrape(base, '&prefix=q&names=yes')), ['q_test_load{chart="test.load",family="load",dimension="one"} 14']);
    assert.match((await scrape(base, '&data=average')), /\ntri_test_load_load_average\{chart="test.load",family="load",dimension="load1"\} /);
  });

  it('fall back to [exporting:global], then 1.37 own defaults, not to [backend]', async () => {
    const netdata = netdataConfig();
    const exporting = exportingConfig(netdata, 'global', '[exporting:global]\n  prefix = glob\n');
    const base = await serve(netdata, exporting);
    // 1.37's default source is average, with names
    assert.deepEqual(loadLines(await scrape(base, '&server=s1')).map((l) => l.replace(/\} .*/, '}')),
      ['glob_test_load_load_average{chart="test.load",family="load",dimension="one"}']);
    assert.deepEqual(prometheusDefaults(netdata, exporting), {
      prefix: 'glob', dataSource: 'average', sendNamesInsteadOfIds: true, updateEverySecs: 10,
      sendChartsMatching: '*', sendHostsMatching: 'localhost *', labels: { sendConfiguredLabels: true, sendAutomaticLabels: false },
    });
  });

  it('come from an enabled [backend] when the only exporting.conf is the stock one, from the operator\'s own one over it', async () => {
    const stockDir = path.join(tmp, 'stock');
    const ownDir = path.join(tmp, 'own');
    mkdirSync(stockDir, { recursive: true });
    mkdirSync(ownDir, { recursive: true });
    const netdata = loadNetdataConfig(null, [
      ['global', 'hostname', 'web-test'], ['directories', 'config', ownDir], ['directories', 'stock config', stockDir],
      ['backend', 'enabled', 'yes'], ...BACKEND_LINES,
    ]);
    const text = '[prometheus:exporter]\n  prefix = tri\n';
    writeFileSync(path.join(stockDir, 'exporting.conf'), text);
    const stock = readExportingConfig(path.join(stockDir, 'exporting.conf'), netdata).config;
    assert.equal(prometheusDefaults(netdata, stock).prefix, 'old', 'a 1.10 setup with [backend] on keeps its defaults');
    writeFileSync(path.join(ownDir, 'exporting.conf'), text);
    const own = readExportingConfig(path.join(ownDir, 'exporting.conf'), netdata).config;
    assert.equal(prometheusDefaults(netdata, own).prefix, 'tri', 'the operator\'s exporting.conf wins');
  });

  it('come from netdata.conf [backend] without an exporting.conf (1.10)', async () => {
    const netdata = netdataConfig();
    const exporting = exportingConfig(netdata, 'none', null);
    const base = await serve(netdata, exporting);
    assert.deepEqual(loadLines(await scrape(base, '&server=s1')).map((l) => l.replace(/\} .*/, '}')),
      ['old_test_load_sum{chart="test.load",family="load",dimension="one"}']);
    assert.equal(prometheusDefaults(netdata, undefined).prefix, 'old');
  });
});

describe('/api/v1/allmetrics?format=prometheus: what [prometheus:exporter] selects and labels', () => {
  /** The charts of the metric lines of `body`. */
  const chartsOf = (body: string): string[] => [...new Set([...body.matchAll(/chart="([^"]+)"/g)].map((m) => m[1]!))].sort();

  it('exports the charts send charts matching lets through, on their ids; filter= of the request wins', async () => {
    const netdata = netdataConfig();
    const base = await serve(netdata, exportingConfig(netdata, 'charts',
      '[prometheus:exporter]\n  send charts matching = test.cpu\n  send names instead of ids = no\n  data source = as collected\n'), true);
    assert.deepEqual(chartsOf(await scrape(base)), ['test.cpu']);
    assert.deepEqual(chartsOf(await scrape(base, '&filter=test.load')), ['test.load']);
    assert.deepEqual(chartsOf(await scrape(base, '&filter=test.*')), ['test.cpu', 'test.load']);
    assert.deepEqual(chartsOf(await scrape(base, '&filter=test.processor')), [], 'the name is no id');
  });

  it('matches the chart names with send names instead of ids', async () => {
    const netdata = netdataConfig();
    const base = await serve(netdata, exportingConfig(netdata, 'names',
      '[prometheus:exporter]\n  send charts matching = !test.cpu test.processor\n  data source = as collected\n'), true);
    assert.deepEqual(chartsOf(await scrape(base)), ['test.processor']);
  });

  it('puts the configured host labels on netdata_info, and the automatic ones with send automatic labels', async () => {
    const netdata = netdataConfig();
    const info = (body: string): string => body.split('\n').find((l) => l.startsWith('netdata_info{'))!;
    const configured = await serve(netdata, exportingConfig(netdata, 'labels', '[prometheus:exporter]\n'), true);
    assert.equal(info(await scrape(configured)),
      'netdata_info{instance="web-test",application="netdata",version="v1.37.1-tributary",room="b12"} 1');
    const both = await serve(netdata, exportingConfig(netdata, 'labels-auto', '[prometheus:exporter]\n  send automatic labels = yes\n'), true);
    assert.match(info(await scrape(both)), /,room="b12",_os="linux"\} 1$/);
    const none = await serve(netdata, exportingConfig(netdata, 'labels-none', '[prometheus:exporter]\n  send configured labels = no\n'), true);
    assert.match(info(await scrape(none)), /version="v1\.37\.1-tributary"\} 1$/);
  });

  it('lists in prometheus_all_hosts the hosts send hosts matching lets through (localhost for its own)', async () => {
    const netdata = netdataConfig();
    const instances = async (exporting: string): Promise<string[]> => {
      const base = await serve(netdata, exportingConfig(netdata, `hosts-${servers.length}`, exporting), true);
      const body = await (await fetch(`${base}/api/v1/allmetrics?format=prometheus_all_hosts&timestamps=no`)).text();
      return [...new Set([...body.matchAll(/^netdata_info\{instance="([^"]+)"/gm)].map((m) => m[1]!))];
    };
    assert.deepEqual(await instances('[prometheus:exporter]\n'), ['web-test', 'child-1']);
    assert.deepEqual(await instances('[prometheus:exporter]\n  send hosts matching = !localhost *\n'), ['child-1']);
    assert.deepEqual(await instances('[prometheus:exporter]\n  send hosts matching = localhost\n'), ['web-test']);
  });
});
