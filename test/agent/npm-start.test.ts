/**
 * `npm start` as a service manager or a terminal runs it: SIGTERM or SIGINT sent to the npm
 * process alone (not to its process group) stops the agent. npm forwards the signal to the shell
 * that runs the script; the script must `exec` node so that the shell's process is the agent.
 * The test runs the repository's own "start" line under a real npm, with the build step left out
 * (the test runs from a build of its own) and the config replaced by a temp one.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, eventually, isAlive, MAIN, REPO } from '../support/agent-process.js';

const { children, dirs } = cleanupAfter();
/** Agent PIDs read from the cache lock, killed at the end if a test left one running. */
const agentPids = new Set<number>();
after(() => {
  for (const pid of agentPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

/** How long the agent may take to stop after the signal. */
const STOP_TIMEOUT_MS = 8_000;

const npmFound = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;

/** The repository's "start" script, pointed at this build and at `config`, without the build. */
function startLine(config: string): string {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const line = pkg.scripts.start;
  assert.match(line, /dist\/src\/main\.js -c netdata\.conf/, 'the start script runs dist/src/main.js with netdata.conf');
  return line.replace('npm run build', 'true')
    .replace('dist/src/main.js', JSON.stringify(MAIN))
    .replace('-c netdata.conf', `-c ${JSON.stringify(config)}`);
}

async function stopsOn(signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  const d = agentDirs(['good'], '[global]\n\tmemory mode = map\n[web]\n\tmode = none\n');
  dirs.push(d.root);
  writeFileSync(join(d.root, 'package.json'),
    JSON.stringify({ name: 'npm-start-probe', private: true, scripts: { start: startLine(d.config) } }));
  const npm = spawn('npm', ['start', '--silent'], { cwd: d.root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(npm);
  let out = '';
  npm.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  npm.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const npmExited = new Promise<void>((ok) => npm.on('exit', () => ok()));
  await eventually('the agent to start under npm', async () => (out.includes('self-monitoring started') ? true : undefined));
  const agentPid = Number(readFileSync(join(d.root, 'cache', 'tributary.lock'), 'utf8').trim());
  agentPids.add(agentPid);
  assert.ok(isAlive(agentPid), 'the agent runs');

  npm.kill(signal);
  await eventually(`the agent to stop after ${signal} to npm`, async () => (isAlive(agentPid) ? undefined : true), STOP_TIMEOUT_MS);
  await npmExited;
  assert.match(out, /agent stopped, exiting/, 'the agent stopped cleanly, not killed');
}

describe('npm start', () => {
  it('stops the agent when npm alone gets SIGTERM', { skip: npmFound ? false : 'npm is not on PATH' }, async () => {
    await stopsOn('SIGTERM');
  });
  it('stops the agent when npm alone gets SIGINT', { skip: npmFound ? false : 'npm is not on PATH' }, async () => {
    await stopsOn('SIGINT');
  });
});
