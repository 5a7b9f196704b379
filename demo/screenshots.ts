/**
 * `npm run screenshots`: starts the demo's eight agents in a temporary directory, lets H (the
 * central parent) collect for a while, and writes PNGs of its dashboard in headless Chromium,
 * light and dark: H's own charts, a mirrored host's charts with the host menu of all eight
 * hosts, and the topology view. Every agent is stopped by PID before it exits.
 *
 * Usage: npm run screenshots [-- --out DIR] [-- --collect SECONDS]   (default: screenshots/, 40 s)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, noChromium } from '../src/web/chromium.js';
import { startLineCapture, type DemoBackend } from './backend.js';
import { REPO, startDemo, type DemoCluster } from './nodes.js';

const VIEWPORT = { width: 1280, height: 800 };
const THEMES = ['light', 'dark'] as const;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function waitForHosts(url: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await fetch(`${url}api/v1/info`).then((r) => r.json()).catch(() => undefined);
    if (info?.mirrored_hosts?.length >= count && info.mirrored_hosts_status.every((h: { reachable: boolean }) => h.reachable)) return;
    if (Date.now() > deadline) throw new Error(`${url}: not all ${count} hosts connected after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function shoot(browser: Browser, url: string, file: string, theme: typeof THEMES[number], ready: string): Promise<void> {
  const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: theme });
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector(ready);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: file });
    process.stdout.write(`wrote ${file}\n`);
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  if (noChromium) throw new Error(`screenshots need Chromium: ${noChromium}`);
  const out = resolve(option('--out', join(REPO, 'screenshots')));
  const collectSecs = Number(option('--collect', '40'));
  if (!Number.isFinite(collectSecs) || collectSecs < 0 || collectSecs > 3600) throw new Error(`--collect must be 0..3600 seconds`);
  mkdirSync(out, { recursive: true });
  const root = mkdtempSync(join(tmpdir(), 'tributary-screenshots-'));
  let backend: DemoBackend | undefined;
  let cluster: DemoCluster | undefined;
  const started: { stop(): Promise<void> }[] = [];
  let browser: Browser | undefined;
  try {
    backend = await startLineCapture(join(root, 'backend'));
    cluster = await startDemo({
      root, pluginsDirs: [join(REPO, 'plugins.d')], webDir: join(REPO, 'web'), stockHealthDir: join(REPO, 'health.d'),
      updateEverySecs: 1, historyEntries: 3600,
      backend: { host: '127.0.0.1', port: backend.port, updateEverySecs: 10 },
      postponeAlarmsSecs: 60, reconnectDelaySecs: 1,
    }, (agent) => started.push(agent));
    const h = cluster.agents.h.url!;
    await waitForHosts(h, 8, 60_000);
    process.stdout.write(`eight hosts at ${h}; collecting for ${collectSecs} s\n`);
    await new Promise((r) => setTimeout(r, collectSecs * 1000));
    browser = await launchChromium();
    for (const theme of THEMES) {
      await shoot(browser, h, join(out, `dashboard-${theme}.png`), theme, '.chart[data-state="drawn"]');
      await shoot(browser, `${h}host/demo-a/`, join(out, `parent-host-${theme}.png`), theme, '.chart[data-state="drawn"]');
      await shoot(browser, `${h}topology.html`, join(out, `topology-${theme}.png`), theme, '#tree li[data-hops="3"]');
    }
  } finally {
    await browser?.close();
    await Promise.all(started.map((a) => a.stop()));
    await backend?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`screenshots: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
