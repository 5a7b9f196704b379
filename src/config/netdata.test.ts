import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  ConfigError, effectiveConfigText, loadNetdataConfig, readNetdataConfig, systemTimezone, type NetdataConfig,
} from './index.js';

const TESTDATA = fileURLToPath(new URL('../../../src/config/testdata/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const at = (name: string): string => join(TESTDATA, name);

/** Every bad file and the exact errors it must produce: line, section, key, message. */
const BAD_FILES: Array<[file: string, errors: Array<[number, string, string, string]>]> = [
  ['history-not-number.bad.conf', [[2, 'global', 'history', "expected a whole number, got 'lots'"]]],
  ['history-too-small.bad.conf', [[2, 'global', 'history', 'must be at least 5, got 4']]],
  ['negative-update-every.bad.conf', [[2, 'db', 'update every', 'must be at least 1, got -1']]],
  ['unknown-memory-mode.bad.conf', [[3, 'global', 'memory mode',
    "unknown memory mode 'disk' (expected one of: none, ram, alloc, save, map, dbengine)"]]],
  ['bad-plugin-boolean.bad.conf', [[2, 'plugins', 'apps', "expected yes or no, got 'maybe'"]]],
  ['unknown-section.bad.conf', [[1, 'globals', '', 'unknown section in netdata.conf']]],
  ['unknown-key.bad.conf', [[2, 'global', 'histroy', 'unknown key in netdata.conf']]],
  ['web-mode.bad.conf', [[2, 'web', 'mode',
    "unknown web mode 'threaded' (expected one of: none, single-threaded, single, multi-threaded, multi, static-threaded, static)"]]],
  ['web-port.bad.conf', [[2, 'web', 'default port', 'must be at most 65535, got 70000']]],
  ['backend-type.bad.conf', [[3, 'backend', 'type',
    "unknown backend type 'kinesis' (expected one of: graphite, graphite:plaintext, opentsdb, opentsdb:telnet, json, json:plaintext)"]]],
  ['missing-equals.bad.conf', [[2, 'global', '', 'expected \'name = value\', got "history 3600"']]],
  ['key-outside-section.bad.conf', [[1, '', 'history', 'key outside of any [section]']]],
  ['bad-section-header.bad.conf', [
    [1, '', '', 'bad section header "[global"'],
    [2, '', 'history', 'key outside of any [section]'],
  ]],
  ['too-many-plugin-dirs.bad.conf', [[2, 'global', 'plugins directory', 'at most 20 entries are allowed, got 21']]],
  ['plugin-update-every.bad.conf', [[2, 'plugin:python.d', 'update every', 'must be at least 1, got 0']]],
  ['several.bad.conf', [
    [3, 'global', 'update every', "expected a whole number, got 'often'"],
    [6, 'web', 'allow everything', 'unknown key in netdata.conf'],
    [9, 'db', 'retention', "expected a whole number, got '1e3'"],
  ]],
];

describe('readNetdataConfig on testdata/*.bad.conf', () => {
  for (const [name, expected] of BAD_FILES) {
    it(`${name} yields exactly its errors`, () => {
      const file = at(name);
      const { errors } = readNetdataConfig(file);
      assert.deepEqual(errors.map((e) => [e.line, e.section, e.key, e.message]), expected.map(([line, section, key, text]) =>
        [line, section, key, `${file}:${line}: [${section}]${key ? ` '${key}'` : ''}: ${text}`]));
      assert.ok(errors.every((e) => e instanceof ConfigError && e.file === file));
    });
  }
  it('loadNetdataConfig throws one AggregateError listing all of them', () => {
    const file = at('several.bad.conf');
    assert.throws(() => loadNetdataConfig(file), (err: unknown) => {
      assert.ok(err instanceof AggregateError);
      assert.equal(err.errors.length, 3);
      assert.equal(err.message.split('\n')[0], `3 errors in ${file}:`);
      assert.equal(err.message.split('\n')[2], `  ${file}:6: [web] 'allow everything': unknown key in netdata.conf`);
      return true;
    });
  });
  it('a missing file is an error', () => {
    const { errors } = readNetdataConfig(at('nope.conf'));
    assert.deepEqual(errors.map((e) => e.message), [`${at('nope.conf')}:0: []: cannot read the file (ENOENT)`]);
  });
});

function comparable(c: NetdataConfig): unknown {
  const { document: _d, plugins, file: _f, ...rest } = c;
  return {
    ...rest,
    hostLabels: [...c.hostLabels],
    plugins: [plugins.enableRunningNewPlugins, plugins.checkForNewPluginsEverySecs, plugins.isEnabled('apps'),
      plugins.isEnabled('go.d'), plugins.plugin('python.d'), plugins.plugin('apps')],
  };
}

describe('loadNetdataConfig', () => {
  it("without a file gives netdata's defaults", () => {
    const c = loadNetdataConfig(null);
    assert.deepEqual(c.global, {
      hostname: hostname(), historyEntries: 3600, updateEverySecs: 1, memoryMode: 'save',
      gapWhenLostIterationsAbove: 1, cleanupOrphanHostsAfterSecs: 3600, maxCharts: 50000, maxDimensions: 100000,
      saveEverySecs: 3600,
      replication: { enabled: true, secondsToReplicate: 86400, stepSecs: 600 },
      timezone: systemTimezone(),
      directories: {
        config: '/etc/netdata', stockConfig: '/usr/lib/netdata/conf.d',
        plugins: ['/usr/libexec/netdata/plugins.d', '/etc/netdata/custom-plugins.d'],
        cache: '/var/cache/netdata', lib: '/var/lib/netdata', log: '/var/log/netdata',
        web: '/usr/share/netdata/web', stockHealth: '/usr/lib/netdata/conf.d/health.d',
        userHealth: '/etc/netdata/health.d', lock: '/var/lib/netdata/lock',
        home: process.env.HOME || '/var/lib/netdata',
      },
    });
    assert.equal(c.web.mode, 'multi-threaded');
    assert.deepEqual(c.web.bindTo, ['*']);
    assert.equal(c.web.defaultPort, 19999);
    assert.equal(c.web.allowConnectionsFrom, 'localhost *');
    assert.deepEqual([c.web.sslKey, c.web.sslCertificate, c.web.tlsVersion, c.web.tlsCiphers],
      ['/etc/netdata/ssl/key.pem', '/etc/netdata/ssl/cert.pem', '1.3', 'none']);
    assert.deepEqual(c.health, {
      enabled: true, inMemoryMaxHealthLogEntries: 1000,
      scriptToExecuteOnAlarm: '/usr/libexec/netdata/plugins.d/alarm-notify.sh', runAtLeastEverySecs: 10,
      defaultRepeatWarningSecs: 0, defaultRepeatCriticalSecs: 0,
      silentChildAlarmAfterSecs: 'auto', notificationOwner: 'every node',
    });
    assert.deepEqual(c.backend, {
      enabled: false, type: 'graphite', destination: ['localhost'], dataSource: 'average', prefix: 'netdata',
      hostname: hostname(), updateEverySecs: 10, bufferOnFailures: 10, timeoutMs: 20000,
      sendNamesInsteadOfIds: true, sendChartsMatching: '*', sendHostsMatching: 'localhost *',
    });
    assert.equal(c.plugins.isEnabled('apps'), true);
    assert.equal(c.plugins.isEnabled('slabinfo'), false);
    assert.deepEqual(c.plugins.plugin('apps'), { updateEverySecs: 1, commandOptions: '' });
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.global) && Object.isFrozen(c.global.directories));
  });

  it('reads 1.10 names', () => {
    const c = loadNetdataConfig(at('good-1.10.conf'));
    assert.equal(c.global.historyEntries, 7200);
    assert.equal(c.global.memoryMode, 'map');
    assert.deepEqual(c.global.directories.plugins, ['/opt/nd/plugins.d']);
    assert.equal(c.global.directories.userHealth, '/opt/nd/etc/health.d');
    assert.equal(c.web.mode, 'single-threaded');
    assert.deepEqual(c.web.bindTo, ['127.0.0.1']);
    assert.equal(c.web.defaultPort, 19998);
    assert.equal(c.plugins.isEnabled('apps'), false);
    assert.equal(c.plugins.isEnabled('go.d'), true);
    assert.deepEqual(c.plugins.plugin('python.d'), { updateEverySecs: 5, commandOptions: '-ppython3 ; debug' });
    assert.deepEqual(c.plugins.plugin('apps'), { updateEverySecs: 2, commandOptions: '' });
    assert.deepEqual([c.backend.type, c.backend.destination, c.backend.dataSource, c.backend.timeoutMs],
      ['opentsdb', ['tcp:10.0.0.1:4242', '10.0.0.2'], 'as collected', 10000]);
    assert.deepEqual([...c.hostLabels], [['room', 'b12 # second floor']]);
  });

  it('reads 1.37 names to the same config', () => {
    assert.deepEqual(comparable(loadNetdataConfig(at('good-1.37.conf'))), comparable(loadNetdataConfig(at('good-1.10.conf'))));
  });

  it('prefers the 1.37 name when both are set, as netdata 1.37 does', () => {
    const c = loadNetdataConfig(null, [['global', 'memory mode', 'map'], ['db', 'mode', 'none']]);
    assert.equal(c.global.memoryMode, 'none');
  });

  it('applies -W set overrides over the file, with errors naming them', () => {
    const c = loadNetdataConfig(at('good-1.10.conf'), [['global', 'history', '60'], ['plugin:apps', 'update every', '3']]);
    assert.equal(c.global.historyEntries, 60);
    assert.deepEqual(c.plugins.plugin('apps'), { updateEverySecs: 3, commandOptions: '' });
    const { errors } = readNetdataConfig(null, [['web', 'mode', 'x'], ['nope', 'a', 'b']]);
    assert.deepEqual(errors.map((e) => [e.file, e.line, e.section, e.key]), [['-W set', 1, 'web', 'mode'], ['-W set', 2, 'nope', '']]);
  });

  it('reads [logs] access (1.10 [global] access log): the log directory\'s access.log by default, none for no access log', () => {
    assert.equal(loadNetdataConfig(null).web.accessLog, '/var/log/netdata/access.log');
    assert.equal(loadNetdataConfig(null, [['logs', 'access', 'none']]).web.accessLog, null);
    assert.equal(loadNetdataConfig(null, [['global', 'access log', '/tmp/a.log']]).web.accessLog, '/tmp/a.log');
  });

  it('reads [health] default repeat durations, netdata 1.37 "never" being 0', () => {
    const c = loadNetdataConfig(null, [['health', 'default repeat warning', '2h'], ['health', 'default repeat critical', 'never']]);
    assert.deepEqual([c.health.defaultRepeatWarningSecs, c.health.defaultRepeatCriticalSecs], [7200, 0]);
    const { errors } = readNetdataConfig(null, [['health', 'default repeat warning', 'often']]);
    assert.deepEqual(errors.map((e) => [e.section, e.key, e.message.split(': ').pop()]), [['health', 'default repeat warning',
      "expected a duration (a number with one of s m h d w M y, or never), got 'often'"]]);
  });

  it('reads [health] silent child alarm after seconds (auto, a duration, 0 = off) and notification owner', () => {
    const c = loadNetdataConfig(null, [['health', 'silent child alarm after seconds', '2m'], ['health', 'notification owner', 'top']]);
    assert.deepEqual([c.health.silentChildAlarmAfterSecs, c.health.notificationOwner], [120, 'top connected node']);
    const off = loadNetdataConfig(null, [['health', 'silent child alarm after seconds', '0'], ['health', 'notification owner', 'every node']]);
    assert.deepEqual([off.health.silentChildAlarmAfterSecs, off.health.notificationOwner], [0, 'every node']);
    const { errors } = readNetdataConfig(null, [['health', 'silent child alarm after seconds', 'soon'], ['health', 'notification owner', 'me']]);
    assert.deepEqual(errors.map((e) => [e.key, e.message.slice(e.message.indexOf("': ") + 3)]), [
      ['silent child alarm after seconds', "expected a duration (a number with one of s m h d w M y, or never), got 'soon'"],
      ['notification owner', "unknown notification owner 'me' (expected one of: every node, all, top connected node, top)"],
    ]);
  });

  it('resolves relative directories against the file and keeps quoted lists', () => {
    const d = loadNetdataConfig(at('relative-paths.conf')).global.directories;
    assert.equal(d.config, TESTDATA.replace(/\/$/, ''));
    assert.deepEqual(d.plugins, [at('plugins.d'), at('my plugins.d'), join(TESTDATA, '../shared/plugins.d')]);
    assert.deepEqual([d.cache, d.lib, d.log], [at('var/cache'), at('var/lib'), '/var/log/abs']);
    assert.equal(d.userHealth, at('health.d'));
  });

  it("loads every key a real netdata 1.37 reports, without errors", () => {
    const c = loadNetdataConfig(at('netdata-1.37-dump.conf'));
    assert.equal(c.global.hostname, 'node-137');
    assert.equal(c.global.historyEntries, 4096);
    assert.equal(c.web.mode, 'static-threaded');
    assert.equal(c.plugins.isEnabled('slabinfo'), false);
  });

  it('loads the installed /etc/netdata/netdata.conf without errors', (t) => {
    if (!existsSync('/etc/netdata/netdata.conf')) return t.skip('no /etc/netdata/netdata.conf here');
    assert.deepEqual(readNetdataConfig('/etc/netdata/netdata.conf').errors, []);
  });

  it('loads the bundled netdata.conf with repo-relative directories', () => {
    const c = loadNetdataConfig(join(REPO, 'netdata.conf'));
    assert.equal(c.global.memoryMode, 'ram');
    assert.equal(c.web.mode, 'multi-threaded');
    assert.deepEqual(c.global.directories.plugins, [join(REPO, 'plugins.d')]);
    assert.equal(c.global.directories.web, join(REPO, 'web'));
    assert.equal(c.global.directories.stockHealth, join(REPO, 'health.d'));
    assert.equal(c.global.directories.lib, join(REPO, 'var/lib'));
  });
});

