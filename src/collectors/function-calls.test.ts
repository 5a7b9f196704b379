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

describe('a plugin that never reads its stdin', () => {
  let dir = '';
  let pluginsd: Pluginsd;
  let restoreLog: (line: string) => void;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-deaf-'));
    restoreLog = setLogSink(() => {});
    const config = loadNetdataConfig(null, [
      ['global', 'hostname', 'deaf-test'], ['global', 'memory mode', 'ram'],
      ['directories', 'plugins', `"${FIXTURES}"`],
      ['directories', 'config', dir], ['directories', 'lib', dir], ['directories', 'cache', dir], ['directories', 'log', dir],
      ['plugins', 'enable running new plugins', 'no'], ['plugins', 'deaf', 'yes'],
    ]);
    const registry = createHostRegistry(
      { hostname: 'deaf-test', machineGuid: '11111111-2222-3333-4444-555555555555' },
      { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    );
    pluginsd = createPluginsd(config, { host: registry.localhost, createParser, version: 'v0-test', killGraceMs: 300 });
    await pluginsd.start();
  });

  after(async () => {
    await pluginsd?.stop();
    setLogSink(restoreLog);
    await rm(dir, { recursive: true, force: true });
  });

  it('costs a bounded buffer: calls past it are refused at once, the rest time out, the agent never waits', async () => {
    const deadline = Date.now() + 8000;
    while (!pluginsd.plugins()[0]?.functions.length) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the registration');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
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
