/**
 * An alarm notification from a real agent, as netdata 1.37 sends it: the exec (a stub that
 * records its arguments and environment) gets the same NETDATA_* environment as the plugins (all
 * of netdata's variables, the lock directory created), the first transition's duration counts
 * from when the alarm was linked to its chart (not from the epoch), and `info` has `$family`
 * and `$label:NAME` replaced as netdata does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, eventually, REPO, startAgent } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();
const RECORDER = join(REPO, 'test', 'fixtures', 'health', 'record-env.sh');
/** netdata 1.37 sets this many NETDATA_* variables for its plugins and notifications. */
const NETDATA_VARIABLES = 23;
/** The first transition comes within seconds of the link; an epoch-based duration is ~1.7e9. */
const MAX_FIRST_DURATION_SECS = 120;

/** The NETDATA_* lines of an `env` dump. */
function netdataVariables(file: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(NETDATA_[A-Z_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

describe('alarm notification', () => {
  it('gets netdata\'s arguments and the plugins\' environment', async () => {
    const d = agentDirs(['env-dump'], '[web]\n\tmode = none\n[health]\n\trun at least every seconds = 1\n');
    dirs.push(d.root);
    mkdirSync(join(d.root, 'health.d'), { recursive: true });
    writeFileSync(join(d.root, 'health.d', 'env.conf'),
      'alarm: env_seen\n    on: fixture.env\n lookup: max -1s of value\n  every: 1s\n' +
      `   warn: $this > 0\n   exec: ${RECORDER}\n     to: tester\n  units: things\n` +
      '   info: value of $family in the $label:room ${family} and $family, as written\n');
    const record = join(d.root, 'notification');
    const pluginEnv = join(d.root, 'plugin.env');
    // the agent's environment is the test's: the plugin and the stub find their files through it
    process.env.RECORD_FILE = record;
    process.env.ENV_DUMP_FILE = pluginEnv;
    const agent = startAgent(['-c', d.config, '-D'], 'notification agent');
    children.add(agent.child);
    await eventually('the notification', async () => (existsSync(`${record}.1.args`) ? true : undefined), 30_000);
    const args = readFileSync(`${record}.1.args`, 'utf8').split('\n').slice(0, -1);

    assert.equal(args.length, 29, '1.37 passes 29 arguments after the exec');
    assert.deepEqual([args[0], args[6], args[7], args[8], args[9]], ['tester', 'env_seen', 'fixture.env', 'envfam', 'WARNING']);
    const duration = Number(args[14]);
    assert.ok(duration >= 0 && duration < MAX_FIRST_DURATION_SECS,
      `the first transition's duration counts from the link, got ${args[14]}`);
    // a word (up to a space) that is exactly $family is replaced; `${family}` and `$family,` are not
    assert.equal(args[17], 'value of envfam in the kitchen ${family} and $family, as written', agent.output().slice(-3000));

    const notified = netdataVariables(`${record}.1.env`);
    const plugin = netdataVariables(pluginEnv);
    assert.equal(plugin.size, NETDATA_VARIABLES, `the plugin got ${[...plugin.keys()].join(' ')}`);
    assert.deepEqual(notified, plugin, 'notifications get the plugins\' NETDATA_* environment');
    assert.equal(notified.get('NETDATA_LOCK_DIR'), join(d.root, 'lib', 'lock'));
    assert.ok(statSync(notified.get('NETDATA_LOCK_DIR')!).isDirectory(), 'the lock directory exists');

    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });
});
