/**
 * contrib/tributary.service: systemd accepts it (when systemd-analyze is here), it starts node on
 * dist/src/main.js in the foreground, restarts on failure and stops the plugins too; and its
 * ExecStart line, run as systemd runs it (a process group of its own, SIGTERM to the main process
 * as KillMode=mixed does), stops the agent with exit code 0 and leaves no plugin behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, eventually, MAIN, REPO } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();
const UNIT = join(REPO, 'contrib', 'tributary.service');

/** The `[Service]` section's keys (the last value of each). */
function serviceKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  let section = '';
  for (const line of readFileSync(UNIT, 'utf8').split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) { section = header[1]!; continue; }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv && section === 'Service') keys.set(kv[1]!, kv[2]!);
  }
  return keys;
}

/** Whether any process of this process group is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('contrib/tributary.service', () => {
  it('is a valid unit that runs node on the agent directly', (t) => {
    const keys = serviceKeys();
    assert.match(keys.get('ExecStart') ?? '', /^\/\S*node dist\/src\/main\.js -c \S+netdata\.conf -D$/);
    assert.equal(keys.get('Restart'), 'on-failure');
    assert.ok(['mixed', 'control-group'].includes(keys.get('KillMode') ?? ''), 'KillMode stops the plugins too');
    const analyze = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    if (analyze.error) return t.skip('systemd-analyze is not here: the unit is not verified by systemd');
    assert.equal(analyze.status, 0, analyze.stderr);
    assert.doesNotMatch(analyze.stderr, /tributary\.service/, 'systemd has nothing to say about the unit');
  });

  it('stops, plugins and all, on SIGTERM to its main process', async () => {
    const d = agentDirs(['good'], '[web]\n\tmode = none\n');
    dirs.push(d.root);
    const [, ...args] = serviceKeys().get('ExecStart')!.split(' ');
    const argv = args.map((a) => (a === 'dist/src/main.js' ? MAIN : a.endsWith('netdata.conf') ? d.config : a));
    const agent = spawn(process.execPath, argv, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(agent);
    let out = '';
    agent.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    agent.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | string>((ok) => agent.on('exit', (code, signal) => ok(code ?? signal ?? -1)));
    await eventually('the plugin to start', async () => (out.includes('hello from stderr') ? true : undefined));
    agent.kill('SIGTERM');
    assert.equal(await exited, 0);
    try {
      await eventually('the unit\'s process group to be empty', async () => (groupAlive(agent.pid!) ? undefined : true), 5_000);
    } finally {
      if (groupAlive(agent.pid!)) process.kill(-agent.pid!, 'SIGKILL');
    }
  });
});
