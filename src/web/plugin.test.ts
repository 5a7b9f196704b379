import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createParser } from '../protocol/index.js';
import { startFixture, REPO_ROOT } from './test-fixture.js';

const PLUGIN = path.join(REPO_ROOT, 'test', 'fixtures', 'plugins', 'web-const.plugin');

describe('the API over a real plugin process', () => {
  it('serves the values a running plugin writes', async () => {
    const f = await startFixture();
    const child = spawn(PLUGIN, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const parser = createParser({
        source: 'plugin web-const', host: f.host, trustedDurations: false,
        defaultUpdateEverySecs: 1, defaultPluginName: 'web-const.plugin',
      });
      child.stdout.on('data', (chunk: Buffer) => parser.feed(chunk));
      const chart = await waitFor(() => {
        const c = f.host.chart('web.const');
        return c && c.lastEntryS() - c.firstEntryS() >= 1 ? c : undefined;
      }, 8000);
      const data = JSON.parse((await f.get('/api/v1/data?chart=web.const&after=-1&options=jsonwrap')).body);
      assert.deepEqual(data.dimension_names, ['answer', 'tenth']);
      assert.deepEqual(data.latest_values, [42, 0.7]);
      assert.deepEqual(data.result.data[0].slice(1), [42, 0.7]);
      assert.equal(data.result.data[0][0], chart.lastEntryS());
      const shell = (await f.get('/api/v1/allmetrics')).body;
      assert.match(shell, /\nNETDATA_WEB_CONST_ANSWER="42"      # things\nNETDATA_WEB_CONST_TENTH="1"      # things\nNETDATA_WEB_CONST_VISIBLETOTAL="43"      # things\n/);
      const charts = JSON.parse((await f.get('/api/v1/charts')).body);
      assert.equal(charts.charts['web.const'].plugin, 'web-const.plugin');
    } finally {
      child.kill('SIGTERM');
      await f.stop();
    }
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the plugin');
    await new Promise((r) => setTimeout(r, 100));
  }
}
