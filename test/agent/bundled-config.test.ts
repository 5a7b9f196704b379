/**
 * The repository's own netdata.conf, as `npm start` runs it: the agent listens on loopback only,
 * and the quick start's http://localhost:19999 answers (on a free port here, with the data
 * directories moved to a temp dir so the test leaves the repository alone).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { freePort, REPO, startAgent } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();

describe('bundled netdata.conf', () => {
  it('listens on 127.0.0.1 only and answers at localhost', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-bundled-'));
    dirs.push(root);
    mkdirSync(join(root, 'plugins.d'));
    const port = await freePort();
    const set = (section: string, key: string, value: string): string[] => ['-W', 'set', section, key, value];
    const agent = startAgent(['-c', join(REPO, 'netdata.conf'), '-D',
      ...set('web', 'default port', String(port)),
      ...set('global', 'plugins directory', join(root, 'plugins.d')),
      ...set('global', 'cache directory', join(root, 'cache')),
      ...set('global', 'lib directory', join(root, 'lib')),
      ...set('global', 'log directory', join(root, 'log')),
    ], 'bundled agent');
    children.add(agent.child);
    await agent.waitFor(/web: listening on \S+:\d+/);
    assert.match(agent.output(), new RegExp(`web: listening on 127\\.0\\.0\\.1:${port}\\b`));
    assert.doesNotMatch(agent.output(), /web: listening on \*/, 'no listener on every interface');
    const res = await fetch(`http://localhost:${port}/api/v1/info`);
    assert.equal(res.status, 200);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });
});
