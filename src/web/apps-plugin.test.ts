/**
 * netdata 1.37's own apps.plugin (Debian's package) run by Tributary: its `processes` function
 * called through the API answers netdata's table with this machine's processes. Skipped, with
 * the reason printed, where the plugin is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadNetdataConfig } from '../config/index.js';
import { setLogSink } from '../log.js';
import type { Pluginsd } from '../collectors/index.js';
import type { WebServer } from './server.js';
import { REPO_ROOT, startPluginsWeb } from './test-fixture.js';

/** Where Debian (and netdata's own packages) install apps.plugin. */
const APPS_PLUGIN_PATHS = ['/usr/libexec/netdata/plugins.d/apps.plugin', '/usr/lib/netdata/plugins.d/apps.plugin'];
/** Where apps_groups.conf comes with it. */
const STOCK_CONFIG_DIRS = ['/usr/lib/netdata/conf.d', '/usr/libexec/netdata/conf.d'];

const appsPlugin = APPS_PLUGIN_PATHS.find((p) => existsSync(p));
const stockConfig = STOCK_CONFIG_DIRS.find((d) => existsSync(join(d, 'apps_groups.conf')));
const skip = !appsPlugin ? `no apps.plugin at ${APPS_PLUGIN_PATHS.join(' or ')}`
  : !stockConfig ? 'no apps_groups.conf beside apps.plugin' : false;
if (skip) console.log(`# skipping the apps.plugin test: ${skip}`);

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('netdata 1.37 apps.plugin under Tributary', { skip }, () => {
  let dir = '';
  let pluginsd: Pluginsd;
  let server: WebServer;
  let base = '';
  let restoreLog: (line: string) => void;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-apps-'));
    restoreLog = setLogSink(() => {});
    const config = loadNetdataConfig(null, [
      ['global', 'hostname', 'apps-test'],
      ['global', 'memory mode', 'ram'],
      ['directories', 'plugins', `"${dirname(appsPlugin!)}"`],
      ['directories', 'config', dir], ['directories', 'stock config', stockConfig!],
      ['directories', 'lib', dir], ['directories', 'cache', dir], ['directories', 'log', dir],
      ['directories', 'web', join(REPO_ROOT, 'web')],
      ['plugins', 'enable running new plugins', 'no'],
      ['plugins', 'apps', 'yes'],
      ['web', 'bind to', '127.0.0.1:0'],
    ]);
    ({ pluginsd, server, base } = await startPluginsWeb(config, 'apps-test', 'v1.37.1'));
  });

  after(async () => {
    await server?.stop();
    await pluginsd?.stop();
    setLogSink(restoreLog);
    await rm(dir, { recursive: true, force: true });
  });

  it('registers processes with its charts, and answers it with the table of this machine', async () => {
    await waitFor('apps.plugin to register processes',
      () => pluginsd.plugins()[0]?.functions.some((f) => f.name === 'processes') || undefined, 15000);
    const functions = await (await fetch(`${base}/api/v1/functions`)).json();
    assert.equal(functions.processes.options, 'LOCAL ');
    assert.equal(functions.processes.timeout, 10);
    assert.match(functions.processes.help, /running processes/);

    const res = await fetch(`${base}/api/v1/function?function=processes`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const table = await res.json();
    assert.equal(table.status, 200);
    assert.equal(table.type, 'table');
    assert.ok(Array.isArray(table.data) && table.data.length > 0, 'data rows');
    const columns = table.columns as Record<string, { index: number; name: string; type: string }>;
    assert.ok(Object.keys(columns).length > 10);
    const pidColumn = columns.Pid;
    const cmdColumn = columns.Cmd;
    assert.deepEqual([pidColumn?.name, pidColumn?.type], ['Process ID', 'integer']);
    assert.equal(cmdColumn?.name, 'Process Name');
    assert.equal(table.data[0].length, Object.keys(columns).length, 'a cell per column');
    const pids = new Set(table.data.map((row: unknown[]) => Number(row[pidColumn.index])));
    assert.ok(pids.has(process.pid), 'the test process itself is listed');
    const me = table.data.find((row: unknown[]) => Number(row[pidColumn.index]) === process.pid);
    assert.equal(me[cmdColumn.index], 'node');

    const help = await fetch(`${base}/api/v1/function?function=processes%20help`);
    assert.equal(help.status, 200, 'arguments go to the plugin');
  });
});
