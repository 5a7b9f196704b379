import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetdataConfig } from '../config/index.js';
import { setLogSink } from '../log.js';
import type { Pluginsd } from '../collectors/index.js';
import type { WebServer } from './server.js';
import { REPO_ROOT, startFixture, startPluginsWeb } from './test-fixture.js';
import { sanitizeFunctionText } from '../collectors/index.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'plugins');

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('sanitizeFunctionText', () => {
  it('keeps what can be written inside quotes on a plugin stdin, as netdata does', () => {
    assert.equal(sanitizeFunctionText('processes  help'), 'processes help');
    assert.equal(sanitizeFunctionText('fn "a\nb" c\\d'), 'fn _a b_ c/d');
    assert.equal(sanitizeFunctionText(' x;rm -rf $HOME '), 'x_rm -rf _HOME');
  });
});

describe('[web] allow functions from', () => {
  it('guards /api/v1/function and /api/v1/functions, not the rest of the API', async () => {
    const f = await startFixture({ overrides: [['web', 'allow functions from', '10.*']] });
    try {
      assert.equal((await f.get('/api/v1/functions')).status, 403);
      assert.equal((await f.get('/api/v1/function?function=x')).status, 403);
      assert.equal((await f.get('/api/v1/info')).status, 200);
    } finally {
      await f.stop();
    }
  });

  it('lets localhost call by default', async () => {
    const f = await startFixture();
    try {
      assert.equal(f.config.web.allowFunctionsFrom, 'localhost');
      const r = await f.get('/api/v1/functions');
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), {});
      assert.equal((await f.get('/api/v1/function?function=x')).status, 404);
    } finally {
      await f.stop();
    }
  });
});

