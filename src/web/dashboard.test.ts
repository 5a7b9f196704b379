process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, noChromium, openPage, waitUntil } from './chromium.js';
import { createHealth, type Health, type HealthApi } from '../health/index.js';
import { startFixture, feedSeconds, type Fixture, type FixtureOptions } from './test-fixture.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../../test/support/tls-certs.js';

if (noChromium) console.log(`# skipping the dashboard tests: ${noChromium}`);

/** Charts below the first screen: the page must not fetch them until they are scrolled to. */
const FILLER_CHARTS = 20;

async function fixture(options: FixtureOptions = {}): Promise<Fixture> {
  const f = await startFixture(options);
  f.feed('CHART system.cpu "" "Total CPU utilization" "percentage" cpu system.cpu stacked 100 1\n' +
    'DIMENSION user "" absolute 1 100\nDIMENSION system "" absolute 1 100\nDIMENSION nice "" absolute 1 100\n' +
    'DIMENSION guest "" absolute 1 100 hidden\n' +
    'CHART system.load "" "System Load" "load" load system.load line 200 1\n' +
    'DIMENSION load1 "" absolute 1 100\nDIMENSION load5 "" absolute 1 100\n' +
    'CHART net.eth0 "" "Bandwidth" "kilobits/s" eth0 net.eth0 area 300 1\nDIMENSION in "" absolute 1 1\nDIMENSION out "" absolute -1 1\n');
  let filler = '';
  for (let i = 0; i < FILLER_CHARTS; i++) filler += `CHART zfiller.c${i} "" "Filler ${i}" "things" filler zfiller.c${i} line ${1000 + i} 1\nDIMENSION v "" absolute 1 1\n`;
  f.feed(filler);
  feedSeconds(f, 120, (i) => `BEGIN system.cpu\nSET user = ${2000 + (i % 7) * 100}\nSET system = ${1000 + (i % 5) * 50}\n` +
    `SET nice = ${300 + (i % 3) * 10}\nSET guest = 4000\nEND\n` +
    `BEGIN system.load\nSET load1 = ${100 + (i % 7) * 10}\nSET load5 = ${150 + (i % 5) * 5}\nEND\n` +
    // net.eth0 misses ten seconds: a gap the coverage reports
    (i >= 60 && i < 70 ? '' : `BEGIN net.eth0\nSET in = ${1000 + i * 3}\nSET out = ${500 + (i % 11) * 20}\nEND\n`) +
    Array.from({ length: FILLER_CHARTS }, (_, c) => `BEGIN zfiller.c${c}\nSET v = ${c + i}\nEND\n`).join(''));
  // a chart with one stored point so far, and one with three (a chart's first two collections store none)
  f.clock.nowS -= 5;
  f.feed('CHART system.fresh "" "Fresh" "things" fresh system.fresh line 400 1\nDIMENSION v "" absolute 1 1\n' +
    'CHART system.short "" "Short" "things" short system.short line 410 1\nDIMENSION v "" absolute 1 1\n');
  feedSeconds(f, 5, (i) => `BEGIN system.short\nSET v = ${i}\nEND\n` + (i >= 2 ? 'BEGIN system.fresh\nSET v = 1\nEND\n' : ''));
  const child = f.registry.findOrCreate({ hostname: 'child-one', machineGuid: '99999999-8888-7777-6666-555555555555', hops: 1 },
    { memoryMode: 'ram', historyEntries: 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
  f.clock.nowS -= 60;
  f.feed('CHART child.temp "" "Temperature" "Celsius" temp child.temp line 100 1\nDIMENSION t "" absolute 1 10\n', child);
  feedSeconds(f, 60, (i) => `BEGIN child.temp\nSET t = ${200 + i}\nEND\n`, child);
  return f;
}

/** The /api/v1/data answer for the URL the page asks for chart `id` now. */
async function apiForView(f: Fixture, page: Page, id: string): Promise<{ labels: string[]; data: number[][] }> {
  const url = await page.evaluate((c) => (window as any).tributary.views.get(c).url(), id);
  return JSON.parse((await f.get(`/${url}`)).body);
}

const plotData = (page: Page, id: string): Promise<(number | null)[][]> =>
  page.evaluate((c) => (window as any).tributary.views.get(c).plot.data.map((s: ArrayLike<number>) => Array.from(s)), id);

const drawn = (page: Page, id: string) => page.waitForSelector(`.chart[data-chart="${id}"][data-state="drawn"]`);

/** Health on the fixture's host, made once the fixture's registry exists (the fixture takes a HealthApi). */
function lateHealth(): { api: HealthApi; set(h: Health): void } {
  let health: Health | undefined;
  const api: HealthApi = {
    alarmsJson: (host, all) => health!.alarmsJson(host, all),
    alarmLogJson: (host, after) => health!.alarmLogJson(host, after),
    alarmVariablesJson: (host, chart) => health!.alarmVariablesJson(host, chart),
    alarmCounts: (host) => health!.alarmCounts(host),
    alarm: (host, chart, name) => health!.alarm(host, chart, name),
  };
  return { api, set: (h) => { health = h; } };
}

describe('dashboard in headless Chromium', { skip: noChromium }, () => {
  let f: Fixture;
  let browser: Browser;
  let health: Health;
  let healthDir = '';
  before(async () => {
    healthDir = await mkdtemp(join(tmpdir(), 'tributary-dash-health-'));
    await mkdir(join(healthDir, 'stock'));
    await writeFile(join(healthDir, 'load.conf'), 'alarm: load_high\n    on: system.load\n lookup: max -10s of load1\n' +
      '  every: 1s\n   warn: $this > 1\n   crit: $this > 100\n  units: load\n   info: load above 1\n');
    const late = lateHealth();
    f = await fixture({ health: late.api, overrides: [['directories', 'stock health config', join(healthDir, 'stock')],
      ['directories', 'health config', healthDir], ['health', 'enabled', 'yes']] });
    health = createHealth(f.config, { registry: f.registry, now: () => f.clock.nowS * 1000 });
    late.set(health);
    health.attachHost(f.host, { enabled: 'yes', postponeSecs: 0 });
    for (let i = 0; i < 3; i++) await health.runOnce();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await health?.stop();
    await f?.stop();
    await rm(healthDir, { recursive: true, force: true });
  });

  it('stacks a stacked chart to the API totals, leaves hidden dimensions out and shows the latest values without hovering', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`);
    for (const id of ['system.cpu', 'system.load', 'net.eth0']) await drawn(page, id);
    assert.deepEqual(await page.$$eval('section h2', (hs) => hs.map((h) => h.textContent)), ['system', 'net', 'zfiller']);

    const api = await apiForView(f, page, 'system.cpu');
    assert.deepEqual(api.labels, ['time', 'user', 'system', 'nice'], 'the hidden guest is not in the answer');
    const drawnCpu = await plotData(page, 'system.cpu');
    assert.deepEqual(drawnCpu[0], api.data.map((r) => r[0]));
    api.data.forEach((row, k) => {
      assert.ok(Math.abs(drawnCpu[1]![k]! - row[1]!) < 1e-9, 'user at the bottom');
      assert.ok(Math.abs(drawnCpu[2]![k]! - (row[1]! + row[2]!)) < 1e-9, 'system on top of user');
      assert.ok(Math.abs(drawnCpu[3]![k]! - (row[1]! + row[2]! + row[3]!)) < 1e-9, `the top is the total at ${row[0]}`);
    });
    const bands = await page.evaluate(() => (window as any).tributary.views.get('system.cpu').plot.bands.map((b: any) => b.series));
    assert.deepEqual(bands, [[2, 1], [3, 2]], 'each dimension filled down to the one below it');

    for (const id of ['system.cpu', 'system.load', 'net.eth0']) {
      const { data, labels } = await apiForView(f, page, id);
      const last = data[data.length - 1]!;
      const legend = await page.$$eval(`.chart[data-chart="${id}"] .legend .dim`, (rows) => rows.map((r) => ({
        dim: r.getAttribute('data-dim'), raw: r.querySelector('.value')!.getAttribute('data-raw'), text: r.querySelector('.value')!.textContent,
      })));
      assert.deepEqual(legend.map((l) => l.dim), labels.slice(1), `${id} legend names every shown dimension`);
      legend.forEach((l, i) => {
        assert.equal(Number(l.raw), last[i + 1], `${id} ${l.dim} is the API's latest value`);
        assert.match(l.text!, /^-?[0-9.]+$/);
        assert.ok(Math.abs(Number(l.text) - last[i + 1]!) <= 0.05 * Math.abs(last[i + 1]!) + 0.001, `${l.text} shows ${last[i + 1]}`);
      });
      assert.equal(await page.$eval(`.chart[data-chart="${id}"] .legend .legend-units`, (e) => e.textContent),
        id === 'net.eth0' ? 'kilobits/s' : id === 'system.cpu' ? 'percentage' : 'load');
      const time = await page.$eval(`.chart[data-chart="${id}"] .legend .time`, (e) => e.textContent);
      assert.equal(time, new Date(last[0]! * 1000).toISOString().slice(0, 19).replace('T', ' '), 'latest time, to the second');
    }
    assert.equal(await page.$$eval('.chart[data-chart="system.cpu"] .legend [data-dim="guest"]', (e) => e.length), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('moves the crosshair of every chart with the pointer over one, with the hovered values to the second', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`);
    for (const id of ['system.cpu', 'system.load']) await drawn(page, id);
    const over = (await page.$('.chart[data-chart="system.cpu"] .u-over'))!;
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.chart[data-chart="system.load"] .legend[data-hover="true"]');
    const second = await page.evaluate(() => {
      const u = (window as any).tributary.views.get('system.load').plot;
      const first = (window as any).tributary.views.get('system.cpu').plot;
      const pageX = (p: any) => p.cursor.left + p.over.getBoundingClientRect().left;
      return { idx: u.cursor.idx, left: u.cursor.left, pageX: pageX(u), firstPageX: pageX(first), x: u.data[0][u.cursor.idx], load1: u.data[1][u.cursor.idx] };
    });
    assert.ok(second.idx !== null && second.left > 0, `the second chart's cursor is at ${second.left}`);
    assert.equal(second.x, await page.evaluate(() => { const u = (window as any).tributary.views.get('system.cpu').plot; return u.data[0][u.cursor.idx]; }), 'at the same time as the first');
    assert.ok(Math.abs(second.pageX - second.firstPageX) < 30, `near the same x as the first: ${second.pageX} ${second.firstPageX}`);
    const hovered = await page.$eval('.chart[data-chart="system.load"] .legend', (l) => ({
      time: l.querySelector('.time')!.textContent, load1: l.querySelector('[data-dim="load1"] .value')!.getAttribute('data-raw'),
    }));
    assert.equal(hovered.time, new Date(second.x * 1000).toISOString().slice(0, 19).replace('T', ' '), 'hover time has seconds');
    assert.equal(Number(hovered.load1), second.load1);
    assert.equal(await page.$eval('.chart[data-chart="system.load"] .u-cursor-x', (e) => e.classList.contains('u-off')), false);
    await page.mouse.move(5, 5);
    await page.waitForSelector('.chart[data-chart="system.load"] .legend[data-hover="false"]');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('zooms every chart and its requests to a dragged window, pans with shift, and goes live on double click', async () => {
    const { page, errors, dataRequests } = await openPage(browser, `${f.base}/`);
    for (const id of ['system.cpu', 'system.load', 'net.eth0']) await drawn(page, id);
    const over = (await page.$('.chart[data-chart="system.load"] .u-over'))!;
    const box = (await over.boundingBox())!;
    const y = box.y + box.height / 2;
    const expected = await page.evaluate(([x0, x1]) => {
      const u = (window as any).tributary.views.get('system.load').plot;
      const left = u.over.getBoundingClientRect().left;
      return [Math.floor(u.posToVal(x0! - left, 'x')), Math.ceil(u.posToVal(x1! - left, 'x'))];
    }, [box.x + box.width * 0.3, box.x + box.width * 0.6]);
    const before = dataRequests.length;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, y, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 4 });
    await page.mouse.up();
    const fixed = await page.evaluate(() => (window as any).tributary.timeWindow.fixed);
    assert.ok(Math.abs(fixed.after - expected[0]!) <= 1 && Math.abs(fixed.before - expected[1]!) <= 1, `window ${JSON.stringify(fixed)} ~ ${expected}`);
    for (const id of ['system.cpu', 'system.load', 'net.eth0']) {
      await waitUntil(`a request of ${id} for the window`, () => dataRequests.slice(before).some((u) => u.searchParams.get('chart') === id &&
        u.searchParams.get('after') === String(fixed.after) && u.searchParams.get('before') === String(fixed.before)));
      await waitUntil(`${id} drawn for the window`, async () => {
        const [min, max] = await page.evaluate((c) => { const u = (window as any).tributary.views.get(c).plot; return [u.scales.x.min, u.scales.x.max]; }, id);
        return min === fixed.after && max === fixed.before;
      });
    }
    assert.ok(!dataRequests.slice(before).some((u) => u.searchParams.get('after')!.startsWith('-') && dataRequests.indexOf(u) > before + 6),
      'no live requests while zoomed');

    const pan = await page.evaluate(() => { const u = (window as any).tributary.views.get('system.load').plot; return u.over.clientWidth; });
    const span = fixed.before - fixed.after;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.5, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5 + pan / 4, y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const panned = await page.evaluate(() => (window as any).tributary.timeWindow.fixed);
    assert.ok(panned.before < fixed.before && Math.abs((panned.before - panned.after) - span) <= 1, `panned back: ${JSON.stringify(panned)}`);
    await waitUntil('net.eth0 follows the pan', async () => (await page.evaluate(() =>
      (window as any).tributary.views.get('net.eth0').plot.scales.x.max)) === panned.before);

    await page.mouse.dblclick(box.x + box.width / 2, y);
    assert.equal(await page.evaluate(() => (window as any).tributary.timeWindow.fixed), null);
    const live = dataRequests.length;
    await waitUntil('live requests again', () => dataRequests.slice(live).some((u) => u.searchParams.get('after') === '-300'));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('hides a dimension clicked in the legend and stacks the others without it', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`);
    await drawn(page, 'system.cpu');
    await page.click('.chart[data-chart="system.cpu"] .legend [data-dim="system"]');
    const state = await page.evaluate(() => {
      const u = (window as any).tributary.views.get('system.cpu').plot;
      return { shown: u.series.map((s: any) => s.show), bands: u.bands.map((b: any) => b.series) };
    });
    assert.deepEqual(state.shown, [true, true, false, true]);
    assert.deepEqual(state.bands, [[3, 1]], 'nice fills down to user');
    const api = await apiForView(f, page, 'system.cpu');
    const data = await plotData(page, 'system.cpu');
    const k = api.data.length - 1;
    assert.ok(Math.abs(data[3]![k]! - (api.data[k]![1]! + api.data[k]![3]!)) < 1e-9, 'the top is user + nice');
    assert.equal(await page.$eval('.chart[data-chart="system.cpu"] .legend [data-dim="system"]', (e) => e.classList.contains('off')), true);
    await page.click('.chart[data-chart="system.cpu"] .legend [data-dim="system"]');
    assert.equal(await page.evaluate(() => (window as any).tributary.views.get('system.cpu').plot.series[2].show), true);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('waits for a second point, ticks three points on whole seconds with labels apart, and fetches only charts in view', async () => {
    const { page, errors, dataRequests } = await openPage(browser, `${f.base}/`, { width: 1280, height: 700 });
    await drawn(page, 'system.short');
    await waitUntil('system.fresh answered', () => dataRequests.some((u) => u.searchParams.get('chart') === 'system.fresh'));
    await page.waitForTimeout(300);
    assert.equal(await page.getAttribute('.chart[data-chart="system.fresh"]', 'data-state'), 'waiting');
    assert.equal(await page.$eval('.chart[data-chart="system.fresh"] .placeholder', (e) => getComputedStyle(e).display), 'flex');
    const axis = await page.evaluate(() => {
      const u = (window as any).tributary.views.get('system.short').plot;
      const a = u.axes[0];
      const ctx = u.ctx;
      ctx.font = a.font[0];
      const widths = a._values.map((v: string) => Math.max(...String(v).split('\n').map((l) => ctx.measureText(l).width)) / devicePixelRatio);
      return { splits: a._splits, values: a._values, pos: a._splits.map((s: number) => u.valToPos(s, 'x')), widths };
    });
    assert.ok(axis.splits.length >= 2, `ticks: ${axis.values}`);
    assert.ok(axis.splits.every((s: number) => Number.isInteger(s)), `whole seconds: ${axis.splits}`);
    for (let i = 1; i < axis.pos.length; i++) {
      assert.ok(axis.pos[i] - axis.pos[i - 1] > (axis.widths[i] + axis.widths[i - 1]) / 2, `labels ${axis.values[i - 1]} and ${axis.values[i]} do not overlap`);
    }
    assert.match(axis.values[0], /^\d\d:\d\d:\d\d\n\d{4}-\d\d-\d\d$/, 'the first label carries the date');
    await page.waitForTimeout(1500);
    const asked = new Set(dataRequests.map((u) => u.searchParams.get('chart')));
    assert.ok(!asked.has(`zfiller.c${FILLER_CHARTS - 1}`), `the last filler chart, far below, is not fetched: ${[...asked]}`);
    await page.$eval(`.chart[data-chart="zfiller.c${FILLER_CHARTS - 1}"]`, (e) => e.scrollIntoView());
    await drawn(page, `zfiller.c${FILLER_CHARTS - 1}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('scrolls to the anchor of the URL on load, searches charts, and serves its favicon', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/#chart-net.eth0`, { width: 1280, height: 600 });
    const top = await page.$eval('#chart-net\\.eth0', (e) => e.getBoundingClientRect().top);
    assert.ok(Math.abs(top) < 20 && (await page.evaluate(() => scrollY)) > 100, `net.eth0 at the top (${top})`);
    const type = await openPage(browser, `${f.base}/#type-zfiller`, { width: 1280, height: 600 });
    assert.ok(Math.abs(await type.page.$eval('#type-zfiller', (e) => e.getBoundingClientRect().top)) < 20);
    await type.page.close();

    await page.fill('#search', 'eth0');
    const visible = await page.$$eval('.chart:not([hidden])', (cs) => cs.map((c) => c.getAttribute('data-chart')));
    assert.deepEqual(visible, ['net.eth0']);
    await page.fill('#search', '');
    assert.equal(await page.$$eval('.chart:not([hidden])', (cs) => cs.length), 5 + FILLER_CHARTS);

    const icon = await f.get('/favicon.ico');
    assert.equal(icon.status, 200);
    assert.equal(icon.type, 'image/x-icon');
    assert.equal(await page.getAttribute('link[rel="icon"]', 'href'), 'favicon.ico');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('badges a chart with a raised alarm, lists it in the side panel, goes to the chart on a click and shows the alarm log', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`, { width: 1280, height: 600 });
    await page.waitForSelector('.chart[data-chart="system.load"] .badge.warning:not([hidden])');
    assert.equal(await page.$eval('.chart[data-chart="system.load"] .badge', (e) => e.textContent), '1');
    assert.equal(await page.$eval('.chart[data-chart="system.cpu"] .badge', (e) => (e as HTMLElement).hidden), true);
    await page.click('#alarms li[data-alarm="load_high"] a');
    await page.waitForFunction(() => location.hash === '#chart-system.load');
    assert.ok(Math.abs(await page.$eval('#chart-system\\.load', (e) => e.getBoundingClientRect().top)) < 20);
    await page.click('#alarm-log summary');
    await page.waitForSelector('#alarm-log-entries li[data-unique-id]');
    const entry = await page.$eval('#alarm-log-entries li[data-unique-id]', (e) => e.textContent);
    assert.match(entry!, /system\.load load_high.*→ WARNING/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shades the gaps /api/v1/coverage reports and names their seconds and reason', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`);
    await page.waitForSelector('.chart[data-chart="net.eth0"][data-gaps="1"]');
    const coverage = JSON.parse((await f.get('/api/v1/coverage?chart=net.eth0')).body);
    const gaps = coverage.charts[0].gaps;
    assert.equal(gaps.length, 1, JSON.stringify(gaps));
    assert.equal(await page.$eval('.chart[data-chart="net.eth0"] .gaps', (e) => e.textContent), `${gaps[0].seconds} s missing`);
    assert.match((await page.$eval('.chart[data-chart="net.eth0"] .gaps', (e) => e.getAttribute('title')))!, new RegExp(`${gaps[0].seconds} s, ${gaps[0].reason}`));
    assert.equal(await page.$eval('.chart[data-chart="system.load"] .gaps', (e) => (e as HTMLElement).hidden), true);
    // the shade sits behind the plot where the gap is: its pixels differ from the same row outside it
    const [inside, outside] = await page.evaluate((g) => {
      const u = (window as any).tributary.views.get('net.eth0').plot;
      const ctx = u.ctx as CanvasRenderingContext2D;
      const y = u.bbox.top + 2;
      const pixel = (t: number) => Array.from(ctx.getImageData(Math.round(u.valToPos(t, 'x', true)), y, 1, 1).data);
      return [pixel((g.from + g.to) / 2), pixel(g.from - 20)];
    }, gaps[0]);
    assert.notDeepEqual(inside, outside, 'the gap is shaded');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('follows the dark system theme, and fits a phone\'s width with each legend below its chart', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`, { width: 1280, height: 900 }, 'dark');
    await drawn(page, 'system.cpu');
    const dark = await page.$eval('body', (b) => getComputedStyle(b).backgroundColor);
    const darkGrid = await page.evaluate(() => (window as any).tributary.views.get('system.cpu').plot.axes[1].grid.stroke());
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await page.$eval('body', (b) => getComputedStyle(b).backgroundColor);
    assert.equal(dark, 'rgb(20, 24, 29)');
    assert.equal(light, 'rgb(246, 247, 249)');
    assert.equal(darkGrid, '#2a333c', 'the canvas grid in the dark colours');
    await waitUntil('the charts redrawn in light colours', async () => (await page.evaluate(() =>
      (window as any).tributary.views.get('system.cpu').plot.axes[1].grid.stroke())) === '#e6e6e6');

    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(300);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'nothing wider than the phone');
    const [plot, legend] = await page.$$eval('.chart[data-chart="system.cpu"] .plot, .chart[data-chart="system.cpu"] .legend',
      (es) => es.map((e) => e.getBoundingClientRect().toJSON()));
    assert.ok(legend.top >= plot.bottom - 1, 'the legend is below the chart');
    assert.ok(plot.width > 300, `the chart spans the width (${plot.width} px)`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('switches hosts from the host menu', async () => {
    const { page, errors } = await openPage(browser, `${f.base}/`);
    assert.deepEqual(await page.$$eval('#hosts li', (ls) => ls.map((l) => l.getAttribute('data-host'))), ['web-test', 'child-one']);
    assert.match(await page.$eval('#hosts li[data-host="child-one"] .meta', (e) => e.textContent!), /not connected · hops 1 · last data/);
    await page.click('#hosts li[data-host="child-one"] a');
    await page.waitForURL(`${f.base}/host/child-one/`);
    await drawn(page, 'child.temp');
    assert.deepEqual(JSON.parse((await page.getAttribute('.chart[data-chart="child.temp"]', 'data-last-values'))!), [25.9]);
    assert.equal(await page.$eval('#title', (e) => e.textContent), 'child-one');
    assert.equal(await page.$eval('#hosts li.current', (e) => e.getAttribute('data-host')), 'child-one');
    await page.click('#hosts li[data-host="web-test"] a');
    await page.waitForURL(`${f.base}/`);
    await drawn(page, 'system.load');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('dashboard over HTTPS in headless Chromium', { skip: noChromium }, () => {
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
    const port = f!.server.ports()[0]!;
    const httpsBase = `https://127.0.0.1:${port}`;
    // the test CA is not in chromium's store: certificate errors are ignored for this browser only
    const browser = await launchChromium(['--ignore-certificate-errors']);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 }, ignoreHTTPSErrors: true });
      const first = await page.goto(`http://127.0.0.1:${port}/`);
      assert.equal(new URL(page.url()).protocol, 'https:', `redirected to ${page.url()}`);
      assert.equal(first?.request().redirectedFrom()?.url(), `http://127.0.0.1:${port}/`);
      await page.waitForSelector('body[data-ready="true"]');
      // answers to different connections may come in any order (query threads): wait for both
      for (const id of ['system.load', 'net.eth0']) await drawn(page, id);
      for (const id of ['system.load', 'net.eth0']) {
        const shown = JSON.parse((await page.getAttribute(`.chart[data-chart="${id}"]`, 'data-last-values'))!);
        const url = await page.evaluate((c) => (window as any).tributary.views.get(c).url(), id);
        const api = await page.evaluate(async (u) => {
          const res = await fetch(u);
          return { status: res.status, url: res.url, body: await res.json() };
        }, url);
        assert.equal(api.status, 200);
        assert.ok(api.url.startsWith(`${httpsBase}/api/v1/data`), api.url);
        assert.deepEqual(shown, api.body.data[api.body.data.length - 1].slice(1));
      }
    } finally {
      await browser.close();
    }
  });
});
