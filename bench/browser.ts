/**
 * The dashboard in headless Chromium: 100 charts (4 dimensions each; line, area and stacked)
 * collected every second, the page at 1 s refresh. For each scenario it prints the page's
 * main-thread busy time per second (Chromium's TaskDuration, from the DevTools protocol) and
 * the requests per second it makes. Scenarios, in a 1280x900 window: the page as an operator
 * opens it (only the charts in view are fetched and drawn), and the page scrolled one screen
 * down every second, wrapping at the bottom (charts entering the view are fetched and drawn,
 * those leaving it are left alone).
 *
 * Run: npx tsc -p . && node dist/bench/browser.js [--seconds 60]
 */
import * as path from 'node:path';
import { createHostRegistry } from '../src/database/index.js';
import { createParser } from '../src/protocol/index.js';
import { loadNetdataConfig } from '../src/config/index.js';
import { createWebServer } from '../src/web/index.js';
import { REPO_ROOT } from '../src/web/test-fixture.js';
import { launchChromium, noChromium } from '../src/web/chromium.js';

const CHARTS = 100;
const DIMENSIONS = 4;
const HISTORY_SECS = 600;
const TYPES = ['line', 'area', 'stacked'];
const SETTLE_MS = 3000;

function argSeconds(): number {
  const i = process.argv.indexOf('--seconds');
  const n = i > 0 ? Number(process.argv[i + 1]) : 60;
  if (!Number.isFinite(n) || n < 5 || n > 3600) throw new Error(`--seconds must be 5..3600, got ${process.argv[i + 1]}`);
  return n;
}

/** A registry with CHARTS charts and HISTORY_SECS of history, then fed every second on the wall clock. */
function startCollecting(): { registry: ReturnType<typeof createHostRegistry>; stop(): void } {
  const registry = createHostRegistry(
    { hostname: 'bench-browser', machineGuid: '00000000-0000-0000-0000-0000b0a0e5e0' },
    { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  let backS = HISTORY_SECS;
  const parser = createParser({
    source: 'bench', host: registry.localhost, trustedDurations: false, defaultUpdateEverySecs: 1,
    defaultPluginName: 'bench.plugin', nowUs: () => (Math.floor(Date.now() / 1000) - backS) * 1e6,
  });
  let text = '';
  for (let c = 0; c < CHARTS; c++) {
    const type = `bench${Math.floor(c / 10)}`;
    text += `CHART ${type}.c${c} "" "Chart ${c}" "things" f${c % 3} ${type}.c${c} ${TYPES[c % TYPES.length]} ${1000 + c} 1\n`;
    for (let d = 0; d < DIMENSIONS; d++) text += `DIMENSION d${d} "" absolute 1 1000\n`;
  }
  parser.feed(Buffer.from(text));
  let i = 0;
  const iteration = () => {
    let block = '';
    for (let c = 0; c < CHARTS; c++) {
      block += `BEGIN bench${Math.floor(c / 10)}.c${c}\n`;
      for (let d = 0; d < DIMENSIONS; d++) block += `SET d${d} = ${Math.round(1000 * (d + 2) * (1.2 + Math.sin(i / 30 + c + d)))}\n`;
      block += 'END\n';
    }
    parser.feed(Buffer.from(block));
    i++;
  };
  for (; backS > 0; backS--) iteration();
  const timer = setInterval(iteration, 1000);
  return { registry, stop: () => clearInterval(timer) };
}

async function scenario(base: string, name: string, scrolling: boolean, seconds: number): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let requests = 0;
    let dataRequests = 0;
    page.on('request', (r) => {
      if (!r.url().includes('/api/v1/')) return;
      requests++;
      if (r.url().includes('/api/v1/data?')) dataRequests++;
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForTimeout(SETTLE_MS);
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const m0 = await metrics();
    const r0 = requests;
    const d0 = dataRequests;
    const t0 = Date.now();
    const scroller = scrolling ? setInterval(() => {
      void page.evaluate(() => scrollTo(0, scrollY + innerHeight >= document.body.scrollHeight ? 0 : scrollY + innerHeight)).catch(() => {});
    }, 1000) : undefined;
    await page.waitForTimeout(seconds * 1000);
    clearInterval(scroller);
    const m1 = await metrics();
    const elapsed = (Date.now() - t0) / 1000;
    const drawn = await page.$$eval('.chart[data-state="drawn"]', (cs) => cs.length);
    const ratio = await page.evaluate(() => devicePixelRatio);
    const busy = (k: string) => ((m1[k]! - m0[k]!) * 1000 / elapsed).toFixed(1);
    console.log(`${name}: ${drawn} of ${CHARTS} charts drawn at least once (device pixel ratio ${ratio}); over ${elapsed.toFixed(1)} s: main thread busy ${busy('TaskDuration')} ms/s ` +
      `(script ${busy('ScriptDuration')}, layout ${busy('LayoutDuration')}, style ${busy('RecalcStyleDuration')}); ` +
      `${((requests - r0) / elapsed).toFixed(1)} requests/s (${((dataRequests - d0) / elapsed).toFixed(1)} /api/v1/data); ` +
      `JS heap ${(m1.JSHeapUsedSize! / 1048576).toFixed(1)} MiB`);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  if (noChromium) {
    console.log(`browser benchmark skipped: ${noChromium}`);
    return;
  }
  const seconds = argSeconds();
  const collecting = startCollecting();
  const config = loadNetdataConfig(null, [
    ['global', 'hostname', 'bench-browser'], ['web', 'bind to', '127.0.0.1:0'],
    ['directories', 'web', path.join(REPO_ROOT, 'web')],
  ]);
  const server = createWebServer(config, {
    registry: collecting.registry, version: 'v1.37.1-tributary', effectiveConfig: () => '', accessLog: () => {},
  });
  await server.start();
  const base = `http://127.0.0.1:${server.ports()[0]}`;
  console.log(`dashboard of ${CHARTS} charts x ${DIMENSIONS} dimensions, collected every second, page refresh 1 s, ${seconds} s per scenario`);
  try {
    await scenario(base, 'top of the page, still', false, seconds);
    await scenario(base, 'scrolled one screen down every second', true, seconds);
  } finally {
    collecting.stop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
