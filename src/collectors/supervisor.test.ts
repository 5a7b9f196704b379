import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNetdataConfig, type ConfigOverride } from '../config/index.js';
import { createHostRegistry, type Host } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { createPluginsd, type Pluginsd } from './index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/plugins', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, `${name}.plugin`);

/** Dead, or a zombie nobody reaped yet (it runs nothing). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Rig {
  dir: string;
  host: Host;
  pluginsd: Pluginsd;
  lines: string[];
  restoreLog(): void;
}

async function startRig(pluginDirs: string[], overrides: ConfigOverride[]): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-pluginsd-'));
  const config = loadNetdataConfig(null, [
    ['global', 'hostname', 'pluginsd-test'],
    ['global', 'update every', '1'],
    ['global', 'memory mode', 'ram'],
    ['global', 'history', '120'],
    ['directories', 'plugins', pluginDirs.map((d) => `"${d}"`).join(' ')],
    ['directories', 'config', dir],
    ['directories', 'lib', dir],
    ['directories', 'cache', dir],
    ['directories', 'log', dir],
    ['plugins', 'check for new plugins every', '1'],
    ...overrides,
  ]);
  const registry = createHostRegistry(
    { hostname: 'pluginsd-test', machineGuid: '11111111-2222-3333-4444-555555555555' },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  const pluginsd = createPluginsd(config, {
    host: registry.localhost, createParser, version: 'v0-test', killGraceMs: 300,
  });
  await pluginsd.start();
  return { dir, host: registry.localhost, pluginsd, lines, restoreLog: () => setLogSink(previous) };
}

function pidsStarted(lines: string[]): number[] {
  return lines.flatMap((l) => /connected to '.*' running on pid (\d+)/.exec(l)?.slice(1).map(Number) ?? []);
}

describe('createPluginsd with real plugins, parser and database', () => {
  let rig: Rig;
  let childPidFile = '';
  let rssBeforeBytes = 0;
  const all = ['good', 'exits-zero', 'exits-error', 'unknown-keyword', 'no-newline', 'flood', 'spawns-child'];

  before(async () => {
    rssBeforeBytes = process.memoryUsage().rss;
    const tmp = await mkdtemp(join(tmpdir(), 'tributary-child-'));
    childPidFile = join(tmp, 'child.pid');
    rig = await startRig([FIXTURES], [
      ['plugins', 'enable running new plugins', 'no'],
      ...all.map((name): ConfigOverride => ['plugins', name, 'yes']),
      ['plugin:spawns-child', 'command options', childPidFile],
    ]);
  });

  after(async () => {
    await rig.pluginsd.stop();
    rig.restoreLog();
    for (const pid of pidsStarted(rig.lines)) assert.ok(processGone(pid), `pid ${pid} still running`);
    await rm(rig.dir, { recursive: true, force: true });
  });

  const status = (name: string) => rig.pluginsd.plugins().find((p) => p.name === name);
  const logged = (text: string) => rig.lines.some((l) => l.includes(text));

  it('runs every enabled fixture with argv[1] = update every', () => {
    assert.deepEqual(rig.pluginsd.plugins().map((p) => p.name).sort(), [...all].sort());
    assert.equal(status('good')?.updateEverySecs, 1);
  });

  it('fills the charts of a good plugin and keeps its FUNCTION registrations and stderr', async () => {
    await waitFor('fixture.good to collect 3 times', () => (rig.host.chart('fixture.good')?.iterations ?? 0) >= 3);
    const chart = rig.host.chart('fixture.good')!;
    assert.equal(chart.definition.title, 'A good chart');
    assert.equal(chart.definition.plugin, 'good.plugin');
    assert.equal(chart.dimensions[0]!.definition.id, 'counter');
    assert.equal(chart.dimensions[0]!.lastCollectedValue, chart.iterations * 10);
    const good = status('good')!;
    assert.equal(good.state, 'running');
    assert.ok(good.pid !== null && good.pid > 0);
    assert.ok(good.iterations >= 3 && good.linesParsed >= 3 + 3 * good.iterations);
    assert.deepEqual(good.functions.map(({ call: _call, ...registration }) => registration), [
      { name: 'good-fn', timeoutSecs: 15, help: 'a function of the good plugin', global: true, chartId: null, chartIds: [], running: true },
    ]);
    const answer = await good.functions[0].call('good-fn from the test', 5);
    assert.deepEqual(answer, {
      status: 200, contentType: 'text/plain', body: 'good-fn was called with: good-fn from the test\n', expiresS: 0,
    });
    assert.ok(logged('INFO : good: hello from stderr, NETDATA_UPDATE_EVERY=1\n'), rig.lines.join(''));
    assert.ok(logged('INFO : good: stdin is a socket\n') || logged('INFO : good: stdin is a fifo\n'));
    const stats = rig.pluginsd.stats();
    assert.ok(stats.lines >= good.linesParsed && stats.values >= good.iterations);
  });

  it('restarts a plugin that exits 0 after collecting, update every seconds later', async () => {
    await waitFor('a second run of exits-zero', () =>
      rig.lines.filter((l) => l.includes('exits-zero.plugin\' running on pid')).length >= 2);
    const path = fixture('exits-zero');
    const disconnected = rig.lines.findIndex((l) => l.includes(`'${path}' (pid`) && l.includes('disconnected after 2 successful'));
    assert.ok(disconnected >= 0);
    assert.match(rig.lines[disconnected + 1]!,
      /exited with code 0 after collecting data\. Restarting it in 1 seconds\.\n$/);
    const chart = rig.host.chart('fixture.exits_zero')!;
    await waitFor('4 iterations of exits-zero', () => chart.iterations >= 4);
    assert.equal(status('exits-zero')!.serialFailures, 0);
  });

  it('waits update every between an exit and the restart', async (t) => {
    const started = `'${fixture('exits-zero')}' running on pid`;
    const runs = () => rig.lines.filter((l) => l.includes(started)).length;
    const before = runs();
    await waitFor('another run of exits-zero', () => runs() > before);
    const t1 = Date.now();
    await waitFor('yet another run', () => runs() > before + 1);
    const gapMs = Date.now() - t1;
    t.diagnostic(`restart gap ${gapMs} ms`);
    assert.ok(gapMs >= 900 && gapMs < 2500, `restart gap ${gapMs} ms`);
  });

  it('disables a plugin that exits non-zero before collecting, with netdata\'s log line', async () => {
    await waitFor('exits-error disabled', () => status('exits-error')?.state === 'disabled');
    const s = status('exits-error')!;
    assert.deepEqual(s.lastExit, { exitCode: 3, signal: null });
    assert.ok(rig.lines.some((l) => l.endsWith(
      `ERROR: '${fixture('exits-error')}' (pid ${pidsStarted(rig.lines.filter((x) => x.includes('exits-error')))[0]}) ` +
      'exited with error code 3 and haven\'t collected any data. Disabling it.\n')));
    assert.ok(logged('INFO : exits-error: cannot find what to collect\n'));
    assert.equal(s.pid, null);
  });

  it('disables a plugin that sends an unknown keyword, naming the plugin, the line number and the line', async () => {
    await waitFor('unknown-keyword disabled', () => status('unknown-keyword')?.state === 'disabled');
    assert.ok(logged('ERROR: plugin unknown-keyword: line 3: unknown keyword "FROBNICATE" while parsing: ' +
      `"FROBNICATE the widgets" - disabling plugin '${fixture('unknown-keyword')}', it will not be restarted.`),
    rig.lines.filter((l) => l.includes('unknown-keyword')).join(''));
    await waitFor('unknown-keyword process gone', () => status('unknown-keyword')?.pid === null);
  });

  it('disables a plugin that never ends a line, holding at most the line limit', async () => {
    await waitFor('no-newline disabled', () => status('no-newline')?.state === 'disabled');
    assert.ok(logged('ERROR: plugin no-newline: line 1: line longer than the limit of 65536 bytes'));
    await waitFor('no-newline process gone', () => status('no-newline')?.pid === null);
  });

  it('survives a 10 MB garbage flood: plugin disabled, memory bounded, others keep collecting', async (t) => {
    await waitFor('flood disabled', () => status('flood')?.state === 'disabled');
    await waitFor('flood process gone', () => status('flood')?.pid === null);
    const good = rig.host.chart('fixture.good')!;
    const before = good.iterations;
    await waitFor('good to keep collecting', () => good.iterations > before, 3000);
    const growthBytes = process.memoryUsage().rss - rssBeforeBytes;
    t.diagnostic(`rss growth ${(growthBytes / 1048576).toFixed(1)} MiB`);
    assert.ok(growthBytes < 48 * 1024 * 1024, `rss grew by ${(growthBytes / 1048576).toFixed(1)} MiB`);
  });

  it('kills a plugin\'s whole process group on stop, even a child that ignores SIGTERM', async () => {
    await waitFor('the child pid file', () => { try { readFileSync(childPidFile); return true; } catch { return false; } });
    const childPid = Number((await readFile(childPidFile, 'utf8')).trim());
    const pluginPid = status('spawns-child')!.pid!;
    assert.ok(childPid > 0 && !processGone(childPid) && !processGone(pluginPid));
    const t0 = Date.now();
    await rig.pluginsd.stop();
    const stopMs = Date.now() - t0;
    assert.ok(processGone(pluginPid), 'plugin still running');
    assert.ok(processGone(childPid), 'child still running');
    assert.ok(stopMs < 3000, `stop took ${stopMs} ms`);
    for (const p of rig.pluginsd.plugins()) assert.equal(p.pid, null, `${p.name} has a pid after stop`);
  });
});

describe('createPluginsd rescans', () => {
  it('starts a plugin copied into a plugins directory after start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-rescan-'));
    const rig = await startRig([dir], [['plugins', 'enable running new plugins', 'yes']]);
    try {
      assert.deepEqual(rig.pluginsd.plugins(), []);
      await copyFile(fixture('good'), join(dir, 'late.plugin'));
      await waitFor('late.plugin to run', () => rig.pluginsd.plugins().some((p) => p.name === 'late' && p.state === 'running'), 4000);
      await waitFor('late.plugin to collect', () => (rig.host.chart('fixture.good')?.iterations ?? 0) >= 1);
    } finally {
      await rig.pluginsd.stop();
      rig.restoreLog();
      for (const pid of pidsStarted(rig.lines)) assert.ok(processGone(pid), `pid ${pid} still running`);
      await rm(rig.dir, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
