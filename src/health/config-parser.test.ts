import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHealthConfig, parseHealthConfig } from './config-parser.js';
import { parseDurationSecs } from '../config/index.js';
import { tempDir, writeHealthFile } from './test-fixture.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'health');
const DEBIAN_STOCK_HEALTH = '/usr/lib/netdata/conf.d/health.d';

describe('parseDurationSecs', () => {
  it('reads s m h d w M y and plain seconds', () => {
    const table: Array<[string, number | undefined]> = [
      ['10', 10], ['10s', 10], ['2m', 120], ['1h', 3600], ['1d', 86400], ['1w', 604800],
      ['1M', 2592000], ['1y', 31536000], ['1Y', 31536000], ['-1m', -60], ['1.5m', 90],
      ['never', 0], ['abc', undefined], ['1x', undefined], ['', undefined],
    ];
    for (const [text, secs] of table) assert.equal(parseDurationSecs(text), secs, text);
  });
});

describe('parseHealthConfig', () => {
  it('reads every key of an alarm and a template', () => {
    const file = join(FIXTURES, 'mixed.conf');
    const { definitions, errors } = parseHealthConfig(readFileSync(file, 'utf8'), file);
    assert.deepEqual(definitions.map((d) => `${d.kind}:${d.name}`), ['alarm:cpu_usage', 'template:disk_full']);
    const cpu = definitions[0];
    assert.equal(cpu.on, 'system.cpu');
    assert.equal(cpu.source, `3@${file}`);
    assert.deepEqual(cpu.lookup, {
      method: 'average', afterSecs: -60, beforeSecs: 0, everySecs: 60,
      options: { absolute: false, min2max: false, null2zero: false, percentage: false, unaligned: true,
        matchIds: false, matchNames: false },
      dimensions: 'user,system', foreach: null,
    });
    assert.equal(cpu.updateEverySecs, 10);
    assert.equal(cpu.units, '%');
    assert.equal(cpu.to, 'sysadmin');
    assert.equal(cpu.warn?.parsedAs, '(${this} > ((${status} >= ${WARNING}) ? 75 : 85))');
    assert.deepEqual(cpu.delay, { upSecs: 60, downSecs: 300, multiplier: 1.5, maxSecs: 3600 });
    const disk = definitions[1];
    assert.equal(disk.families, '!/dev* *');
    assert.equal(disk.info, 'disk  space  used on the mount point');
    assert.equal(disk.noClearNotification, true);
    assert.equal(disk.warnRepeatSecs, 3600);
    assert.equal(disk.critRepeatSecs, 600);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].file, file);
    assert.equal(errors[0].line, 15);
    assert.match(errors[0].message, /:15: \[alarm broken_calc\] 'calc': failed to parse expression '\$this \+ \* 2'/);
    assert.match(errors[0].message, /the alarm is skipped$/);
  });

  it('reports each problem with file and line and keeps the rest', () => {
    const text = [
      'alarm: a',                 // 1
      'on: x.y',                  // 2
      'this line has no colon',   // 3
      'calc: 1',                  // 4
      'every: 10s',               // 5
      'bogus: 1',                 // 6
      'delay: up 1m sideways 2',  // 7
      'lookup: avrage -1m',       // 8
      'alarm: b',                 // 9
      'calc: 1',                  // 10
      'every: 1s',                // 11
      'template: t',              // 12
      'on: ctx',                  // 13
      'calc: 1',                  // 14
      'alarm: bad name!',         // 15
      'on: x.y',                  // 16
      'calc: 1',                  // 17
      'every: 1m',                // 18
      'ALARM: upper',             // 19
      'ON: x.y',                  // 20
      'CALC: 1',                  // 21
      'Every: 1',                 // 22
      'families: *',              // 23
    ].join('\n');
    const { definitions, errors } = parseHealthConfig(text, 'f.conf');
    assert.deepEqual(definitions.map((d) => d.name), ['bad_name_', 'upper']);
    assert.deepEqual(errors.map((e) => `${e.line} ${e.message}`), [
      "3 f.conf:3: [alarm a]: line does not contain a ':', ignoring it: 'this line has no colon'",
      "6 f.conf:6: [alarm a] 'bogus': unknown key 'bogus', ignoring it",
      "7 f.conf:7: [alarm a] 'delay': unknown keyword 'sideways'",
      "8 f.conf:8: [alarm a] 'lookup': invalid group method 'avrage'; the alarm is skipped",
      "9 f.conf:9: [alarm b]: alarm 'b' does not have a chart ('on'), skipped",
      "12 f.conf:12: [template t]: template 't' has no frequency (parameter 'every'), skipped",
      "15 f.conf:15: [alarm bad_name_] 'alarm': renamed 'bad name!' to 'bad_name_'",
      "23 f.conf:23: [alarm upper] 'families': 'families' applies only to templates, ignoring it",
    ]);
  });

  it('rejects an alarm with nothing to evaluate', () => {
    const { definitions, errors } = parseHealthConfig('alarm: x\non: a.b\nevery: 1s\nunits: %\n', 'g.conf');
    assert.equal(definitions.length, 0);
    assert.equal(errors[0].message, "g.conf:1: [alarm x]: alarm 'x' is useless (no lookup, no calc, no warn and no crit), skipped");
  });

  it('takes the frequency from the last of lookup and every', () => {
    const a = parseHealthConfig('alarm: x\non: a.b\nevery: 5s\nlookup: max -2m every 30s of all\n', 'h.conf');
    assert.equal(a.definitions[0].updateEverySecs, 30);
    assert.equal(a.definitions[0].lookup?.dimensions, null);
    const b = parseHealthConfig('alarm: x\non: a.b\nlookup: min -2m at -10s\nevery: 5s\n', 'h.conf');
    assert.equal(b.definitions[0].updateEverySecs, 5);
    assert.equal(b.definitions[0].lookup?.beforeSecs, -10);
  });
});

