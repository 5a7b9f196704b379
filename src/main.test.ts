import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentDirs, eventually, isAlive, MAIN } from '../test/support/agent-process.js';
import { HEADLESS_V8_FLAGS } from './cli.js';

/** Starts `tributary -c <conf> -P <pidfile>` (background) and returns what it printed and the agent's PID. */
async function startInBackground(conf: string): Promise<{ said: string; pid: number; argv: string[]; log: string }> {
  const dirs = agentDirs(['good'], conf);
  const pidFile = join(dirs.root, 'tributary.pid');
  const said = execFileSync(process.execPath, [MAIN, '-c', dirs.config, '-P', pidFile], { encoding: 'utf8' });
  const pid = await eventually('the pid file', async () => {
    try {
      return Number.parseInt(readFileSync(pidFile, 'utf8'), 10) || undefined;
    } catch {
      return undefined;
    }
  });
  const logFile = join(dirs.root, 'tributary.log');
  const log = await eventually('self-monitoring started', async () => {
    const text = readFileSync(logFile, 'utf8');
    return text.includes('self-monitoring started') ? text : undefined;
  });
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return { said, pid, argv, log };
}

async function stop(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  await eventually('the agent to exit', async () => (isAlive(pid) ? undefined : true));
}

describe('tributary without -D', () => {
  it('starts a headless collector in the background with the headless V8 flags and says so', async () => {
    const { said, pid, argv, log } = await startInBackground('[global]\n\tmemory mode = none\n[web]\n\tmode = none\n');
    try {
      for (const flag of HEADLESS_V8_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
      assert.match(said, new RegExp(`as a headless collector with node ${HEADLESS_V8_FLAGS.join(' ')}`));
      assert.doesNotMatch(log, /headless collector without node/);
    } finally {
      await stop(pid);
    }
  });

  it('starts an agent with a web server or a database without them', async () => {
    const { said, pid, argv } = await startInBackground('[global]\n\tmemory mode = ram\n[web]\n\tmode = none\n');
    try {
      for (const flag of HEADLESS_V8_FLAGS) assert.ok(!argv.includes(flag), `${flag} not in ${argv.join(' ')}`);
      assert.doesNotMatch(said, /headless/);
    } finally {
      await stop(pid);
    }
  });
});
