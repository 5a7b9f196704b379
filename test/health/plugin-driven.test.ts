/**
 * Health in a real agent, driven by a scripted plugin: the alarm goes CLEAR → WARNING → CLEAR as
 * the plugin's values step up and down, the alarm log keeps each transition, and the exec
 * command receives netdata 1.37's arguments for each notification.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { agentDirs, eventually, freePort, REPO, startAgent, type RunningAgent } from '../support/agent-process.js';

const started: RunningAgent[] = [];
after(() => { for (const a of started) a.kill(); });

const RECORDER = join(REPO, 'test', 'fixtures', 'health', 'record-args.sh');

/** The recorded notifications: one argument list per call. */
function recorded(file: string): string[][] {
  if (!existsSync(file)) return [];
  const calls: string[][] = [[]];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(0, -1)) {
    if (line === '--') calls.push([]);
    else calls[calls.length - 1]!.push(line);
  }
  return calls.slice(0, -1);
}

describe('health driven by a plugin', () => {
  it('raises and clears an alarm as the values step, logging and notifying each change', async () => {
    const port = await freePort();
    const dirs = agentDirs(['steps'], `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n` +
      // an alarm whose lookup has no data yet is looked at again after this many seconds
      '[health]\n\tenabled = yes\n\trun at least every seconds = 1\n');
    mkdirSync(join(dirs.root, 'health.d'), { recursive: true });
    writeFileSync(join(dirs.root, 'health.d', 'steps.conf'),
      'alarm: steps_high\n    on: fixture.steps\n lookup: max -1s of value\n  every: 1s\n' +
      `   warn: $this > 10\n   exec: ${RECORDER}\n     to: tester\n  units: things\n   info: scripted steps\n`);
    const record = join(dirs.root, 'notifications.txt');
    process.env.RECORD_FILE = record;
    const agent = startAgent(['-c', dirs.config, '-D'], 'steps');
    started.push(agent);
    await agent.waitFor('self-monitoring started');

    const log = await eventually('WARNING then CLEAR in the alarm log', async () => {
      const entries: any[] = await (await fetch(`http://127.0.0.1:${port}/api/v1/alarm_log?after=0`)).json();
      const statuses = entries.filter((e) => e.name === 'steps_high').map((e) => e.status).reverse();
      return statuses.includes('WARNING') && statuses.lastIndexOf('CLEAR') > statuses.indexOf('WARNING')
        ? entries : undefined;
    }, 40_000);
    const transitions = log.filter((e) => e.name === 'steps_high').reverse()
      .map((e) => `${e.old_status}->${e.status}`);
    assert.deepEqual(transitions.slice(-2), ['CLEAR->WARNING', 'WARNING->CLEAR']);
    const raised = log.find((e) => e.name === 'steps_high' && e.status === 'WARNING');
    assert.equal(raised.value, 50);
    assert.equal(raised.chart, 'fixture.steps');

    const calls = await eventually('two notifications', async () => {
      const c = recorded(record);
      return c.length >= 2 ? c : undefined;
    }, 15_000);
    const [warning, clear] = calls.slice(-2);
    // reference §5.4: recipient, hostname, unique id, alarm id, event id, when, name, chart,
    // family, status, old status, value, old value, source, duration, non-clear duration, units, info
    assert.equal(warning![0], 'tester');
    assert.equal(warning![6], 'steps_high');
    assert.equal(warning![7], 'fixture.steps');
    assert.equal(warning![8], 'steps');
    assert.deepEqual([warning![9], warning![10], warning![11]], ['WARNING', 'CLEAR', '50']);
    assert.deepEqual([warning![16], warning![17]], ['things', 'scripted steps']);
    assert.deepEqual([clear![9], clear![10], clear![11], clear![12]], ['CLEAR', 'WARNING', '0', '50']);
    assert.equal(warning!.length, 29, '1.37 passes 29 arguments');

    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });
});
