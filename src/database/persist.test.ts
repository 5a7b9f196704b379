/**
 * Memory modes `save` and `map` in one process: what comes back after a clean stop, after a stop
 * without one (the journal), which files are reset and with which log line, and mirrored hosts
 * restored as not connected. Real files in a temp directory; real processes are in
 * persist-process.test.ts.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { setLogSink } from '../log.js';
import { createHostRegistry, type ManagedHostRegistry } from './registry.js';
import { chartDefinition, dimensionDefinition } from './test-fixture.js';
import type { Chart, Host, HostSettings, MemoryMode } from './types.js';

const T0 = 1_700_000_000;
const LOCAL = { hostname: 'parent', machineGuid: '10000000-0000-0000-0000-000000000001' };
const CHILD = { hostname: 'child', machineGuid: '20000000-0000-0000-0000-000000000002', hops: 1 };

let dir = '';
let logs: string[] = [];
let restoreSink: ReturnType<typeof setLogSink> | null = null;
let nowS = T0 + 100;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-'));
  logs = [];
  nowS = T0 + 100;
  restoreSink = setLogSink((line) => logs.push(line));
});
afterEach(() => {
  if (restoreSink) setLogSink(restoreSink);
  fs.rmSync(dir, { recursive: true, force: true });
});

function settings(memoryMode: MemoryMode, historyEntries = 100): HostSettings {
  return { memoryMode, historyEntries, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 };
}

function registry(mode: MemoryMode, historyEntries = 100): ManagedHostRegistry {
  return createHostRegistry(LOCAL, settings(mode, historyEntries), {
    nowS: () => nowS,
    persistence: { cacheDir: dir, nowS: () => nowS, checkpointEverySecs: 0 },
  });
}

function define(host: Host, id = 'test.chart', dims = ['a', 'b']): Chart {
  const chart = host.defineChart(chartDefinition(id));
  for (const d of dims) chart.defineDimension(dimensionDefinition(d));
  return chart;
}

/** Iterations i = from..to-1 at T0 + i + 0.5 s, a = 10 i, b = i (slot T0 + i stores a = 10 i, b = i). */
function feed(chart: Chart, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const nowUs = (T0 + i) * 1_000_000 + 500_000;
    chart.begin(i === from ? 0 : 1_000_000, true, nowUs);
    chart.set(0, 10 * i);
    if (chart.dimensions.length > 1) chart.set(1, i);
    chart.end(nowUs);
  }
}

function values(chart: Chart, index: number): number[] {
  const out: number[] = [];
  for (let t = chart.firstEntryS(); t > 0 && t <= chart.lastEntryS(); t++) out.push(chart.valueAt(index, t));
  return out;
}

function expectedA(fromSlot: number, toSlot: number): number[] {
  const out: number[] = [];
  for (let i = fromSlot; i <= toSlot; i++) out.push(10 * i);
  return out;
}

