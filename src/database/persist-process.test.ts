/**
 * Memory modes `save` and `map` across real process deaths: the fixture
 * test/fixtures/persist/feeder.mjs feeds a chart on a fixed schedule and is stopped with SIGTERM
 * (a clean stop) or SIGKILL; a second run restores and prints what it finds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAfter } from '../../test/support/cleanup.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FEEDER = path.join(ROOT, 'test/fixtures/persist/feeder.mjs');
const { children, dirs } = cleanupAfter();

interface FeederOptions {
  cacheDir: string;
  mode: 'save' | 'map';
  history: number;
  startS: number;
  paceMs: number;
  iterations: number;
  mirrored?: boolean;
  childHistory?: number;
}

interface Dump {
  restored: string[];
  hosts: { hostname: string; guid: string; connected: boolean; charts: string[] }[];
  chart: { first: number; last: number; values: [number, number | null, number | null][] } | null;
}

/** A running feeder: its `slot` lines as they come, and its exit. */
class Feeder {
  readonly child: ChildProcess;
  readonly slots = new Map<number, [number, number]>();
  readonly exited: Promise<number | null>;
  #out = '';
  #waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(options: FeederOptions) {
    this.child = spawn(process.execPath, [FEEDER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.child);
    this.child.stderr!.on('data', () => undefined);
    this.child.stdout!.setEncoding('utf8').on('data', (data: string) => this.#read(data));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get output(): string {
    return this.#out;
  }

  /** Resolves once `test` holds (checked after every chunk of output). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  kill(signal: NodeJS.Signals): void {
    process.kill(this.child.pid!, signal);
  }

  #read(data: string): void {
    this.#out += data;
    for (const line of data.split('\n')) {
      const m = /^slot (\d+) (\S+) (\S+)$/.exec(line);
      if (m) this.slots.set(Number(m[1]), [Number(m[2]), Number(m[3])]);
    }
    this.#waiters = this.#waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  }
}

async function dump(options: FeederOptions): Promise<Dump> {
  const feeder = new Feeder({ ...options, ...{ dump: true } } as FeederOptions);
  assert.equal(await feeder.exited, 0);
  return JSON.parse(feeder.output) as Dump;
}

function options(mode: 'save' | 'map', extra: Partial<FeederOptions> = {}): FeederOptions {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-process-'));
  dirs.push(cacheDir);
  const nowS = Math.floor(Date.now() / 1000);
  return { cacheDir, mode, history: 3600, startS: nowS - 1000, paceMs: 2, iterations: 100_000, ...extra };
}

/** The fed slots as the dump prints them (NaN never appears in a fed slot). */
function fedValues(feeder: Feeder, upTo = Infinity): [number, number, number][] {
  return [...feeder.slots].filter(([t]) => t <= upTo).map(([t, [a, b]]) => [t, a, b]);
}

describe('memory mode save across processes', () => {
  it('SIGTERM writes the database; the next run gives back every sample', async () => {
    const o = options('save', { iterations: 150 });
    const feeder = new Feeder(o);
    await feeder.until(() => feeder.output.includes('done'));
    feeder.kill('SIGTERM');
    assert.equal(await feeder.exited, 0);
    assert.ok(feeder.output.includes('closed'));
    const found = await dump(o);
    assert.equal(feeder.slots.size, 149);
    assert.deepEqual(found.chart!.values, fedValues(feeder));
  });

  it('a mirrored host comes back not connected, with its own history and every sample', async () => {
    // the data must be younger than the 40-slot ring when the second run loads it
    const o = options('save', { iterations: 60, mirrored: true, childHistory: 40, startS: Math.floor(Date.now() / 1000) - 62 });
    const feeder = new Feeder(o);
    await feeder.until(() => feeder.output.includes('done'));
    feeder.kill('SIGTERM');
    await feeder.exited;
    const found = await dump(o);
    assert.deepEqual(found.restored, ['child']);
    assert.deepEqual(
      found.hosts.map((h) => [h.hostname, h.connected, h.charts]),
      [['parent', true, []], ['child', false, ['persist.test']]],
    );
    // history 40: the newest 40 of the 59 stored slots
    assert.equal(found.chart!.values.length, 40);
    assert.deepEqual(found.chart!.values, fedValues(feeder).slice(-40));
  });
});

describe('memory mode map across processes', () => {
  it('kill -9 while collecting fast: every iteration printed before the kill comes back', async () => {
    const o = options('map');
    const feeder = new Feeder(o);
    await feeder.until(() => feeder.slots.size >= 300);
    const seen = Math.max(...feeder.slots.keys());
    feeder.kill('SIGKILL');
    await feeder.exited;
    const found = await dump(o);
    const chart = found.chart!;
    assert.ok(chart.last >= seen, `restored up to ${chart.last}, the feeder had printed ${seen}`);
    assert.deepEqual(chart.values, fedValues(feeder, chart.last));
  });

  it('kill -9 in real time (update every 1 s): samples up to at most 2 s before the kill come back', async () => {
    const o = options('map', { startS: Math.floor(Date.now() / 1000), paceMs: 1000 });
    const feeder = new Feeder(o);
    await feeder.until(() => feeder.slots.size >= 3);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const killedAtS = Date.now() / 1000;
    feeder.kill('SIGKILL');
    await feeder.exited;
    const found = await dump(o);
    const chart = found.chart!;
    assert.ok(chart.last >= killedAtS - 2, `last restored slot ${chart.last}, killed at ${killedAtS}`);
    assert.deepEqual(chart.values, fedValues(feeder, chart.last));
  });

  it('a mirrored host killed with -9 comes back not connected with its samples', async () => {
    const o = options('map', { mirrored: true });
    const feeder = new Feeder(o);
    await feeder.until(() => feeder.slots.size >= 100);
    feeder.kill('SIGKILL');
    await feeder.exited;
    const found = await dump(o);
    assert.equal(found.hosts.find((h) => h.hostname === 'child')?.connected, false);
    assert.deepEqual(found.chart!.values, fedValues(feeder, found.chart!.last));
    assert.ok(found.chart!.values.length >= 100);
  });
});
