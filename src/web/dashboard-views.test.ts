/**
 * The dashboard's topology and functions views in headless Chromium against real agents: a
 * 3-hop chain child → proxy → proxy → parent seen from the parent, and Debian's netdata 1.37
 * apps.plugin answering `processes` under Tributary, locally and on a child through its parent.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, noChromium, openPage, waitUntil } from './chromium.js';
import { loadNetdataConfig } from '../config/index.js';
import { setLogSink } from '../log.js';
import type { Pluginsd } from '../collectors/index.js';
import type { WebServer } from './server.js';
import { REPO_ROOT, startPluginsWeb } from './test-fixture.js';
import { API_KEY, eventually, killAll, startNode, type TestNode } from '../../test/streaming/nodes.js';

if (noChromium) console.log(`# skipping the dashboard views tests: ${noChromium}`);

let browser: Browser;
before(async () => { if (!noChromium) browser = await launchChromium(); });
after(async () => {
  await browser?.close();
  killAll();
});

/** A node that receives API_KEY and passes every host on to `upstream`. */
const proxyOf = (hostname: string, upstream: number) => startNode({
  hostname, sendTo: { destination: `127.0.0.1:${upstream}` },
  receive: `[${API_KEY}]\n\tenabled = yes\n\tdefault proxy enabled = yes\n\tdefault proxy destination = 127.0.0.1:${upstream}\n` +
    `\tdefault proxy api key = ${API_KEY}\n`,
});

