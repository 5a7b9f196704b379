/**
 * The silent child alarm with real agents: a child frozen (SIGSTOP: connected, nothing sent)
 * past `[health] silent child alarm after seconds` raises `child_silent` on its host at the
 * parent, naming it, and clears it when it sends again; a child stopped (disconnected) does the
 * same after it restarts. Each raise and each clear is one call of the parent's notification
 * script. (3 s here; the mechanism is the same at the default.)
 */
import { describe, it, after } from 'node:test';
import { rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { eventually, killAll, restartNode, startNode, type TestNode } from './nodes.js';
import { ARG, notificationRecorder } from './notification-recorder.js';

const recorder = notificationRecorder('p-silent');
/** The nodes' directories, removed when the file ends. */
const dirs: string[] = [];
after(() => {
  killAll();
  recorder.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SILENT_AFTER_SECS = 3;
const ALARM = 'netdata.streaming.child_silent';

/** The child's alarm at the parent once it has `status`. */
function silentAlarm(parent: TestNode, status: string): Promise<any> {
  return eventually(`child_silent ${status}`, async () => {
    const body = await parent.api('/host/c-silent/api/v1/alarms?all');
    return body.alarms?.[ALARM]?.status === status ? body.alarms[ALARM] : undefined;
  }, 20_000);
}

/** The parent's child_silent notifications, as [status, old status, info]. */
function silentCalls(): string[][] {
  return recorder.calls().filter((c) => c[ARG.name] === 'child_silent')
    .map((c) => [c[ARG.status]!, c[ARG.oldStatus]!, c[ARG.host]!, c[ARG.info]!]);
}

describe('the silent child alarm', () => {
  it('raises once, naming the child, when it goes silent or away, and clears once when it sends again', async () => {
    const parent = await startNode({
      hostname: 'p-silent', plugin: false,
      extraConf: `[health]\n\tenabled = yes\n\trun at least every seconds = 1\n` +
        `\tsilent child alarm after seconds = ${SILENT_AFTER_SECS}\n\tscript to execute on alarm = ${recorder.script}\n`,
    });
    let child = await startNode({ hostname: 'c-silent', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    dirs.push(parent.dir, child.dir);
    await silentAlarm(parent, 'CLEAR');

    // connected but silent
    child.child.kill('SIGSTOP');
    const raised = await silentAlarm(parent, 'CRITICAL');
    assert.match(raised.info, /^child c-silent \(machine GUID [-0-9a-f]+\) sent nothing for \d+ seconds .*still connected from 127\.0\.0\.1:\d+$/);
    assert.ok(raised.info.includes(child.guid), 'the info names the child\'s GUID');
    const atRaise = await parent.api('/host/c-silent/api/v1/alarms');
    assert.ok(atRaise.alarms[ALARM], 'listed among the raised alarms');
    child.child.kill('SIGCONT');
    await silentAlarm(parent, 'CLEAR');
    await eventually('the raise and the clear notified', async () => (silentCalls().length >= 2 ? true : undefined), 10_000);

    // disconnected
    await child.stop();
    await silentAlarm(parent, 'CRITICAL');
    child = await restartNode(child);
    await silentAlarm(parent, 'CLEAR');
    const calls = await eventually('four notifications', async () => (silentCalls().length >= 4 ? silentCalls() : undefined), 10_000);
    // a tick or two more: nothing else comes
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(silentCalls().map((c) => `${c[1]}->${c[0]}`), ['CLEAR->CRITICAL', 'CRITICAL->CLEAR', 'CLEAR->CRITICAL', 'CRITICAL->CLEAR'],
      parent.output().split('\n').filter((l) => /child_silent/.test(l)).join('\n'));
    for (const c of calls) assert.equal(c[2], 'c-silent', 'the notification is for the child\'s host');
    assert.match(calls[0]![3]!, /still connected from/);
    assert.match(calls[2]![3]!, /^child c-silent .* disconnected at \d{4}-/);
    const log: any[] = await parent.api('/host/c-silent/api/v1/alarm_log?after=0');
    assert.equal(log.filter((e) => e.name === 'child_silent' && e.status === 'CRITICAL').length, 2, 'two raises in the log');
    await child.stop();
    await parent.stop();
  });
});
