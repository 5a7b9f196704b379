/**
 * One agent per cache directory, with real processes: a second agent on the same cache is
 * refused with the directory and the first one's PID, and a lock left by a killed agent is
 * taken over.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, startAgent, type RunningAgent } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();

function run(config: string, label: string): RunningAgent {
  const agent = startAgent(['-c', config, '-D'], label);
  children.add(agent.child);
  return agent;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('cache directory lock', () => {
  it('refuses a second agent on the same cache directory, naming it and the first agent\'s pid', async () => {
    const d = agentDirs(['good'], '[global]\n\tmemory mode = map\n[web]\n\tmode = none\n');
    dirs.push(d.root);
    const cache = join(d.root, 'cache');
    const first = run(d.config, 'first agent');
    await first.waitFor('self-monitoring started');
    assert.equal(readFileSync(join(cache, 'tributary.lock'), 'utf8').trim(), String(first.child.pid));

    const second = run(d.config, 'second agent');
    assert.equal(await second.exited, 1);
    assert.match(second.output(), new RegExp(`cannot start: database: the cache directory '${escape(cache)}' ` +
      `is in use by another agent \\(pid ${first.child.pid}, lock file '${escape(join(cache, 'tributary.lock'))}'\\)`));
    assert.doesNotMatch(second.output(), /replayed/, 'the second agent did not touch the first one\'s journal');
    assert.equal(first.child.exitCode, null, 'the first agent still runs');

    first.kill();
    await first.exited;
    const third = run(d.config, 'third agent');
    await third.waitFor('self-monitoring started');
    assert.match(third.output(), new RegExp(`lock file '.*' names pid ${first.child.pid}, which is no running agent; taking it over`));
    assert.equal(readFileSync(join(cache, 'tributary.lock'), 'utf8').trim(), String(third.child.pid));
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0);
    assert.throws(() => readFileSync(join(cache, 'tributary.lock')), /ENOENT/, 'a clean stop removes the lock');
  });
});
