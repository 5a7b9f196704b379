/**
 * `[plugins] netdata monitoring` (netdata 1.37's key): with `no` the agent shows none of its own
 * `netdata.*` charts, and plugins get NETDATA_INTERNALS_MONITORING=NO; by default it shows them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, eventually, freePort, startAgent } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();

/** Runs an agent with `[plugins] conf`, returns its chart ids once the plugin's chart is there. */
async function chartsWith(plugins: string): Promise<{ charts: string[]; env: string }> {
  const port = await freePort();
  const d = agentDirs(['env-dump'], `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n[plugins]\n${plugins}`);
  dirs.push(d.root);
  const envFile = join(d.root, 'plugin.env');
  process.env.ENV_DUMP_FILE = envFile;
  const agent = startAgent(['-c', d.config, '-D'], 'monitoring agent');
  children.add(agent.child);
  await agent.waitFor('self-monitoring started');
  const charts = await eventually('the plugin\'s chart', async () => {
    const body = await (await fetch(`http://127.0.0.1:${port}/api/v1/charts`)).json() as { charts: Record<string, unknown> };
    const ids = Object.keys(body.charts);
    return ids.includes('fixture.env') ? ids : undefined;
  });
  const env = readFileSync(envFile, 'utf8');
  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0);
  return { charts, env };
}

describe('[plugins] netdata monitoring', () => {
  it('= no shows no netdata.* chart', async () => {
    const { charts, env } = await chartsWith('\tnetdata monitoring = no\n');
    assert.deepEqual(charts.filter((id) => id.startsWith('netdata.')), []);
    assert.match(env, /^NETDATA_INTERNALS_MONITORING=NO$/m);
  });
  it('by default shows the agent\'s own charts', async () => {
    const { charts, env } = await chartsWith('');
    assert.ok(charts.filter((id) => id.startsWith('netdata.')).length >= 4, charts.join(' '));
    assert.match(env, /^NETDATA_INTERNALS_MONITORING=YES$/m);
  });
});
