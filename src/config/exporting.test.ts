import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadNetdataConfig, type NetdataConfig } from './index.js';
import {
  exportingConfigFile, loadExportingConfig, readExportingConfig, DEFAULT_EXPORTING_TIMEOUT_MS,
} from './exporting.js';

/** Where Debian's netdata 1.37 package puts its stock file. */
const STOCK_FILE = '/usr/lib/netdata/conf.d/exporting.conf';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tributary-exporting-conf-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function netdata(configDir = path.join(tmp, 'etc'), stockDir = path.join(tmp, 'stock')): NetdataConfig {
  return loadNetdataConfig(null, [
    ['global', 'hostname', 'node1'],
    ['directories', 'config', configDir],
    ['directories', 'stock config', stockDir],
    ['directories', 'cache', path.join(tmp, 'cache')],
  ]);
}

let files = 0;
function file(text: string): string {
  const name = path.join(tmp, `exporting-${++files}.conf`);
  writeFileSync(name, text);
  return name;
}

/** The stock file with every commented-out section and key switched on as written. */
function uncommented(text: string): string {
  return text.split('\n').map((line) => line.replace(/^(\s*)#\s*(\[[^\]]+\]|[A-Za-z_][A-Za-z_ ]*=.*)$/, '$1$2')).join('\n');
}

describe('readExportingConfig', () => {
  it('loads netdata 1.37 stock exporting.conf unchanged, with no instance', (t) => {
    if (!existsSync(STOCK_FILE)) return t.skip(`${STOCK_FILE} is missing (Debian package netdata)`);
    const config = loadExportingConfig(netdata(), STOCK_FILE);
    assert.equal(config.file, STOCK_FILE);
    assert.deepEqual(config.instances, []);
    assert.equal(config.prometheusExporter.prefix, 'netdata');
  });

  it('loads the stock file with its example instances switched on, keys as written', (t) => {
    if (!existsSync(STOCK_FILE)) return t.skip(`${STOCK_FILE} is missing (Debian package netdata)`);
    const config = loadExportingConfig(netdata(), file(uncommented(readFileSync(STOCK_FILE, 'utf8'))));
    assert.deepEqual(config.instances.map((i) => [i.type, i.name, i.enabled]), [
      ['graphite', 'my_graphite_instance', false],
      ['prometheus_remote_write', 'my_prometheus_remote_write_instance', false],
      ['kinesis', 'my_kinesis_instance', false],
      ['pubsub', 'my_pubsub_instance', false],
      ['mongodb', 'my_mongodb_instance', false],
    ]);
    const rw = config.instances[1]!;
    assert.equal(rw.remoteWriteUrlPath, '/receive');
    assert.equal(rw.timeoutMs, 20000);
    assert.equal(rw.hostname, 'my_hostname');
    assert.equal(rw.username, 'my_username');
    assert.equal(rw.sendVariables, false);
    assert.deepEqual(config.instances[2]!.destination, ['us-east-1']);
  });

  it('falls back to [exporting:global], then to netdata 1.37 defaults', () => {
    const config = loadExportingConfig(netdata(), file([
      '[exporting:global]',
      '  enabled = yes',
      '  update every = 5',
      '  hostname = global-name',
      '  send automatic labels = yes',
      '[graphite:one]',
      '  destination = 127.0.0.1:2003',
      '[prometheus_remote_write:https:vm]',
      '  enabled = no',
      '  destination = a:8428 b:8428',
      '  destinations mode = shard',
      '  remote write URL path = /api/v1/write',
      '  data source = raw',
      '[json:]',
      '[opentsdb:telnet:t]',
      '',
    ].join('\n')));
    const [one, vm, unnamed, t] = config.instances;
    assert.deepEqual([one!.name, one!.type, one!.enabled, one!.updateEverySecs, one!.hostname, one!.sendAutomaticLabels],
      ['one', 'graphite', true, 5, 'global-name', true]);
    assert.equal(one!.timeoutMs, DEFAULT_EXPORTING_TIMEOUT_MS);
    assert.equal(one!.dataSource, 'average');
    assert.equal(one!.prefix, 'netdata');
    assert.equal(one!.sendHostsMatching, 'localhost *');
    assert.equal(one!.diskQueueDirectory, path.join(tmp, 'cache', 'exporting-queue', 'one'));
    assert.deepEqual([vm!.name, vm!.type, vm!.typeName, vm!.tls, vm!.enabled], ['vm', 'prometheus_remote_write', 'prometheus_remote_write:https', true, false]);
    assert.deepEqual(vm!.destination, ['a:8428', 'b:8428']);
    assert.equal(vm!.destinationsMode, 'shard');
    assert.equal(vm!.remoteWriteUrlPath, '/api/v1/write');
    assert.equal(vm!.dataSource, 'as collected');
    assert.equal(unnamed!.name, 'instance_3');
    assert.equal(unnamed!.type, 'json');
    assert.deepEqual([t!.type, t!.name], ['opentsdb', 't']);
  });

  const BAD: Array<[text: string, errors: Array<[line: number, section: string, key: string, message: string]>]> = [
    ['[graphite]\n  enabled = yes\n', [[1, 'graphite', '', 'section [graphite] does not specify a valid connector (expected [TYPE:NAME])']]],
    ['[influxdb:x]\n', [[1, 'influxdb:x', '', "section [influxdb:x] does not specify a valid connector: unknown type 'influxdb' (expected one of: graphite, graphite:plaintext, graphite:http, graphite:https, json, json:plaintext, json:http, json:https, opentsdb, opentsdb:telnet, opentsdb:http, opentsdb:https, prometheus_remote_write, prometheus_remote_write:http, prometheus_remote_write:https, kinesis, kinesis:plaintext, pubsub, pubsub:plaintext, mongodb, mongodb:plaintext)"]]],
    ['[graphite:a]\n  destnation = x\n', [[2, 'graphite:a', 'destnation', 'unknown key in exporting.conf']]],
    ['[graphite:a]\n  update every = often\n', [[2, 'graphite:a', 'update every', "expected a whole number, got 'often'"]]],
    ['[graphite:a]\n  data source = median\n', [[2, 'graphite:a', 'data source', "invalid data source 'median' (expected as collected, raw, average, sum or volume)"]]],
    ['[graphite:a]\n[json:a]\n', [[2, 'json:a', '', "instance 'a' already exists (section [graphite:a])"]]],
    ['[exporting:global]\n  update every = 0\n', [[2, 'exporting:global', 'update every', 'must be at least 1, got 0']]],
    ['[prometheus_remote_write:a]\n  remote write URL path = receive\n', [[2, 'prometheus_remote_write:a', 'remote write URL path', "expected a path starting with '/', got 'receive'"]]],
    ['[prometheus_remote_write:a]\n  disk queue size bytes = 100\n', [[2, 'prometheus_remote_write:a', 'disk queue size bytes', 'must be 0 (no disk queue) or at least 65536, got 100']]],
    ['[prometheus_remote_write:a]\n  destinations mode = random\n', [[2, 'prometheus_remote_write:a', 'destinations mode', "unknown destinations mode 'random' (expected one of: failover, replicate, shard)"]]],
    ['[graphite:a]\n  stream name = x\n', [[2, 'graphite:a', 'stream name', 'unknown key in exporting.conf']]],
  ];
  for (const [text, expected] of BAD) {
    it(`reports ${expected[0]![3].slice(0, 60)} with file and line`, () => {
      const name = file(text);
      const { errors } = readExportingConfig(name, netdata());
      assert.deepEqual(errors.map((e) => [e.line, e.section, e.key, e.message]),
        expected.map(([line, section, key, message]) => [line, section, key, `${name}:${line}: [${section}]${key ? ` '${key}'` : ''}: ${message}`]));
      for (const e of errors) assert.equal(e.file, name);
      assert.throws(() => loadExportingConfig(netdata(), name), (err: AggregateError) => err.message.includes(`${name}:${expected[0]![0]}:`));
    });
  }
});

describe('exportingConfigFile', () => {
  it('finds the user file first, then the stock one, else none', () => {
    const user = path.join(tmp, 'user-dir');
    const stock = path.join(tmp, 'stock-dir');
    mkdirSync(user, { recursive: true });
    mkdirSync(stock, { recursive: true });
    assert.equal(exportingConfigFile(netdata(user, stock)), null);
    writeFileSync(path.join(stock, 'exporting.conf'), '[exporting:global]\n');
    assert.equal(exportingConfigFile(netdata(user, stock)), path.join(stock, 'exporting.conf'));
    writeFileSync(path.join(user, 'exporting.conf'), '[exporting:global]\n');
    assert.equal(exportingConfigFile(netdata(user, stock)), path.join(user, 'exporting.conf'));
    assert.deepEqual(loadExportingConfig(netdata(user, stock)).instances, []);
  });
});