for (const mode of ['save', 'map'] as const) {
  describe(`memory mode ${mode}`, () => {
    it('gives back every sample after a clean stop (close)', () => {
      const first = registry(mode);
      feed(define(first.localhost), 0, 30);
      first.close();
      const chart = define(registry(mode).localhost);
      assert.equal(chart.firstEntryS(), T0 + 1);
      assert.equal(chart.lastEntryS(), T0 + 29);
      assert.deepEqual(values(chart, 0), expectedA(1, 29));
      assert.equal(chart.valueAt(1, T0 + 29), 29);
    });

    it('continues the same series after a restart: the time in between is a gap', () => {
      const first = registry(mode);
      feed(define(first.localhost), 0, 10);
      first.close();
      nowS = T0 + 20;
      const chart = define(registry(mode).localhost);
      feed(chart, 15, 18);
      assert.equal(chart.firstEntryS(), T0 + 1);
      assert.equal(chart.lastEntryS(), T0 + 17);
      assert.deepEqual(values(chart, 0).slice(0, 9), expectedA(1, 9));
      // 10..15 are gaps (the restart; 15 is the first collection's own slot); 16 and 17 are stored again
      assert.deepEqual(values(chart, 0).slice(9), [NaN, NaN, NaN, NaN, NaN, NaN, 160, 170]);
    });

    it('resets a chart whose history differs, with a log line naming the file', () => {
      const first = registry(mode);
      feed(define(first.localhost), 0, 10);
      first.close();
      const chart = define(registry(mode, 50).localhost);
      assert.equal(chart.lastEntryS(), 0);
      const header = path.join(dir, LOCAL.machineGuid, 'test.chart', 'chart.hdr');
      assert.ok(logs.some((l) => l.includes(`WARN : database: chart 'test.chart': file '${header}': history 100 differs from 50; resetting the chart`)), logs.join(''));
    });

    it('resets a chart whose data is older than the whole ring', () => {
      const first = registry(mode);
      feed(define(first.localhost), 0, 10);
      first.close();
      nowS = T0 + 9 + 101;
      const chart = define(registry(mode).localhost);
      assert.equal(chart.lastEntryS(), 0);
      assert.ok(logs.some((l) => l.includes(`(last slot ${T0 + 9}) is older than the whole ring; resetting the chart`)), logs.join(''));
    });
  });
}

/** Replicated points around live slots T0+1..T0+9: appended after a gap, filled into it, before the first. */
function replay(chart: Chart): void {
  assert.equal(chart.storeReplayed(T0 + 12, [120, 12]), 'appended');
  assert.equal(chart.storeReplayed(T0 + 11, [110, 11]), 'filled');
  assert.equal(chart.storeReplayed(T0 - 2, [-20, -2]), 'filled');
}
const REPLAYED_A = [-20, NaN, NaN, ...expectedA(1, 9), NaN, 110, 120];

for (const mode of ['save', 'map'] as const) {
  describe(`memory mode ${mode}: replicated points`, () => {
    it('come back after a clean stop, wherever they went in the ring', () => {
      const first = registry(mode);
      const chart = define(first.localhost);
      feed(chart, 0, 10);
      replay(chart);
      first.close();
      const again = define(registry(mode).localhost);
      assert.equal(again.firstEntryS(), T0 - 2);
      assert.equal(again.lastEntryS(), T0 + 12);
      assert.deepEqual(values(again, 0), REPLAYED_A);
      assert.equal(again.valueAt(1, T0 + 11), 11);
    });
  });
}

describe('memory mode map: replicated points without a clean stop', () => {
  it('come back from the journal, also those written into slots a checkpoint already wrote', async () => {
    const first = registry('map', 20);
    const chart = define(first.localhost);
    feed(chart, 0, 10);
    assert.equal(chart.storeReplayed(T0 + 12, [120, 12]), 'appended');
    first.flush(); // T0+10 and T0+11 reach the files as gaps
    assert.equal(chart.storeReplayed(T0 + 11, [110, 11]), 'filled');
    assert.equal(chart.storeReplayed(T0 - 2, [-20, -2]), 'filled');
    await tick();
    nowS = T0 + 13;
    const again = define(registry('map', 20).localhost);
    assert.deepEqual(values(again, 0), REPLAYED_A);
    assert.ok(logs.some((l) => l.includes('replayed 2 iterations into 1 charts')), logs.join(''));
  });

  it('a checkpoint after them writes them into the files (the journal is empty then)', async () => {
    const first = registry('map', 20);
    const chart = define(first.localhost);
    feed(chart, 0, 10);
    assert.equal(chart.storeReplayed(T0 + 12, [120, 12]), 'appended');
    first.flush();
    assert.equal(chart.storeReplayed(T0 + 11, [110, 11]), 'filled');
    assert.equal(chart.storeReplayed(T0 - 2, [-20, -2]), 'filled');
    first.flush();
    assert.equal(fs.statSync(path.join(dir, LOCAL.machineGuid, 'journal')).size, 0);
    nowS = T0 + 13;
    const again = define(registry('map', 20).localhost);
    assert.deepEqual(values(again, 0), REPLAYED_A);
    // and the series goes on from there
    nowS = T0 + 14;
    feed(again, 13, 16);
    assert.deepEqual(values(again, 0).slice(-4), [120, NaN, 140, 150]);
  });
});