describe('loadHealthConfig', () => {
  it('lets a user file replace the stock file of the same name', () => {
    const root = tempDir();
    const stock = writeHealthFile(join(root, 'stock'), 'cpu.conf', 'alarm: stock_cpu\non: system.cpu\ncalc: 1\nevery: 1s\n');
    writeHealthFile(join(root, 'stock'), 'ram.conf', 'alarm: stock_ram\non: system.ram\ncalc: 1\nevery: 1s\n');
    const user = writeHealthFile(join(root, 'user'), 'cpu.conf', 'alarm: user_cpu\non: system.cpu\ncalc: 2\nevery: 1s\n');
    writeFileSync(join(user, 'notes.txt'), 'not a conf file');
    const { definitions, errors } = loadHealthConfig(stock, user);
    assert.deepEqual(errors, []);
    assert.deepEqual(definitions.map((d) => d.name), ['user_cpu', 'stock_ram']);
  });

  it('reads the bundled stock health.d without errors', () => {
    const { definitions, errors } = loadHealthConfig(join(process.cwd(), 'health.d'), '');
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.ok(definitions.some((d) => d.name === 'streaming_stopped_sending'));
    assert.ok(definitions.some((d) => d.on === 'system.ram'));
  });

  it("reads Debian netdata's stock health.d without expression errors", (t) => {
    if (!existsSync(DEBIAN_STOCK_HEALTH)) return t.skip(`${DEBIAN_STOCK_HEALTH} is absent (netdata not installed)`);
    const { definitions, errors } = loadHealthConfig(DEBIAN_STOCK_HEALTH, '');
    assert.ok(definitions.length > 200, `only ${definitions.length} definitions`);
    const expressionErrors = errors.filter((e) => /expression|lookup|every|foreach|host labels/.test(e.message));
    assert.deepEqual(expressionErrors.map((e) => e.message), []);
  });
});
