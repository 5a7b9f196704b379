/**
 * Memory mode `map` keeps replicated points across a real `kill -9`: a child process (this
 * build's database, run from an inline script) stores live iterations, checkpoints, then stores
 * replicated points after, inside and before them, reports once the journal write for them has
 * run, and is killed with SIGKILL; this process then opens the same cache directory.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHostRegistry } from './index.js';
import { chartDefinition, dimensionDefinition } from './test-fixture.js';
import type { HostSettings } from './types.js';

const INDEX_URL = new URL('./index.js', import.meta.url).href;
const LOCAL = { hostname: 'parent', machineGuid: '10000000-0000-0000-0000-000000000001' };
const SETTINGS: HostSettings = { memoryMode: 'map', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 };
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The child: live iterations 0..19 at T0+i+0.5 s (slots T0+1..T0+19 hold a = 10 i), a
 * checkpoint, then replicated points: T0+25 (after a gap), T0+21 (into the gap, an entry the
 * checkpoint wrote), T0-5 (before the first slot). Prints `stored` after the journal's write.
 */
const CHILD_SCRIPT = `
const { createHostRegistry } = await import(process.argv[1]);
const o = JSON.parse(process.argv[2]);
const registry = createHostRegistry(o.local, o.settings, { persistence: { cacheDir: o.cacheDir, checkpointEverySecs: 0 } });
const chart = registry.localhost.defineChart(o.chart);
for (const d of o.dimensions) chart.defineDimension(d);
for (let i = 0; i < 20; i++) {
  const nowUs = (o.t0 + i) * 1e6 + 500000;
  chart.begin(i === 0 ? 0 : 1000000, true, nowUs);
  chart.set(0, 10 * i);
  chart.end(nowUs);
}
registry.flush();
const outcomes = [chart.storeReplayed(o.t0 + 25, [250]), chart.storeReplayed(o.t0 + 21, [210]), chart.storeReplayed(o.t0 - 5, [-50])];
setImmediate(() => process.stdout.write('stored ' + outcomes.join(' ') + '\\n'));
setInterval(() => undefined, 1 << 30);
`;

describe('memory mode map: replicated points across a kill -9', () => {
  it('every replicated point stored before the kill comes back, wherever it went in the ring', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-process-'));
    dirs.push(cacheDir);
    const t0 = Math.floor(Date.now() / 1000) - 100;
    const chart = chartDefinition('replay.test');
    const options = { local: LOCAL, settings: SETTINGS, cacheDir, t0, chart, dimensions: [dimensionDefinition('a')] };
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT, INDEX_URL, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (data: string) => (err += data));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (data: string) => {
        out += data;
        if (out.includes('\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`the child exited early: ${out}${err}`)));
    });
    assert.equal(out, 'stored appended filled filled\n');
    child.kill('SIGKILL');
    await exited;

    const registry = createHostRegistry(LOCAL, SETTINGS, { persistence: { cacheDir, checkpointEverySecs: 0 } });
    const restored = registry.localhost.defineChart(chart);
    restored.defineDimension(dimensionDefinition('a'));
    const found: number[] = [];
    for (let t = restored.firstEntryS(); t > 0 && t <= restored.lastEntryS(); t++) found.push(restored.valueAt(0, t));
    const live = Array.from({ length: 19 }, (_, k) => 10 * (k + 1));
    assert.equal(restored.firstEntryS(), t0 - 5);
    assert.deepEqual(found, [-50, NaN, NaN, NaN, NaN, NaN, ...live, NaN, 210, NaN, NaN, NaN, 250]);
    registry.close();
  });
});
