/**
 * The web server's access log on a log directory that cannot take it: a directory that cannot be
 * made, and an `access.log` that cannot be opened. Each time a real agent says so once, naming
 * the file, and goes on answering the API.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, freePort, startAgent } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();

/** Starts an agent whose `[directories] log` is `logDir(root)`, after `prepare(root)`, and checks it answers and says why. */
async function answersWithout(logDir: (root: string) => string, prepare: (root: string) => void, error: RegExp): Promise<void> {
  const port = await freePort();
  const d = agentDirs([], '');
  dirs.push(d.root);
  prepare(d.root);
  // agentDirs' text ends inside [directories]: the first line added is one of that section's
  appendFileSync(d.config, `\tlog = ${logDir(d.root)}\n[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n`);
  const agent = startAgent(['-c', d.config, '-D'], 'access log agent');
  children.add(agent.child);
  await agent.waitFor('self-monitoring started');
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/info`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  await agent.waitFor(error);
  const said = agent.output().split('\n').filter((line) => line.includes('access lines are not written'));
  assert.equal(said.length, 1, `said once: ${said.join(' | ')}`);
  assert.equal(agent.child.exitCode, null, 'the agent runs on');
}

describe('access log', () => {
  it('answers when the log directory cannot be made, saying so once with the file', async () => {
    await answersWithout(() => '/dev/null/log', () => undefined,
      /ERROR: access log \/dev\/null\/log\/access\.log: .*ENOTDIR.*; access lines are not written/);
  });

  it('answers when access.log cannot be opened, saying so once with the file', async () => {
    await answersWithout((root) => join(root, 'log'), (root) => mkdirSync(join(root, 'log', 'access.log'), { recursive: true }),
      /ERROR: access log .*\/log\/access\.log: .*EISDIR.*; access lines are not written/);
  });
});
