import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, HostRegistry } from '../database/index.js';
import { setLogSink } from '../log.js';
import { silentThresholdSecs } from './deadman.js';
import { createHealth, type Health, type UpstreamLink } from './index.js';
import { GUID_CONFLICT_CLEAR_SECS } from './link-alarms.js';
import { tempDir, testConfig, testRegistry } from './test-fixture.js';

const RECORD_SCRIPT = join(process.cwd(), 'test', 'fixtures', 'health', 'record-args.sh');
const CHILD_GUID = '99999999-0000-0000-0000-000000000001';
const T0 = 2000;
const roots: string[] = [];
// the health lines of these hosts are not what is tested
setLogSink(() => undefined);
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

interface Rig {
  health: Health;
  child: Host;
  clock: { nowS: number };
  upstream: { link: UpstreamLink | null };
  /** Sets the clock and runs one health tick. */
  tick(t: number): Promise<void>;
  /** The recorded notifications as `name status` (the 7th and 10th argument after the exec). */
  calls(): string[];
  alarms(): Record<string, any>;
}

function rig(health: Record<string, string>): Rig {
  const root = tempDir();
  roots.push(root);
  const record = join(root, 'calls');
  process.env.RECORD_FILE = record;
  const config = testConfig(root, { 'script to execute on alarm': RECORD_SCRIPT, 'run at least every seconds': '1', ...health });
  const registry: HostRegistry = testRegistry('parent');
  const clock = { nowS: T0 };
  const upstream: { link: UpstreamLink | null } = { link: null };
  const h = createHealth(config, { registry, now: () => clock.nowS * 1000, upstream: () => upstream.link });
  const child = registry.findOrCreate({ hostname: 'kid', machineGuid: CHILD_GUID },
    { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
  child.setStreamState({ connected: true, connectedSinceS: T0, lastDataS: T0, clientAddress: '127.0.0.1:40000' });
  h.attachHost(child, { enabled: 'auto', postponeSecs: 0 });
  return {
    health: h, child, clock, upstream,
    async tick(t) { clock.nowS = t; await h.runOnce(); },
    calls() {
      if (!existsSync(record)) return [];
      const out: string[] = [];
      let args: string[] = [];
      for (const line of readFileSync(record, 'utf8').split('\n').slice(0, -1)) {
        if (line !== '--') { args.push(line); continue; }
        out.push(`${args[6]} ${args[9]}`);
        args = [];
      }
      return out;
    },
    alarms: () => (h.alarmsJson(child, true) as { alarms: Record<string, any> }).alarms,
  };
}

/** Waits (polling every 20 ms, at most 10 s) until `probe()` holds. */
async function until(probe: () => boolean): Promise<void> {
  for (let waited = 0; !probe(); waited += 20) {
    if (waited > 10_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('silentThresholdSecs', () => {
  it('scales auto with update every, at least 20 s, and takes a number as it is (0 = off)', () => {
    assert.deepEqual([silentThresholdSecs('auto', 1), silentThresholdSecs('auto', 5), silentThresholdSecs(7, 5), silentThresholdSecs(0, 1)],
      [20, 50, 7, 0]);
  });
});

describe('the silent child alarm', () => {
  it('raises once after the threshold, naming the child, and clears once when data comes', async () => {
    const r = rig({ 'silent child alarm after seconds': '5' });
    await r.tick(T0 + 4);
    assert.equal(r.alarms()['netdata.streaming.child_silent'].status, 'CLEAR');
    await r.tick(T0 + 5);
    await r.tick(T0 + 6);
    const raised = r.alarms()['netdata.streaming.child_silent'];
    assert.equal(raised.status, 'CRITICAL');
    assert.equal(raised.value, 6, 'the value is the seconds of silence now');
    assert.match(raised.info, new RegExp(`^child kid \\(machine GUID ${CHILD_GUID}\\) sent nothing for 5 seconds since .*, still connected from 127\\.0\\.0\\.1:40000$`));
    assert.deepEqual(r.health.alarmCounts(r.child), { normal: 1, warning: 0, critical: 1 });
    r.child.setStreamState({ lastDataS: T0 + 7 });
    await r.tick(T0 + 7);
    await r.tick(T0 + 8);
    assert.equal(r.alarms()['netdata.streaming.child_silent'].status, 'CLEAR');
    assert.deepEqual(r.calls(), ['child_silent CRITICAL', 'child_silent CLEAR']);
    const log = r.health.alarmLogJson(r.child, 0) as any[];
    assert.deepEqual(log.filter((e) => e.name === 'child_silent').map((e) => `${e.old_status}->${e.status}`), ['CRITICAL->CLEAR', 'CLEAR->CRITICAL']);
    await r.health.stop();
  });

  it('is off at 0', async () => {
    const r = rig({ 'silent child alarm after seconds': '0' });
    await r.tick(T0 + 3600);
    assert.equal(r.alarms()['netdata.streaming.child_silent'].status, 'CLEAR');
    assert.deepEqual(r.calls(), []);
    await r.health.stop();
  });
});

describe('the machine GUID conflict alarm', () => {
  it('raises naming both addresses and clears after a quiet period', async () => {
    const r = rig({});
    await r.tick(T0);
    r.health.identityConflict(r.child, '127.0.0.1:40000', '127.0.0.2:41000');
    // its notification runs on its own; the clear's must not overtake it in the record
    await until(() => r.calls().length === 1);
    const raised = r.alarms()['netdata.streaming.machine_guid_conflict'];
    assert.equal(raised.status, 'CRITICAL');
    assert.match(raised.info, /streams from 127\.0\.0\.1:40000; a second connection with it from 127\.0\.0\.2:41000 was refused/);
    r.health.identityConflict(r.child, '127.0.0.1:40000', '127.0.0.2:41001');
    assert.equal(r.alarms()['netdata.streaming.machine_guid_conflict'].value, 2, 'the value counts the refused connections');
    r.child.setStreamState({ lastDataS: T0 + GUID_CONFLICT_CLEAR_SECS - 1 });
    await r.tick(T0 + GUID_CONFLICT_CLEAR_SECS - 1);
    assert.equal(r.alarms()['netdata.streaming.machine_guid_conflict'].status, 'CRITICAL');
    r.child.setStreamState({ lastDataS: T0 + GUID_CONFLICT_CLEAR_SECS });
    await r.tick(T0 + GUID_CONFLICT_CLEAR_SECS);
    assert.equal(r.alarms()['netdata.streaming.machine_guid_conflict'].status, 'CLEAR');
    assert.deepEqual(r.calls().filter((c) => c.startsWith('machine_guid_conflict')),
      ['machine_guid_conflict CRITICAL', 'machine_guid_conflict CLEAR']);
    await r.health.stop();
  });
});

describe('notification owner = top connected node', () => {
  it('holds events while the host is forwarded over an established link and sends the newest when it goes down', async () => {
    const r = rig({ 'silent child alarm after seconds': '5', 'notification owner': 'top connected node' });
    r.upstream.link = { destination: '127.0.0.1:19999', established: true };
    await r.tick(T0 + 6);
    const json = r.health.alarmsJson(r.child, false) as any;
    assert.deepEqual(json.notification_owner, {
      rule: 'top connected node', this_node_notifies: false,
      reason: 'forwarded to 127.0.0.1:19999 over an established link; the node there notifies',
    });
    assert.equal(json.alarms['netdata.streaming.child_silent'].status, 'CRITICAL', 'evaluated all the same');
    assert.deepEqual(r.calls(), []);
    const held = (r.health.alarmLogJson(r.child, 0) as any[]).find((e) => e.name === 'child_silent');
    assert.equal(held.processed, false);
    r.upstream.link = { destination: '127.0.0.1:19999', established: false };
    await r.tick(T0 + 7);
    assert.deepEqual(r.calls(), ['child_silent CRITICAL']);
    assert.equal((r.health.alarmsJson(r.child, false) as any).notification_owner.reason, 'the link to 127.0.0.1:19999 is down');
    await r.health.stop();
  });

  it('is every node by default, as netdata', async () => {
    const r = rig({ 'silent child alarm after seconds': '5' });
    r.upstream.link = { destination: '127.0.0.1:19999', established: true };
    await r.tick(T0 + 6);
    assert.deepEqual(r.calls(), ['child_silent CRITICAL']);
    assert.equal((r.health.alarmsJson(r.child, false) as any).notification_owner.rule, 'every node');
    await r.health.stop();
  });
});
