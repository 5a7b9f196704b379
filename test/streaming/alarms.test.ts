/**
 * Alarms on every node that keeps a database: a parent raises its own alarm from the data a
 * child streams, while the child raises its own, different one from the same data.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY, eventually, killAll, startNode, type TestNode } from './nodes.js';

after(killAll);

/** A health.d directory with one file; returns the `[directories]` line that points at it. */
function healthDir(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tributary-health-${name}-`));
  writeFileSync(join(dir, `${name}.conf`), text);
  return `[health]\n\tenabled = yes\n[directories]\n\tstock health config = ${dir}\n\thealth config = ${dir}\n`;
}

/** Waits for `alarm` of `prefix`'s host at `node` to reach `status`; returns the alarms body. */
function alarmStatus(node: TestNode, prefix: string, alarm: string, status: string): Promise<any> {
  return eventually(`${alarm} ${status} at ${node.hostname}${prefix}`, async () => {
    const body = await node.api(`${prefix}/api/v1/alarms?all`);
    return body.alarms?.[alarm]?.status === status ? body : undefined;
  }, 30_000);
}

describe('alarms on parent and child', () => {
  it('the parent raises its alarm from streamed data while the child raises its own', async () => {
    const parent = await startNode({
      hostname: 'p-alarm', plugin: false,
      extraConf: healthDir('parent', 'alarm: parent_const_high\n    on: streamtest.values\n' +
        'lookup: average -3s of const\n every: 1s\n  warn: $this > 40\n'),
      receive: `[${API_KEY}]\n\tenabled = yes\n\thealth enabled by default = auto\n` +
        '\tdefault postpone alarms on connect seconds = 1\n',
    });
    const child = await startNode({
      hostname: 'c-alarm', memoryMode: 'ram',
      extraConf: healthDir('child', 'alarm: child_const_low\n    on: streamtest.values\n' +
        'lookup: average -3s of const\n every: 1s\n  crit: $this > 10\n'),
      sendTo: { destination: `127.0.0.1:${parent.port}` },
    });

    const atParent = await alarmStatus(parent, '/host/c-alarm', 'streamtest.values.parent_const_high', 'WARNING');
    assert.equal(atParent.hostname, 'c-alarm');
    assert.equal(atParent.alarms['streamtest.values.child_const_low'], undefined, "the child's alarm set is its own");
    assert.equal(atParent.alarms['streamtest.values.parent_const_high'].value, 42);

    const atChild = await alarmStatus(child, '', 'streamtest.values.child_const_low', 'CRITICAL');
    assert.equal(atChild.alarms['streamtest.values.parent_const_high'], undefined, "the parent's alarm set is its own");

    const parentOwn = await parent.api('/api/v1/alarms?all');
    assert.equal(parentOwn.alarms['streamtest.values.parent_const_high'], undefined,
      'the parent itself has no such chart, so no such alarm');
  });
});