describe('topology view', { skip: noChromium }, () => {
  const nodes: TestNode[] = [];
  after(async () => { await Promise.all(nodes.map((n) => n.stop())); });

  it('lists every host of a 3-hop chain with its hops and links, live, and opens a host\'s charts on a click', async () => {
    const parent = await startNode({ hostname: 'v-parent', plugin: false });
    const upper = await proxyOf('v-upper', parent.port);
    const lower = await proxyOf('v-lower', upper.port);
    const child = await startNode({ hostname: 'v-child', sendTo: { destination: `127.0.0.1:${lower.port}` } });
    nodes.push(parent, upper, lower, child);
    const api = await eventually('every link flowing at the parent', async () => {
      const t = await parent.api('/api/v1/topology');
      const links = t.hosts.filter((h: any) => !h.local).map((h: any) => h.inbound);
      return links.length === 3 && links.every((l: any) => l?.connected && l.bytes_per_second > 0) ? t : undefined;
    }, 40_000);
    assert.deepEqual(api.hosts.map((h: any) => [h.hostname, h.hops]), [['v-parent', 0], ['v-upper', 1], ['v-lower', 2], ['v-child', 3]]);

    const { page, errors } = await openPage(browser, `http://127.0.0.1:${parent.port}/topology.html`);
    await page.waitForSelector('#hosts-table tr[data-host="v-child"]');
    // a link's rates are measured between reads: a refresh can land on a second with no value yet
    await page.waitForFunction(() => [...document.querySelectorAll('#hosts-table tbody tr')].slice(1)
      .every((tr) => Number(tr.querySelectorAll('td')[7]?.textContent) > 0), null, { timeout: 20_000 });
    const rows = await page.$$eval('#hosts-table tbody tr', (trs) => trs.map((tr) => ({
      host: tr.getAttribute('data-host'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })));
    assert.deepEqual(rows.map((r) => [r.host, r.cells[1]]), [['v-parent', '0'], ['v-upper', '1'], ['v-lower', '2'], ['v-child', '3']]);
    for (const r of rows.slice(1)) {
      const h = api.hosts.find((x: any) => x.hostname === r.host);
      assert.equal(r.cells[2], h.via, `${r.host} via`);
      assert.equal(r.cells[5], h.inbound.peer, `${r.host} link peer`);
      assert.match(r.cells[6]!, /^[0-9.]+ (B|KiB|MiB)\/s$/, `${r.host} bytes/s`);
      assert.ok(Number(r.cells[7]) > 0, `${r.host} values/s ${r.cells[7]}`);
      assert.equal(r.cells[8], h.inbound.compression ?? 'none', `${r.host} compression`);
      assert.equal(r.cells[9], h.inbound.tls ? 'yes' : 'no', `${r.host} TLS`);
    }
    // the tree: each host under the node before it (via names the parent's direct child, the hops the rest)
    const path = await page.$eval('#tree li[data-host="v-child"]', (li) => {
      const chain = [];
      for (let e: Element | null = li; e; e = e.parentElement?.closest('li') ?? null) chain.push(e.getAttribute('data-host'));
      return chain;
    });
    assert.deepEqual(path, ['v-child', 'v-lower', 'v-upper', 'v-parent']);
    assert.match(await page.$eval('#tree li[data-host="v-child"] > .meta', (e) => e.textContent!), /hops 3 · connected .* · last data .* values\/s/);

    const first = await page.getAttribute('body', 'data-updated');
    await page.waitForFunction((t) => document.body.dataset.updated !== t, first, { timeout: 10_000 });

    await page.click('#tree li[data-host="v-child"] > a');
    await page.waitForURL(`http://127.0.0.1:${parent.port}/host/v-child/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.$eval('#title', (e) => e.textContent), 'v-child');
    await page.waitForSelector('.chart[data-state="drawn"]');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

/** Where Debian installs apps.plugin and its apps_groups.conf. */
const APPS_PLUGIN = ['/usr/libexec/netdata/plugins.d/apps.plugin', '/usr/lib/netdata/plugins.d/apps.plugin'].find((p) => existsSync(p));
const STOCK_CONFIG = ['/usr/lib/netdata/conf.d', '/usr/libexec/netdata/conf.d'].find((d) => existsSync(join(d, 'apps_groups.conf')));
const noApps = noChromium || (!APPS_PLUGIN || !STOCK_CONFIG ? 'no apps.plugin with its apps_groups.conf installed' : false);
if (noApps && !noChromium) console.log(`# skipping the functions view test: ${noApps}`);

describe('functions view', { skip: noApps }, () => {
  let dir = '';
  let pluginsd: Pluginsd;
  let server: WebServer;
  let base = '';
  let restoreLog: (line: string) => void;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-dash-apps-'));
    restoreLog = setLogSink(() => {});
    const config = loadNetdataConfig(null, [
      ['global', 'hostname', 'apps-view'], ['global', 'memory mode', 'ram'],
      ['directories', 'plugins', `"${dirname(APPS_PLUGIN!)}"`],
      ['directories', 'config', dir], ['directories', 'stock config', STOCK_CONFIG!],
      ['directories', 'lib', dir], ['directories', 'cache', dir], ['directories', 'log', dir],
      ['directories', 'web', join(REPO_ROOT, 'web')],
      ['plugins', 'enable running new plugins', 'no'], ['plugins', 'apps', 'yes'],
      ['web', 'bind to', '127.0.0.1:0'],
    ]);
    ({ pluginsd, server, base } = await startPluginsWeb(config, 'apps-view', 'v1.37.1'));
  });
  after(async () => {
    await server?.stop();
    await pluginsd?.stop();
    if (restoreLog) setLogSink(restoreLog);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the host\'s functions, calls processes and draws netdata\'s table sorted by its default column, re-sorted on a click', async () => {
    await waitUntil('apps.plugin to register processes', () => pluginsd.plugins()[0]?.functions.some((f) => f.name === 'processes') ?? false, 15_000);
    await checkProcessesView(`${base}/functions.html`, `${base}/api/v1/function?function=processes`);
  });
});

/**
 * Opens the functions view at `pageUrl`, calls processes and checks the table against the
 * answer of `apiUrl`: the visible columns in index order, the default sort, a click sorting by
 * a text column and a second click reversing, every column on request.
 */
async function checkProcessesView(pageUrl: string, apiUrl: string): Promise<void> {
  const { page, errors } = await openPage(browser, pageUrl, { width: 1400, height: 900 });
  assert.match(await page.$eval('#functions li[data-function="processes"] .meta', (e) => e.textContent!), /running processes on this node · timeout 10 s · local$/);
  await page.click('#functions li[data-function="processes"] button');
  await page.waitForSelector('#table tbody tr');
  const api = await (await fetch(apiUrl)).json();
  assert.equal(api.type, 'table');
  const visible = Object.entries(api.columns as Record<string, any>).filter(([, c]) => c.visible !== false)
    .sort(([, a], [, b]) => a.index - b.index).map(([key]) => key);
  const headers = await page.$$eval('#table thead th', (ths) => ths.map((th) => th.getAttribute('data-column')));
  assert.deepEqual(headers, visible, 'the visible columns in index order');
  const sortKey = api.default_sort_column;
  assert.equal(await page.$eval('#table th[aria-sort]', (th) => th.getAttribute('data-column')), sortKey);
  const rows = await page.$$eval('#table tbody tr', (trs) => trs.length);
  assert.ok(rows > 3 && Math.abs(rows - api.data.length) <= Math.max(5, api.data.length * 0.2), `${rows} rows, the API has ${api.data.length}`);

  const column = (key: string) => page.$$eval(`#table tbody tr td:nth-child(${headers.indexOf(key) + 1})`, (tds) => tds.map((td) => td.getAttribute('data-value')));
  const ordered = (values: (string | null)[], direction: string, numeric: boolean) => values.every((v, i) => {
    if (i === 0) return true;
    const cmp = numeric ? Number(values[i - 1]) - Number(v) : String(values[i - 1]).localeCompare(String(v), undefined, { numeric: true });
    return direction === 'ascending' ? cmp <= 0 : cmp >= 0;
  });
  const direction = await page.$eval('#table th[aria-sort]', (th) => th.getAttribute('aria-sort'));
  assert.equal(direction, api.columns[sortKey].sort === 'descending' ? 'descending' : 'ascending');
  assert.ok(ordered(await column(sortKey), direction!, true), `sorted by ${sortKey} ${direction}`);

  const nameKey = headers.find((k) => api.columns[k!].type === 'string' && k !== sortKey)!;
  await page.click(`#table th[data-column="${nameKey}"]`);
  const nameDirection = await page.$eval(`#table th[data-column="${nameKey}"]`, (th) => th.getAttribute('aria-sort'));
  assert.ok(ordered(await column(nameKey), nameDirection!, false), `sorted by ${nameKey} ${nameDirection}`);
  await page.click(`#table th[data-column="${nameKey}"]`);
  const reversed = await page.$eval(`#table th[data-column="${nameKey}"]`, (th) => th.getAttribute('aria-sort'));
  assert.notEqual(reversed, nameDirection);
  assert.ok(ordered(await column(nameKey), reversed!, false), `sorted by ${nameKey} ${reversed}`);

  await page.check('#all-columns');
  assert.equal(await page.$$eval('#table thead th', (ths) => ths.length), Object.keys(api.columns).length);
  assert.deepEqual(errors, []);
  await page.close();
}

describe('functions view of a mirrored host', { skip: noApps }, () => {
  const nodes: TestNode[] = [];
  after(async () => { await Promise.all(nodes.map((n) => n.stop())); });

  it('calls processes of a child running apps.plugin through its parent\'s stream and draws the table', async () => {
    const parent = await startNode({ hostname: 'f-parent', plugin: false });
    nodes.push(parent);
    const child = await startNode({
      hostname: 'f-child', plugin: false, pluginsDir: dirname(APPS_PLUGIN!), sendTo: { destination: `127.0.0.1:${parent.port}` },
      extraConf: `[plugins]\n\tenable running new plugins = no\n\tapps = yes\n[global]\n\tstock config directory = ${STOCK_CONFIG}\n`,
    });
    nodes.push(child);
    await eventually('processes listed for f-child at the parent', async () => {
      const fns = await parent.api('/host/f-child/api/v1/functions');
      return fns.processes ? fns : undefined;
    }, 30_000);
    const { page, errors } = await openPage(browser, `http://127.0.0.1:${parent.port}/functions.html`);
    assert.deepEqual(await page.$$eval('#host option', (os) => os.map((o) => o.textContent)), ['f-parent', 'f-child']);
    assert.equal(await page.$eval('#functions li', (e) => e.textContent), 'no plugin of this host registered a function');
    await page.selectOption('#host', { label: 'f-child' });
    await page.waitForURL(`http://127.0.0.1:${parent.port}/host/f-child/functions.html`);
    assert.deepEqual(errors, []);
    await page.close();
    await checkProcessesView(`http://127.0.0.1:${parent.port}/host/f-child/functions.html`,
      `http://127.0.0.1:${parent.port}/host/f-child/api/v1/function?function=processes`);
  });
});
