import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chart, HostRegistry } from '../database/index.js';
import { createHealth, type Health } from './index.js';
import { defineChart, feed, tempDir, testConfig, testRegistry } from './test-fixture.js';

const RECORD_SCRIPT = join(process.cwd(), 'test', 'fixtures', 'health', 'record-args.sh');
const DEBIAN_ALARM_NOTIFY = ['/usr/libexec/netdata/plugins.d/alarm-notify.sh', '/usr/lib/netdata/plugins.d/alarm-notify.sh']
  .find((path) => existsSync(path));

const ALARM = [
  'alarm: test_alarm',
  'on: test.chart',
  'lookup: average -1s unaligned of a',
  'every: 1s',
  'units: %',
  'warn: $this > 50',
  'crit: $this > 90',
  'delay: up 2s down 3s multiplier 2 max 10s',
  "info: it's a test",
  'to: sysadmin',
].join('\n');

interface Rig {
  root: string;
  registry: HostRegistry;
  chart: Chart;
  health: Health;
  clock: { nowS: number };
  /** Collects `value` at `t`, sets the clock to `t` and runs the health loop. */
  step(t: number, value: number): Promise<void>;
}

function rig(script: string, conf = ALARM, root = tempDir(), env: Record<string, string> = {}): Rig {
  const config = testConfig(root, { 'script to execute on alarm': script, 'run at least every seconds': '1' });
  writeFileSync(join(root, 'etc', 'health.d', 'test.conf'), `${conf}\n`);
  Object.assign(process.env, env);
  const registry = testRegistry();
  const chart = defineChart(registry.localhost, 'test.chart', ['a']);
  const clock = { nowS: 1000 };
  const health = createHealth(config, { registry, now: () => clock.nowS * 1000 });
  health.start();
  const step = async (t: number, value: number): Promise<void> => {
    feed(chart, t, [[value]]);
    clock.nowS = t;
    await health.runOnce();
  };
  return { root, registry, chart, health, clock, step };
}

function recorded(file: string): string[][] {
  if (!existsSync(file)) return [];
  const calls: string[][] = [];
  let current: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(0, -1)) {
    if (line === '--') { calls.push(current); current = []; } else current.push(line);
  }
  return calls;
}

type LogEntry = { unique_id: number; status: string; old_status: string; when: number; delay: number;
  processed: boolean; updated: boolean; exec_run: number; exec_code: number; value: number | null };

