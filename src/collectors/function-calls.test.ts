import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNetdataConfig } from '../config/index.js';
import { createHostRegistry } from '../database/index.js';
import { createParser } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { createPluginsd, type Pluginsd } from './index.js';
import { contentTypeOf, DEFAULT_MAX_PENDING_STDIN_BYTES, FunctionCalls } from './function-calls.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/plugins', import.meta.url));

describe('FunctionCalls', () => {
  it('maps result formats to content types as netdata 1.37 does', () => {
    assert.equal(contentTypeOf('json'), 'application/json');
    assert.equal(contentTypeOf('html'), 'text/html');
    assert.equal(contentTypeOf('prometheus'), 'text/plain; version=0.0.4');
    assert.equal(contentTypeOf('image/png'), 'text/plain');
  });

  it('answers a call whose line cannot be written (EPIPE) at once, and every call after close', async () => {
    const calls = new FunctionCalls('plugin test', {
      pendingBytes: () => 0,
      write: (_line, done) => done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
    });
    const failed = await calls.call('f', 10);
    assert.equal(failed.status, 503);
    assert.match(failed.body, /Failed to communicate with collector: plugin test \(write EPIPE\)/);
    assert.equal(calls.inFlight, 0);
    calls.close('gone');
    assert.deepEqual(JSON.parse((await calls.call('f', 10)).body), { status: 503, error_message: 'gone' });
  });
});

async function startPluginsd(dir: string, plugin: string): Promise<Pluginsd> {
  const config = loadNetdataConfig(null, [
    ['global', 'hostname', `${plugin}-test`], ['global', 'memory mode', 'ram'],
    ['directories', 'plugins', `"${FIXTURES}"`],
    ['directories', 'config', dir], ['directories', 'lib', dir], ['directories', 'cache', dir], ['directories', 'log', dir],
    ['plugins', 'enable running new plugins', 'no'], ['plugins', plugin, 'yes'],
  ]);
  const registry = createHostRegistry(
    { hostname: `${plugin}-test`, machineGuid: '11111111-2222-3333-4444-555555555555' },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const pluginsd = createPluginsd(config, { host: registry.localhost, createParser, version: 'v0-test', killGraceMs: 300 });
  await pluginsd.start();
  return pluginsd;
}

async function registered(pluginsd: Pluginsd): Promise<void> {
  const deadline = Date.now() + 8000;
  while (!pluginsd.plugins()[0]?.functions.length) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the registration');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a plugin whose function result never ends', () => {
  let dir = '';
  let pluginsd: Pluginsd;
  const lines: string[] = [];
  let restoreLog: (line: string) => void;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-runaway-'));
    restoreLog = setLogSink((line) => lines.push(line));
    pluginsd = await startPluginsd(dir, 'runaway');
  });

  after(async () => {
    await pluginsd?.stop();
    setLogSink(restoreLog);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the caller past 10 MB and stops the plugin past 20 MB, as a plugin past any limit', async () => {
    await registered(pluginsd);
    const result = await pluginsd.plugins()[0].functions[0].call('runaway-fn', 5);
    assert.equal(result.status, 591);
    assert.match(result.body, /plugin runaway answered 'runaway-fn' with a result larger than the limit of 10485760 bytes/);
    const deadline = Date.now() + 8000;
    while (pluginsd.plugins()[0].pid !== null) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the plugin to be stopped');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(pluginsd.plugins()[0].state, 'disabled');
    assert.ok(lines.some((l) => /plugin runaway sent more than 20971520 bytes of a function result \(transaction '[0-9a-f-]{36}'\) without FUNCTION_RESULT_END - disabling plugin '.*runaway\.plugin', it will not be restarted\./.test(l)),
      lines.join(''));
  });
});

describe('a plugin that never reads its stdin', () => {
  let dir = '';
  let pluginsd: Pluginsd;
  let restoreLog: (line: string) => void;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-deaf-'));
    restoreLog = setLogSink(() => {});
    pluginsd = await startPluginsd(dir, 'deaf');
  });

  after(async () => {
    await pluginsd?.stop();
    setLogSink(restoreLog);
    await rm(dir, { recursive: true, force: true });
  });

  it('costs a bounded buffer: calls past it are refused at once, the rest time out, the agent never waits', async () => {
    await registered(pluginsd);
    const fn = pluginsd.plugins()[0].functions[0];
    const text = `deaf-fn ${'x'.repeat(14000)}`;
    // the pipe takes 64 KiB, the agent keeps DEFAULT_MAX_PENDING_STDIN_BYTES more: far less than this
    const count = Math.ceil((4 * DEFAULT_MAX_PENDING_STDIN_BYTES) / text.length);
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: count }, () => fn.call(text, 1)));
    assert.ok(Date.now() - started < 3000, 'every call settled by its timeout or sooner');
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.includes(504), 'the calls that fit waited for their timeout');
    const refused = results.filter((r) => r.status === 503);
    assert.ok(refused.length > 0, 'calls past the bound were refused');
    assert.match(refused[0].body, /plugin deaf is not reading its standard input/);
    assert.equal(pluginsd.plugins()[0].state, 'running', 'the plugin goes on');
  });
});
