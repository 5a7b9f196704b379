import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentDirs, eventually, freePort, isAlive, startAgent, type RunningAgent } from '../support/agent-process.js';

const started: RunningAgent[] = [];
after(() => { for (const a of started) a.kill(); });

function run(args: string[]): RunningAgent {
  const agent = startAgent(args);
  started.push(agent);
  return agent;
}

async function getJson(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return res.json();
}

describe('tributary command line', () => {
  it('prints its usage for --help and exits 0', async () => {
    const agent = run(['--help']);
    assert.equal(await agent.exited, 0);
    assert.match(agent.output(), /^Usage: tributary \[options\]/);
    assert.match(agent.output(), /-W set SECTION KEY VALUE/);
  });

  it('refuses an unknown option with exit code 1 and names it', async () => {
    const agent = run(['-X']);
    assert.equal(await agent.exited, 1);
    assert.match(agent.output(), /tributary: unknown option '-X'/);
  });

  it('refuses -W with anything but set', async () => {
    const agent = run(['-W', 'unittest']);
    assert.equal(await agent.exited, 1);
    assert.match(agent.output(), /only '-W set SECTION KEY VALUE' is supported/);
  });

  it('does not start on a bad config value, naming the file and line', async () => {
    const dirs = agentDirs([], '[web]\n\tmode = none\n');
    writeFileSync(dirs.config, `${readFileSync(dirs.config, 'utf8')}[global]\n\thistory = lots\n`);
    const agent = run(['-c', dirs.config, '-D']);
    assert.equal(await agent.exited, 1);
    const lines = readFileSync(dirs.config, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('history = lots')) + 1;
    assert.match(agent.output(), new RegExp(`cannot start: [\\s\\S]*${dirs.config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}`));
  });
});

describe('tributary agent', () => {
  it('runs the plugins, applies -W set, keeps its GUID, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const dirs = agentDirs(['good'], `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n`);
    const pidFile = join(dirs.root, 'agent.pid');
    const args = ['-c', dirs.config, '-D', '-P', pidFile, '-W', 'set', 'global', 'hostname', 'cli-host'];

    const first = run(args);
    await first.waitFor('self-monitoring started');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(first.child.pid));
    const pluginPid = Number(/good\.plugin' running on pid (\d+)/.exec(first.output())?.[1]);
    assert.ok(pluginPid > 0, 'the plugin was started');

    // the agent is up before the plugin's first lines have been read: wait for its chart and function
    const charts = await eventually('the plugin chart', async () => {
      const c = await getJson(port, '/api/v1/charts');
      return c.charts['fixture.good'] ? c : undefined;
    });
    const info = await eventually('the plugin function', async () => {
      const i = await getJson(port, '/api/v1/info');
      return i.functions?.['good-fn'] ? i : undefined;
    });
    assert.equal(charts.hostname, 'cli-host');
    const guidFile = join(dirs.root, 'lib', 'registry', 'netdata.public.unique.id');
    const guid = readFileSync(guidFile, 'utf8').trim();
    assert.equal(info.uid, guid);

    // FUNCTION registrations are listed as 1.37 lists them, and called on the plugin
    assert.deepEqual(info.functions['good-fn'], { help: 'a function of the good plugin', timeout: 15, options: 'GLOBAL ' });
    const call = await fetch(`http://127.0.0.1:${port}/api/v1/function?function=good-fn%20hello`);
    assert.equal(call.status, 200);
    assert.equal(call.headers.get('content-type'), 'text/plain');
    assert.equal(await call.text(), 'good-fn was called with: good-fn hello\n');
    const unknown = await fetch(`http://127.0.0.1:${port}/api/v1/function?function=nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(),
      { status: 404, error_message: 'No collector is supplying this function on this host at this time.' });

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.match(first.output(), /Stopping plugins\.d\.\.\.[\s\S]*plugins\.d stopped[\s\S]*agent stopped, exiting/);
    assert.equal(isAlive(pluginPid), false, 'no plugin is left behind');
    assert.equal(existsSync(pidFile), false, 'the pid file is removed');
    const access = readFileSync(join(dirs.root, 'log', 'access.log'), 'utf8');
    assert.match(access, /'\[127\.0\.0\.1\]:\d+' 'DATA' .* 200 '\/api\/v1\/info'/);

    const second = run(args);
    await second.waitFor('self-monitoring started');
    assert.equal((await getJson(port, '/api/v1/info')).uid, guid, 'the machine GUID is stable across restarts');
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
  });

  it('collects the agent\'s own charts', async () => {
    const port = await freePort();
    const dirs = agentDirs([], `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n`);
    const agent = run(['-c', dirs.config, '-D']);
    await agent.waitFor('self-monitoring started');
    await new Promise((ok) => setTimeout(ok, 3500));
    const charts = (await getJson(port, '/api/v1/charts')).charts;
    for (const id of ['netdata.server_cpu', 'netdata.memory', 'netdata.plugins', 'netdata.parser']) {
      assert.ok(charts[id], `${id} exists`);
    }
    const memory = await getJson(port, '/api/v1/data?chart=netdata.memory&points=1&after=-2&format=json');
    const rssKiB = memory.data[0][memory.labels.indexOf('rss')];
    assert.ok(rssKiB > 10_000 && rssKiB < 1_000_000, `RSS ${rssKiB} KiB is plausible`);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
  });

  it('without -D detaches, prints its pid and keeps running', async () => {
    const port = await freePort();
    const dirs = agentDirs([], `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n`);
    const launcher = run(['-c', dirs.config]);
    assert.equal(await launcher.exited, 0);
    const pid = Number(/as pid (\d+)/.exec(launcher.output())?.[1]);
    assert.ok(pid > 0, launcher.output());
    try {
      const deadline = Date.now() + 15000;
      let up = false;
      while (!up && Date.now() < deadline) {
        up = await fetch(`http://127.0.0.1:${port}/api/v1/info`).then((r) => r.ok, () => false);
        if (!up) await new Promise((ok) => setTimeout(ok, 200));
      }
      assert.ok(up, 'the detached agent answers');
      assert.ok(existsSync(join(dirs.root, 'tributary.log')));
    } finally {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 10000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    assert.equal(isAlive(pid), false);
  });
});