describe('effectiveConfigText', () => {
  it('writes set keys plainly and defaults commented, under 1.10 names', () => {
    const text = effectiveConfigText(loadNetdataConfig(at('good-1.37.conf'), [['global', 'update every', '4']]));
    const lines = text.split('\n');
    const section = (name: string): string[] => {
      const start = lines.indexOf(`[${name}]`);
      const end = lines.indexOf('', start);
      return lines.slice(start + 1, end);
    };
    assert.deepEqual(section('global').slice(0, 6), [
      '\thostname = child-1', '\thistory = 7200', '\tupdate every = 2', '\tmemory mode = map',
      '\tgap when lost iterations above = 3', '\tcleanup orphan hosts after seconds = 600',
    ]);
    assert.ok(section('global').includes('\t# save every seconds = 3600'));
    assert.ok(section('global').includes('\trun as user = netdata'));
    assert.deepEqual(section('plugin:python.d'), ['\tupdate every = 5', '\tcommand options = -ppython3 ; debug']);
    assert.deepEqual(section('host labels'), ['\troom = b12 # second floor']);
    assert.ok(section('web').includes('\t# allow badges from = *'));
    // every [db] key with a 1.10 name is shown under [global]; replication's and the totals exist only in [db]
    assert.deepEqual(section('db'), [
      '\t# max charts = 50000', '\t# max dimensions = 100000',
      '\t# enable replication = yes', '\t# seconds to replicate = 86400', '\t# seconds per replication step = 600',
    ]);
  });
});
