/**
 * One owner per alarm with real agents: child → proxy → parent, all evaluating the child's
 * alarm, all with `[health] notification owner = top connected node` and a notification script
 * each. The alarm is raised only once every link is up (the child's plugin reads a trigger
 * file the test creates then), so exactly one notification comes, from the parent; stopping the
 * parent moves it to the proxy, which sends the one it held, and the child stays silent.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY, eventually, killAll, startNode, type TestNode } from './nodes.js';
import { ARG, notificationRecorder, type Recorder } from './notification-recorder.js';

const work = mkdtempSync(join(tmpdir(), 'tributary-owner-'));
const recorders = new Map<string, Recorder>();
/** The nodes' directories, removed when the file ends. */
const dirs: string[] = [];
after(() => {
  killAll();
  for (const r of recorders.values()) r.remove();
  rmSync(work, { recursive: true, force: true });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const TRIGGER = join(work, 'raise');
const ALARM = 'owner.trigger.owner_test';
/** Long enough for any other notification to show up: several health ticks at 1 s. */
const QUIET_MS = 3000;

/** The child's plugin: `owner.trigger` is 1 while the trigger file exists, else 0. */
const PLUGIN = `#!/usr/bin/env bash
trap 'exit 0' TERM PIPE
echo "CHART owner.trigger '' 'Owner test' 'n' 'owner' 'owner.trigger' line 1000 1 '' 'owner.plugin' ''"
echo "DIMENSION value '' absolute 1 1"
while :; do
  v=0; [ -e '${TRIGGER}' ] && v=1
  printf 'BEGIN owner.trigger\\nSET value = %d\\nEND\\n' "$v" || exit 0
  sleep 1
done
`;

/** netdata.conf lines of a node: health on, the owner rule, its alarm and its recorder. */
function healthConf(node: string): string {
  const recorder = notificationRecorder(node);
  recorders.set(node, recorder);
  const dir = join(work, `health-${node}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'owner.conf'), 'alarm: owner_test\n    on: owner.trigger\nlookup: max -1s of value\n every: 1s\n  warn: $this > 0\n');
  return `[health]\n\tenabled = yes\n\trun at least every seconds = 1\n\tnotification owner = top connected node\n` +
    `\tscript to execute on alarm = ${recorder.script}\n[directories]\n\tstock health config = ${dir}\n\thealth config = ${dir}\n`;
}

/** The owner_test notifications `node`'s script got, as their statuses. */
function notified(node: string): string[] {
  return recorders.get(node)!.calls().filter((c) => c[ARG.name] === 'owner_test').map((c) => `${c[ARG.host]} ${c[ARG.status]}`);
}

/** The child's alarms at `node` once `probe` accepts them. */
function alarmsAt(node: TestNode, prefix: string, what: string, probe: (body: any) => boolean): Promise<any> {
  return eventually(`${what} at ${node.hostname}`, async () => {
    const body = await node.api(`${prefix}/api/v1/alarms?all`);
    return probe(body) ? body : undefined;
  }, 30_000);
}

const receive = `[${API_KEY}]\n\tenabled = yes\n\tdefault postpone alarms on connect seconds = 0\n`;

describe('one owner per alarm', () => {
  it('notifies once from the top of a chain, and from the next node down once the top stops', async () => {
    const pluginsDir = join(work, 'plugins.d');
    mkdirSync(pluginsDir);
    writeFileSync(join(pluginsDir, 'owner.plugin'), PLUGIN);
    chmodSync(join(pluginsDir, 'owner.plugin'), 0o755);

    const parent = await startNode({ hostname: 'o-parent', plugin: false, receive, extraConf: healthConf('o-parent') });
    const proxy = await startNode({
      hostname: 'o-proxy', plugin: false, receive, extraConf: healthConf('o-proxy'),
      sendTo: { destination: `127.0.0.1:${parent.port}` },
    });
    const child = await startNode({
      hostname: 'o-child', pluginsDir, extraConf: healthConf('o-child'),
      sendTo: { destination: `127.0.0.1:${proxy.port}` },
    });
    dirs.push(parent.dir, proxy.dir, child.dir);
    const nodes: Array<[TestNode, string, boolean]> = [[child, '', false], [proxy, '/host/o-child', false], [parent, '/host/o-child', true]];
    // every node evaluates the alarm, and only the top says it notifies
    for (const [node, prefix, notifies] of nodes) {
      const body = await alarmsAt(node, prefix, 'owner_test CLEAR and the owner settled', (b) =>
        b.alarms?.[ALARM]?.status === 'CLEAR' && b.notification_owner?.this_node_notifies === notifies);
      assert.equal(body.notification_owner.rule, 'top connected node');
    }
    const atChild = await child.api('/api/v1/alarms');
    assert.match(atChild.notification_owner.reason, new RegExp(`^forwarded to 127\\.0\\.0\\.1:${proxy.port} over an established link`));

    writeFileSync(TRIGGER, '');
    for (const [node, prefix] of nodes) await alarmsAt(node, prefix, 'owner_test WARNING', (b) => b.alarms?.[ALARM]?.status === 'WARNING');
    await eventually('the parent\'s notification', async () => (notified('o-parent').length > 0 ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.deepEqual([notified('o-child'), notified('o-proxy'), notified('o-parent')], [[], [], ['o-child WARNING']],
      'exactly one notification, from the top');
    const log: any[] = await proxy.api('/host/o-child/api/v1/alarm_log?after=0');
    const held = log.find((e) => e.name === 'owner_test' && e.status === 'WARNING');
    assert.equal(held.processed, false, 'the proxy holds its event');

    await parent.stop();
    await eventually('the proxy\'s notification', async () => (notified('o-proxy').length > 0 ? true : undefined), 15_000);
    const owner = await proxy.api('/host/o-child/api/v1/alarms');
    assert.equal(owner.notification_owner.this_node_notifies, true);
    assert.match(owner.notification_owner.reason, new RegExp(`^the link to 127\\.0\\.0\\.1:${parent.port} is down$`));
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.deepEqual([notified('o-child'), notified('o-proxy'), notified('o-parent')], [[], ['o-child WARNING'], ['o-child WARNING']],
      'the next node down sent the one it held; the child stays silent');
    await child.stop();
    await proxy.stop();
  });
});