describe('/api/v1/function over a real plugin process', () => {
  let dir = '';
  let pluginsd: Pluginsd;
  let server: WebServer;
  let base = '';
  const lines: string[] = [];
  let restoreLog: (line: string) => void;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-functions-'));
    restoreLog = setLogSink((line) => lines.push(line));
    const config = loadNetdataConfig(null, [
      ['global', 'hostname', 'functions-test'],
      ['global', 'memory mode', 'ram'],
      ['directories', 'plugins', `"${FIXTURES}"`],
      ['directories', 'config', dir], ['directories', 'lib', dir], ['directories', 'cache', dir],
      ['directories', 'log', dir], ['directories', 'web', join(REPO_ROOT, 'web')],
      ['plugins', 'enable running new plugins', 'no'],
      ['plugins', 'functions', 'yes'],
      ['web', 'bind to', '127.0.0.1:0'],
    ]);
    ({ pluginsd, server, base } = await startPluginsWeb(config, 'functions-test', 'v0-test'));
    await waitFor('the functions', () => pluginsd.plugins()[0]?.functions.length === 7 || undefined);
  });

  after(async () => {
    await server?.stop();
    await pluginsd?.stop();
    setLogSink(restoreLog);
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (query: string) => {
    const res = await fetch(`${base}/api/v1/function?${query}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  };
  const errorOf = (r: { body: string }) => JSON.parse(r.body) as { status: number; error_message: string };

  it('lists the functions in /api/v1/functions, /api/v1/info and the chart they came with', async () => {
    const functions = await (await fetch(`${base}/api/v1/functions`)).json();
    assert.deepEqual(functions['fn-fast'], { help: 'answers at once', timeout: 5, options: 'LOCAL ' });
    assert.deepEqual(functions['fn-slow'], { help: 'answers after a second', timeout: 5, options: 'GLOBAL ' });
    assert.equal(Object.keys(functions).length, 7);
    const info = await (await fetch(`${base}/api/v1/info`)).json();
    assert.deepEqual(info.functions, functions);
    await waitFor('the chart', () => pluginsd.plugins()[0].iterations > 0 || undefined);
    const chart = await (await fetch(`${base}/api/v1/chart?chart=fixture.functions`)).json();
    assert.deepEqual(chart.functions, { 'fn-fast': functions['fn-fast'] });
    const charts = await (await fetch(`${base}/api/v1/charts`)).json();
    assert.deepEqual(charts.charts['fixture.functions'].functions, chart.functions);
  });

  it('answers the plugin result with its status, content type and body; arguments and timeout reach it', async () => {
    const r = await call('function=fn-fast%20some%20args&timeout=3');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json');
    assert.deepEqual(JSON.parse(r.body), { status: 200, echo: 'fn-fast some args', timeout: 3 });
    const own = await call('function=fn-fast');
    assert.equal(JSON.parse(own.body).timeout, 5, 'no timeout= gives the registered one');
    const byName = await fetch(`${base}/host/functions-test/api/v1/function?function=fn-fast%20by%20name`);
    assert.equal(byName.status, 200);
    assert.equal((await byName.json()).echo, 'fn-fast by name');
  });

  it('keeps many calls in flight apart: slow ones do not hold fast ones, each gets its own', async () => {
    const started = Date.now();
    const slow = [1, 2, 3].map((n) => call(`function=fn-slow%20${n}`));
    const fast = await call('function=fn-fast%20meanwhile');
    assert.ok(Date.now() - started < 900, 'the fast call did not wait for the slow ones');
    assert.equal(JSON.parse(fast.body).echo, 'fn-fast meanwhile');
    const answers = await Promise.all(slow);
    answers.forEach((a, i) => {
      assert.equal(a.status, 200);
      assert.equal(a.type, 'text/plain');
      assert.equal(a.body, `slow answer\nfor fn-slow ${i + 1}\n`);
    });
  });

  it('unknown function: 404 in netdata shape', async () => {
    const r = await call('function=nope');
    assert.equal(r.status, 404);
    assert.deepEqual(errorOf(r), { status: 404, error_message: 'No collector is supplying this function on this host at this time.' });
  });

  it('a plugin that never answers: 504 after the timeout', async () => {
    const started = Date.now();
    const r = await call('function=fn-never&timeout=1');
    assert.ok(Date.now() - started >= 950);
    assert.equal(r.status, 504);
    assert.deepEqual(errorOf(r), { status: 504, error_message: 'Timeout while waiting for a response from the collector.' });
  });

  it('an answer to another transaction is logged and dropped; the caller times out', async () => {
    const r = await call('function=fn-other&timeout=1');
    assert.equal(r.status, 504);
    assert.ok(lines.some((l) => l.includes("got a FUNCTION_RESULT_BEGIN for transaction '00000000-0000-0000-0000-000000000000', but the transaction is not found")));
  });

  it('a malformed header: 591 naming the plugin, its body not passed on', async () => {
    const r = await call('function=fn-malformed');
    assert.equal(r.status, 591);
    assert.match(errorOf(r).error_message, /plugin functions answered 'fn-malformed' with a malformed FUNCTION_RESULT_BEGIN \(status 'OK'/);
    assert.doesNotMatch(r.body, /body of a broken header/);
  });

  it('a body past the 10 MB limit: 591, the body discarded, the plugin goes on', async () => {
    const r = await call('function=fn-huge&timeout=10');
    assert.equal(r.status, 591);
    assert.match(errorOf(r).error_message, /result larger than the limit of 10485760 bytes/);
    assert.ok(r.body.length < 1000);
    const next = await call('function=fn-fast%20after');
    assert.equal(next.status, 200, 'the lines after the huge body are commands again');
    assert.equal(JSON.parse(next.body).echo, 'fn-fast after');
    assert.equal(pluginsd.plugins()[0].state, 'running');
  });

  it('a plugin that exits mid-answer: 503 at once to the calls in flight, the plugin supervised as always', async () => {
    const pid = pluginsd.plugins()[0].pid;
    const pending = call('function=fn-never&timeout=10');
    const started = Date.now();
    const r = await call('function=fn-exit&timeout=10');
    assert.ok(Date.now() - started < 3000, 'not answered by the timeout');
    assert.equal(r.status, 503);
    assert.match(errorOf(r).error_message, new RegExp(`The collector exited before answering \\(functions.plugin, pid ${pid}\\)`));
    assert.equal((await pending).status, 503);
    const status = pluginsd.plugins()[0];
    assert.equal(status.state, 'restarting');
    const gone = await call('function=fn-fast');
    assert.equal(gone.status, 503);
    assert.deepEqual(errorOf(gone),
      { status: 503, error_message: 'The collector that registered this function, is not currently running.' });
    const listed = await (await fetch(`${base}/api/v1/functions`)).json();
    assert.deepEqual(listed, {}, 'a function of a plugin not running is not listed');
  });
});