describe('health on a host', () => {
  it('moves through statuses with delays and notifies with netdata 1.37 arguments', async () => {
    const root = tempDir();
    const recordFile = join(root, 'calls.txt');
    // a quote survives the command line (netdata writes it as '\''); info loses its quotes when read
    const r = rig(RECORD_SCRIPT, ALARM.replace('to: sysadmin', "to: sys'admin"), root, { RECORD_FILE: recordFile });
    try {
      // value per second; warn > 50, crit > 90
      const values: Array<[number, number]> = [
        [1000, 10], [1001, 10], [1002, 10], [1003, 10], [1004, 60], [1005, 60], [1006, 60],
        [1007, 10], [1008, 95], [1009, 95], [1010, 95], [1011, 95], [1012, 95], [1013, 95],
      ];
      for (const [t, v] of values) await r.step(t, v);
      const log = r.health.alarmLogJson(r.registry.localhost, 0) as LogEntry[];
      assert.deepEqual(log.map((e) => [e.unique_id, e.when, e.old_status, e.status, e.delay, e.updated, e.exec_run]), [
        // inside the previous delay window: the up delay doubled (multiplier 2)
        [1003, 1008, 'CLEAR', 'CRITICAL', 4, false, 1012],
        // superseded before its down delay passed: never notified
        [1002, 1007, 'WARNING', 'CLEAR', 3, true, 0],
        // notified when its up delay of 2 s passed
        [1001, 1004, 'CLEAR', 'WARNING', 2, true, 1006],
        // the first CLEAR is never notified; it is a raise from UNINITIALIZED, so it took the up delay
        [1000, 1001, 'UNINITIALIZED', 'CLEAR', 2, true, 0],
      ]);
      const calls = recorded(recordFile);
      assert.equal(calls.length, 2);
      const file = join(root, 'etc', 'health.d', 'test.conf');
      assert.deepEqual(calls[0], [
        "sys'admin", 'test-host', '1001', '1000', '2', '1004', 'test_alarm', 'test.chart', 'chart',
        'WARNING', 'CLEAR', '60', '10', `1@${file}`, '3', '0', '%', 'it s a test', '60%', '10%',
        '$this > 50', '[ $this = 60 ] ', '0', '0', '', '', 'Unknown',
        `sudo ${join(root, 'etc')}/edit-config health.d/test.conf=1=test-host`, '',
      ]);
      assert.deepEqual(calls[1].slice(2, 12), ['1003', '1000', '4', '1008', 'test_alarm', 'test.chart',
        'chart', 'CRITICAL', 'CLEAR', '95']);
      assert.equal(calls[1][14], '1');
      assert.equal(calls[1][20], '$this > 90');
      const alarms = r.health.alarmsJson(r.registry.localhost, false) as { alarms: Record<string, Record<string, unknown>> };
      const alarm = alarms.alarms['test.chart.test_alarm'];
      assert.equal(alarm.status, 'CRITICAL');
      assert.equal(alarm.value, 95);
      assert.equal(alarm.value_string, '95%');
      assert.equal(alarm.warn, '$this &gt; 50');
      assert.equal(alarm.warn_parsed, '(${this} &gt; 50)');
      assert.equal(alarm.lookup_options, 'unaligned');
      assert.deepEqual(r.health.alarmCounts(r.registry.localhost), { normal: 0, warning: 0, critical: 1 });
      assert.deepEqual(r.health.alarm(r.registry.localhost, 'test.chart', 'test_alarm'),
        { value: 95, status: 'CRITICAL', units: '%' });
    } finally {
      await r.health.stop();
    }
  });

  it('repeats WARNING notifications and sends the CLEAR that follows once', async () => {
    const root = tempDir();
    const recordFile = join(root, 'calls.txt');
    const conf = ['alarm: rep', 'on: test.chart', 'calc: $a', 'every: 1s', 'warn: $this > 50',
      'repeat: warning 2s critical 1s'].join('\n');
    const r = rig(RECORD_SCRIPT, conf, root, { RECORD_FILE: recordFile });
    try {
      for (const [t, v] of [[1000, 10], [1001, 10], [1002, 60], [1003, 60], [1004, 60], [1005, 60],
        [1006, 10], [1007, 10], [1008, 10]]) await r.step(t, v);
      const calls = recorded(recordFile);
      // [when, new status, old status]
      assert.deepEqual(calls.map((c) => [c[5], c[9], c[10]]), [
        ['1002', 'WARNING', 'CLEAR'], ['1004', 'WARNING', 'CLEAR'], ['1006', 'CLEAR', 'WARNING'],
      ]);
    } finally {
      await r.health.stop();
    }
  });

  it('sends no CLEAR with no-clear-notification and reads chart, host and alarm variables', async () => {
    const root = tempDir();
    const recordFile = join(root, 'calls.txt');
    const conf = [
      'alarm: base', 'on: test.chart', 'calc: $a * 2', 'every: 1s',
      'alarm: uses_vars', 'on: test.chart', 'calc: $base + $a_raw + $limit + ${test.chart.a} + $update_every',
      'every: 1s', 'warn: $this > $threshold', 'options: no-clear-notification',
    ].join('\n');
    const r = rig(RECORD_SCRIPT, conf, root, { RECORD_FILE: recordFile });
    try {
      r.chart.variables.set('limit', 100);
      r.registry.localhost.setVariable('threshold', 150);
      await r.step(1000, 10);
      await r.step(1001, 10);
      // base = 20 (evaluated first), a_raw = 10, limit = 100, test.chart.a = 10, update_every = 1
      assert.equal(r.health.alarm(r.registry.localhost, 'test.chart', 'uses_vars')?.value, 141);
      await r.step(1002, 30);
      assert.equal(r.health.alarm(r.registry.localhost, 'test.chart', 'uses_vars')?.value, 60 + 30 + 100 + 30 + 1);
      await r.step(1003, 10);
      assert.deepEqual(recorded(recordFile).map((c) => c[9]), ['WARNING']);
      const variables = r.health.alarmVariablesJson(r.registry.localhost, 'test.chart') as Record<string, Record<string, unknown>>;
      assert.equal(variables.chart_variables.a, 10);
      assert.equal(variables.chart_variables.limit, 100);
      assert.equal(variables.chart_variables.base, 20);
      assert.equal(variables.host_variables.threshold, 150);
      assert.equal(r.health.alarmVariablesJson(r.registry.localhost, 'no.such'), undefined);
    } finally {
      await r.health.stop();
    }
  });

  it('keeps the alarm log across a restart', async () => {
    const root = tempDir();
    const r = rig('/bin/true', ALARM, root);
    for (const [t, v] of [[1000, 10], [1001, 10], [1002, 10], [1003, 10], [1004, 60], [1005, 60], [1006, 60]]) {
      await r.step(t, v);
    }
    await r.health.stop();
    const before = r.health.alarmLogJson(r.registry.localhost, 0) as LogEntry[];
    assert.equal(before.length, 2);
    assert.ok(existsSync(join(root, 'lib', 'health', 'health-log.db')));

    const again = rig('/bin/true', ALARM, root);
    try {
      again.clock.nowS = 1010;
      assert.deepEqual(again.health.alarmLogJson(again.registry.localhost, 0), before);
      assert.deepEqual((again.health.alarmLogJson(again.registry.localhost, 1000) as LogEntry[]).map((e) => e.unique_id), [1001]);
      // new entries continue the ids and the alarm keeps its id and event numbering
      for (const [t, v] of [[1010, 10], [1011, 10]]) await again.step(t, v);
      const after = again.health.alarmLogJson(again.registry.localhost, 1001) as Array<LogEntry & { alarm_id: number; alarm_event_id: number }>;
      assert.deepEqual(after.map((e) => [e.unique_id, e.alarm_id, e.alarm_event_id, e.status]), [[1002, 1000, 3, 'CLEAR']]);
    } finally {
      await again.health.stop();
    }
  });

  it("runs Debian netdata's alarm-notify.sh unchanged, which exits 0 and logs the alarm", async (t) => {
    if (!DEBIAN_ALARM_NOTIFY) return t.skip('netdata alarm-notify.sh is not installed (Debian package netdata-core)');
    const root = tempDir();
    const sentFile = join(root, 'custom-sent.txt');
    const r = rig(DEBIAN_ALARM_NOTIFY, ALARM, root);
    // every sending method off but `custom`, whose sender only writes a file
    writeFileSync(join(root, 'etc', 'health_alarm_notify.conf'), [
      ...['EMAIL', 'PUSHOVER', 'PUSHBULLET', 'TELEGRAM', 'SLACK', 'ALERTA', 'FLOCK', 'DISCORD', 'HIPCHAT',
        'TWILIO', 'MESSAGEBIRD', 'PD', 'FLEEP', 'SYSLOG', 'MSTEAMS', 'KAVENEGAR', 'PROWL', 'IRC', 'AWSSNS',
        'ROCKETCHAT', 'SMS', 'HANGOUTS', 'DYNATRACE', 'MATRIX', 'KAFKA', 'STACKPULSE', 'OPSGENIE', 'GOTIFY']
        .map((m) => `SEND_${m}="NO"`),
      'SEND_CUSTOM="YES"',
      'DEFAULT_RECIPIENT_CUSTOM="sysadmin"',
      `custom_sender() { echo "\${host} \${chart} \${name} \${status} \${old_status} \${value_string} \${roles}" >> '${sentFile}'; }`,
    ].join('\n'));
    try {
      for (const [tS, v] of [[1000, 10], [1001, 10], [1002, 10], [1003, 10], [1004, 60], [1005, 60], [1006, 60]]) {
        await r.step(tS, v);
      }
      const log = r.health.alarmLogJson(r.registry.localhost, 0) as LogEntry[];
      const warning = log.find((e) => e.status === 'WARNING')!;
      assert.equal(warning.exec_run, 1006);
      assert.equal(warning.exec_code, 0);
      assert.equal(readFileSync(sentFile, 'utf8'), 'test-host test.chart test_alarm WARNING CLEAR 60% to_custom=sysadmin\n'
        .replace(' to_custom=sysadmin', ' sysadmin'));
    } finally {
      await r.health.stop();
    }
  });

  it('runs no health on a host without a database', () => {
    const root = tempDir();
    const r = rig('/bin/true', ALARM, root);
    const none = r.registry.findOrCreate({ hostname: 'child', machineGuid: '99999999-2222-3333-4444-555555555555' },
      { memoryMode: 'none', historyEntries: 0, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
    assert.equal(r.health.attachHost(none, { enabled: 'yes', postponeSecs: 0 }), false);
    return r.health.stop();
  });
});