describe('memory mode save without a clean stop', () => {
  it('gives back what the last save wrote (save every seconds), not what came after', () => {
    const first = registry('save');
    const chart = define(first.localhost);
    feed(chart, 0, 10);
    first.flush();
    feed(chart, 10, 20); // never saved: the process "dies" here
    const again = define(registry('save').localhost);
    assert.equal(again.lastEntryS(), T0 + 9);
    assert.deepEqual(values(again, 0), expectedA(1, 9));
  });
});

describe('save every seconds', () => {
  it('writes save charts on its timer, without a stop', async () => {
    const first = createHostRegistry(LOCAL, settings('save'), {
      nowS: () => nowS,
      persistence: { cacheDir: dir, nowS: () => nowS, saveEverySecs: 1 },
    });
    feed(define(first.localhost), 0, 10);
    const header = path.join(dir, LOCAL.machineGuid, 'test.chart', 'chart.hdr');
    assert.equal(fs.existsSync(header), false);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    assert.equal(fs.existsSync(header), true);
    assert.deepEqual(values(define(registry('save').localhost), 0), expectedA(1, 9));
    first.close();
  });
});

describe('memory mode map without a clean stop', () => {
  it('replays the journal: every completed iteration comes back', async () => {
    const first = registry('map');
    feed(define(first.localhost), 0, 25);
    await tick(); // the journal is written at the end of the event-loop turn
    const chart = define(registry('map').localhost);
    assert.equal(chart.lastEntryS(), T0 + 24);
    assert.deepEqual(values(chart, 0), expectedA(1, 24));
    assert.ok(logs.some((l) => l.includes("journal") && l.includes('replayed 24 iterations into 1 charts')), logs.join(''));
  });

  it('combines a checkpoint with the journal written after it, across a ring wrap', async () => {
    const first = registry('map', 20);
    const chart = define(first.localhost);
    feed(chart, 0, 15);
    first.flush(); // checkpoint: slots into the files, journal emptied
    assert.equal(fs.statSync(path.join(dir, LOCAL.machineGuid, 'journal')).size, 0);
    feed(chart, 15, 33); // wraps the 20-slot ring
    await tick();
    nowS = T0 + 33;
    const again = define(registry('map', 20).localhost);
    assert.equal(again.firstEntryS(), T0 + 13);
    assert.equal(again.lastEntryS(), T0 + 32);
    assert.deepEqual(values(again, 0), expectedA(13, 32));
  });
});

