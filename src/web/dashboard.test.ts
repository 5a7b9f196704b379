process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startFixture, feedSeconds, type Fixture, type FixtureOptions } from './test-fixture.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../../test/support/tls-certs.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function fixture(options: FixtureOptions = {}): Promise<Fixture> {
  const f = await startFixture(options);
  f.feed('CHART system.load "" "System Load" "load" load system.load line 100 1\n' +
    'DIMENSION load1 "" absolute 1 100\nDIMENSION load5 "" absolute 1 100\n' +
    'CHART net.eth0 "" "Bandwidth" "kilobits/s" eth0 net.eth0 area 200 1\nDIMENSION in "" absolute 1 1\nDIMENSION out "" absolute -1 1\n');
  feedSeconds(f, 120, (i) => `BEGIN system.load\nSET load1 = ${100 + (i % 7) * 10}\nSET load5 = ${150 + (i % 5) * 5}\nEND\n` +
    `BEGIN net.eth0\nSET in = ${1000 + i * 3}\nSET out = ${500 + (i % 11) * 20}\nEND\n`);
  const child = f.registry.findOrCreate({ hostname: 'child-one', machineGuid: '99999999-8888-7777-6666-555555555555', hops: 1 },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
  f.clock.nowS -= 60;
  f.feed('CHART child.temp "" "Temperature" "Celsius" temp child.temp line 100 1\nDIMENSION t "" absolute 1 10\n', child);
  feedSeconds(f, 60, (i) => `BEGIN child.temp\nSET t = ${200 + i}\nEND\n`, child);
  return f;
}

describe('dashboard in headless Chromium', () => {
  let f: Fixture;
  before(async () => { f = await fixture(); });
  after(() => f.stop());

  it('draws every chart with the last value of /api/v1/data and switches hosts', async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is not installed`);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${f.base}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('.chart[data-chart="net.eth0"][data-drawn]');
      assert.deepEqual(await page.$$eval('section h2', (hs) => hs.map((h) => h.textContent)), ['system', 'net']);
      for (const id of ['system.load', 'net.eth0']) {
        const box = await page.$(`.chart[data-chart="${id}"]`);
        const canvas = await box!.$('canvas');
        assert.ok(canvas, `${id} has a canvas`);
        const size = await canvas!.boundingBox();
        assert.ok(size && size.width > 200 && size.height > 100, `${id} canvas is drawn`);
        const shown = JSON.parse((await box!.getAttribute('data-last-values'))!);
        const api = JSON.parse((await f.get(`/api/v1/data?chart=${id}&after=-300&points=300&options=flip`)).body);
        assert.deepEqual(shown, api.data[api.data.length - 1].slice(1));
        assert.equal(await box!.$eval('.units', (e) => e.textContent), id === 'net.eth0' ? 'kilobits/s' : 'load');
      }
      const legend = await page.$$eval('.chart[data-chart="net.eth0"] .u-legend .u-series th', (s) => s.map((e) => e.textContent?.trim()));
      assert.ok(legend.includes('in') && legend.includes('out'), `legend names dimensions: ${legend.join(',')}`);
      const hosts = await page.$$eval('#hosts li', (ls) => ls.map((l) => l.getAttribute('data-host')));
      assert.deepEqual(hosts, ['web-test', 'child-one']);
      assert.match(await page.$eval('#hosts li[data-host="child-one"] .meta', (e) => e.textContent!), /not connected · hops 1 · last data/);
      await page.screenshot({ path: '/tmp/tributary-dashboard.png', fullPage: false });

      await page.click('#hosts li[data-host="child-one"] a');
      await page.waitForURL(`${f.base}/host/child-one/`);
      await page.waitForSelector('.chart[data-chart="child.temp"][data-drawn]');
      const temp = JSON.parse((await page.getAttribute('.chart[data-chart="child.temp"]', 'data-last-values'))!);
      assert.deepEqual(temp, [25.9]);
      assert.equal(await page.$eval('#title', (e) => e.textContent), 'child-one');
      assert.equal(await page.$eval('#hosts li.current', (e) => e.getAttribute('data-host')), 'child-one');
      await page.screenshot({ path: '/tmp/tributary-dashboard-child.png' });

      await page.click('#hosts li[data-host="web-test"] a');
      await page.waitForURL(`${f.base}/`);
      await page.waitForSelector('.chart[data-chart="system.load"][data-drawn]');
      assert.equal(await page.$eval('#title', (e) => e.textContent), 'web-test');
    } finally {
      await browser.close();
    }
  });
});

describe('dashboard over HTTPS in headless Chromium', () => {
  let f: Fixture | null = null;
  let certs: TestCerts | null = null;
  before(async () => {
    if (opensslMissing()) return;
    certs = makeTestCerts();
    f = await fixture({ overrides: [['web', 'ssl key', certs.leaf.key], ['web', 'ssl certificate', certs.leaf.cert]] });
  });
  after(async () => {
    await f?.stop();
    certs?.remove();
  });

  it('follows the 301 from plain HTTP to https and draws the charts with /api/v1/data read over HTTPS', async (t) => {
    const noOpenssl = opensslMissing();
    if (noOpenssl) return t.skip(noOpenssl);
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is not installed`);
    const port = f!.server.ports()[0]!;
    const httpsBase = `https://127.0.0.1:${port}`;
    const { chromium } = await import('playwright-core');
    // the test CA is not in chromium's store: certificate errors are ignored for this browser only
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
      const first = await page.goto(`http://127.0.0.1:${port}/`);
      assert.equal(new URL(page.url()).protocol, 'https:', `redirected to ${page.url()}`);
      assert.equal(first?.request().redirectedFrom()?.url(), `http://127.0.0.1:${port}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('.chart[data-chart="net.eth0"][data-drawn]');
      for (const id of ['system.load', 'net.eth0']) {
        const shown = JSON.parse((await page.getAttribute(`.chart[data-chart="${id}"]`, 'data-last-values'))!);
        const api = await page.evaluate(async (u) => {
          const res = await fetch(u);
          return { status: res.status, url: res.url, body: await res.json() };
        }, `/api/v1/data?chart=${id}&after=-300&points=300&options=flip`);
        assert.equal(api.status, 200);
        assert.ok(api.url.startsWith(`${httpsBase}/api/v1/data`), api.url);
        assert.deepEqual(shown, api.body.data[api.body.data.length - 1].slice(1));
      }
      await page.screenshot({ path: '/tmp/tributary-dashboard-https.png' });
    } finally {
      await browser.close();
    }
  });
});
