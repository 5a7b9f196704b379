/**
 * The spool across real process deaths and as a user who may not write: the fixture
 * test/fixtures/spool/appender.mjs appends on a fixed schedule and is stopped with SIGTERM (a
 * clean stop) or SIGKILL; a second run opens the same spool and prints what it finds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAfter } from '../../test/support/cleanup.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROOT = path.resolve(DIST, '..');
const APPENDER = path.join(ROOT, 'test/fixtures/spool/appender.mjs');
const NOBODY = 65534;
const { children, dirs } = cleanupAfter();

interface AppenderOptions {
  mode: 'append' | 'dump' | 'probe';
  directory: string;
  charts: number;
  dims: number;
  startS: number;
  paceMs?: number;
  iterations?: number;
  from?: number;
}

interface Dump {
  charts: Record<string, number[][]>;
  stats: { points: number; droppedPoints: number; writable: boolean };
  logs: string[];
}

/** A running appender: the points it reported written, and its exit. */
class Appender {
  readonly child: ChildProcess;
  readonly points: number[] = [];
  readonly exited: Promise<number | null>;
  output = '';
  #waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(options: AppenderOptions, spawnOptions: SpawnOptions = {}) {
    this.child = spawn(process.execPath, [APPENDER, JSON.stringify({ dist: DIST, ...options })], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
    children.add(this.child);
    this.child.stderr!.setEncoding('utf8').on('data', (data: string) => { this.output += data; });
    this.child.stdout!.setEncoding('utf8').on('data', (data: string) => this.#read(data));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  #read(data: string): void {
    this.output += data;
    for (const m of data.matchAll(/^point (\d+)$/gm)) this.points.push(Number(m[1]));
    this.#waiters = this.#waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  }
}

async function run(options: AppenderOptions, spawnOptions?: SpawnOptions): Promise<Dump> {
  const appender = new Appender(options, spawnOptions);
  assert.equal(await appender.exited, 0, appender.output);
  return JSON.parse(appender.output) as Dump;
}

function options(extra: Partial<AppenderOptions> = {}): AppenderOptions {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-process-'));
  dirs.push(root);
  return { mode: 'append', directory: path.join(root, 'spool'), charts: 5, dims: 8, startS: 1_700_000_000, paceMs: 2, iterations: 100_000, ...extra };
}

/** The rows the appender wrote for chart `c` at the given times. */
function fed(c: number, dims: number, startS: number, times: number[]): number[][] {
  return times.map((t) => [t, ...Array.from({ length: dims }, (_, d) => (t - startS) * 4 + c + d / 4)]);
}

describe('Spool across processes', () => {
  it('kill -9 while appending fast: every point reported written comes back, nothing else', async () => {
    const o = options();
    const appender = new Appender(o);
    await appender.until(() => appender.points.length >= 400);
    const seen = appender.points.at(-1)!;
    process.kill(appender.child.pid!, 'SIGKILL');
    await appender.exited;
    const found = await run({ ...o, mode: 'dump' });
    for (let c = 0; c < o.charts; c++) {
      const rows = found.charts[`chart.${c}`];
      const last = rows.at(-1)![0];
      assert.ok(last >= seen, `chart.${c}: restored up to ${last}, the appender had reported ${seen}`);
      assert.deepEqual(rows, fed(c, o.dims, o.startS, rows.map((_, i) => o.startS + i)));
    }
  });

  it('kill -9 in real time (1 point a second): points up to at most 2 s before the kill come back', async () => {
    const o = options({ startS: Math.floor(Date.now() / 1000), paceMs: 1000 });
    const appender = new Appender(o);
    await appender.until(() => appender.points.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const killedAtS = Date.now() / 1000;
    process.kill(appender.child.pid!, 'SIGKILL');
    await appender.exited;
    const rows = (await run({ ...o, mode: 'dump' })).charts['chart.2'];
    assert.ok(rows.at(-1)![0] >= killedAtS - 2, `last restored point ${rows.at(-1)![0]}, killed at ${killedAtS}`);
    assert.deepEqual(rows, fed(2, o.dims, o.startS, rows.map((_, i) => o.startS + i)));
  });

  it('SIGTERM: the spool is closed and the next run finds every point', async () => {
    const o = options({ iterations: 150 });
    const appender = new Appender(o);
    await appender.until(() => appender.points.length === 150);
    process.kill(appender.child.pid!, 'SIGTERM');
    assert.equal(await appender.exited, 0);
    assert.ok(appender.output.includes('closed'));
    const found = await run({ ...o, mode: 'dump' });
    assert.deepEqual(found.charts['chart.4'], fed(4, o.dims, o.startS, appender.points));
    assert.equal(found.stats.points, 150 * o.charts);
  });

  it('a read-only spool directory: old points are read, new ones counted as dropped, the process carries on', async () => {
    const o = options({ iterations: 20 });
    await run({ ...o, mode: 'probe', from: 0 }); // writes 20 seconds
    const root = path.dirname(o.directory);
    let spawnOptions: SpawnOptions = {};
    if (process.getuid?.() === 0) {
      // root ignores mode bits: the probe runs as nobody, for whom root's 0755 directory is read-only
      fs.chmodSync(root, 0o755);
      spawnOptions = { uid: NOBODY, gid: NOBODY };
    } else {
      fs.chmodSync(o.directory, 0o555);
    }
    try {
      const found = await run({ ...o, mode: 'probe', from: 20, iterations: 3 }, spawnOptions);
      assert.deepEqual(found.charts['chart.0'], fed(0, o.dims, o.startS, Array.from({ length: 20 }, (_, i) => o.startS + i)));
      assert.deepEqual([found.stats.writable, found.stats.droppedPoints], [false, 3 * o.charts]);
      const errors = found.logs.filter((l) => l.includes('ERROR'));
      assert.equal(errors.length, 1, found.logs.join(''));
      assert.match(errors[0], new RegExp(`cannot write to spool directory '${o.directory}' \\(EACCES`));
    } finally {
      fs.chmodSync(o.directory, 0o755);
    }
  });
});