describe('files that fail their check', () => {
  for (const mode of ['save', 'map'] as const) {
    it(`${mode}: a corrupted, a truncated and a foreign file are each reset alone, with a clear log`, () => {
      const first = registry(mode);
      for (const id of ['c.one', 'c.two', 'c.three', 'c.four']) feed(define(first.localhost, id), 0, 10);
      first.close();
      const hostDir = path.join(dir, LOCAL.machineGuid);
      const oneHeader = path.join(hostDir, 'c.one', 'chart.hdr');
      const bytes = fs.readFileSync(oneHeader);
      bytes[bytes.length - 3] ^= 0x20; // corrupted: checksum no longer matches
      fs.writeFileSync(oneHeader, bytes);
      const twoB = path.join(hostDir, 'c.two', 'b.db');
      fs.truncateSync(twoB, 100); // truncated
      const threeA = path.join(hostDir, 'c.three', 'a.db');
      fs.copyFileSync(path.join(hostDir, 'c.four', 'b.db'), threeA); // foreign: another chart's file

      const host = registry(mode).localhost;
      const [one, two, three, four] = ['c.one', 'c.two', 'c.three', 'c.four'].map((id) => define(host, id));
      assert.equal(one.lastEntryS(), 0);
      assert.deepEqual(values(two, 0), expectedA(1, 9));
      assert.ok(Number.isNaN(two.valueAt(1, T0 + 5)));
      assert.ok(Number.isNaN(three.valueAt(0, T0 + 5)));
      assert.equal(three.valueAt(1, T0 + 5), 5);
      assert.deepEqual(values(four, 0), expectedA(1, 9));
      const errors = logs.filter((l) => l.includes('ERROR'));
      assert.equal(errors.length, 3, logs.join(''));
      assert.ok(errors[0].includes(`chart 'c.one': file '${oneHeader}' checksum mismatch; resetting the chart`), errors[0]);
      assert.ok(errors[1].includes(`chart 'c.two', dimension 'b': file '${twoB}' wrong size (100 bytes, expected 432); resetting the dimension`), errors[1]);
      assert.ok(errors[2].includes(`chart 'c.three', dimension 'a': file '${threeA}' belongs to another chart or dimension; resetting the dimension`), errors[2]);
    });
  }

  it('a file that is not a header at all is reset', () => {
    const first = registry('save');
    feed(define(first.localhost), 0, 5);
    first.close();
    const header = path.join(dir, LOCAL.machineGuid, 'test.chart', 'chart.hdr');
    fs.writeFileSync(header, 'hello, I am a text file\n');
    assert.equal(define(registry('save').localhost).lastEntryS(), 0);
    assert.ok(logs.some((l) => l.includes(`file '${header}' not a chart header (bad magic); resetting the chart`)), logs.join(''));
  });
});

describe('mirrored hosts in save and map', () => {
  for (const mode of ['save', 'map'] as const) {
    it(`${mode}: come back after a restart as not connected, with their own history, and continue the series`, () => {
      const first = registry('ram');
      const child = first.findOrCreate(CHILD, settings(mode, 30));
      child.setStreamState({ connected: true, connectedSinceS: T0 });
      feed(define(child), 0, 12);
      nowS = T0 + 12;
      first.close();

      nowS = T0 + 20;
      const second = registry('ram');
      const restored = second.restoreHosts();
      assert.deepEqual(restored.map((h) => h.hostname), ['child']);
      const host = second.find('child')!;
      assert.equal(host.isLocal, false);
      assert.equal(host.stream.connected, false);
      assert.equal(host.stream.disconnectedAtS, T0 + 12);
      assert.equal(host.settings.historyEntries, 30);
      const chart = host.chart('test.chart')!;
      assert.equal(chart.historyEntries, 30);
      assert.equal(chart.definition.title, '');
      assert.deepEqual(chart.dimensions.map((d) => d.definition.id), ['a', 'b']);
      assert.deepEqual(values(chart, 0), expectedA(1, 11));
      assert.ok(logs.some((l) => l.includes(`restored host 'child' (${CHILD.machineGuid}) with 1 charts`)), logs.join(''));

      // the child reconnects: the same host, its charts re-defined, the series goes on
      assert.equal(second.findOrCreate(CHILD, settings(mode, 30)), host);
      const again = define(host);
      assert.equal(again, chart);
      feed(again, 14, 17);
      assert.deepEqual(values(again, 0), [...expectedA(1, 11), NaN, NaN, NaN, 150, 160]);
      assert.equal(second.restoreHosts().length, 0);
    });
  }

  it('a removed (orphan) host loses its files', () => {
    const first = registry('ram');
    feed(define(first.findOrCreate(CHILD, settings('save'))), 0, 5);
    assert.ok(first.remove(CHILD.machineGuid));
    assert.equal(fs.existsSync(path.join(dir, CHILD.machineGuid)), false);
  });

  it('ram hosts leave nothing in the cache directory', () => {
    const first = registry('ram');
    feed(define(first.findOrCreate(CHILD, settings('ram'))), 0, 5);
    first.close();
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
