/**
 * Test and benchmark support for the dashboard: Debian's Chromium driven by playwright-core,
 * pages that record their console errors and /api/v1/data requests. Not exported from index.ts.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the browser cannot run here, or false. */
export const noChromium: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`;

/** Starts headless Chromium (its process ends with `browser.close()`). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** An open page with what it logged as errors and the /api/v1/data requests it made. */
export interface RecordedPage {
  page: Page;
  errors: string[];
  dataRequests: URL[];
}

/** Opens `url` and waits for the page's `body[data-ready]`. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 1600 },
  colorScheme: 'light' | 'dark' = 'light'): Promise<RecordedPage> {
  const page = await browser.newPage({ viewport, colorScheme });
  const errors: string[] = [];
  const dataRequests: URL[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (r.url().includes('/api/v1/data?')) dataRequests.push(new URL(r.url())); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, errors, dataRequests };
}

/** Polls `probe` every 50 ms until it is true (fails after `timeoutMs`). */
export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
