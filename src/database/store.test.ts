/**
 * One suite for every memory mode (STYLE "one interface, one conformance suite"), then what
 * differs: `ram` keeps `history` slots per dimension, `none` keeps none.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStores } from './file-stores.js';
import { createHost } from './host.js';
import type { Host, HostSettings, MemoryMode } from './types.js';
import { collect, SEC, stored, testChart, testHost } from './test-fixture.js';

const MODES: MemoryMode[] = ['ram', 'none', 'save', 'map'];
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-suite-'));
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

let hosts = 0;
/** A host of any mode; `save` and `map` get their files in a fresh directory each. */
function modeHost(settings: Partial<HostSettings> & { memoryMode: MemoryMode }): Host {
  if (settings.memoryMode !== 'save' && settings.memoryMode !== 'map') return testHost(settings);
  const files = new FileStores({ cacheDir: path.join(cacheDir, String(++hosts)), nowS: () => 1000 });
  return createHost(
    { hostname: 'test-host', machineGuid: '11111111-2222-3333-4444-555555555555' },
    { historyEntries: 100, updateEverySecs: 1, gapWhenLostIterationsAbove: 1, ...settings },
    true,
    { nowS: () => 1000, stores: files.factories },
  );
}

for (const mode of MODES) {
  describe(`memory mode ${mode}: common behaviour`, () => {
    it('computes last stored and collected values the same way', () => {
      const chart = testChart(modeHost({ memoryMode: mode, historyEntries: 5 }), ['a'], 'incremental');
      collect(chart, 1000_200_000, [100]);
      collect(chart, 1001_500_000, [200]); // 50
      collect(chart, 1002_500_000, [400]); // 150
      assert.equal(chart.dimensions[0].lastStoredValue, 150);
      assert.equal(chart.dimensions[0].lastCollectedValue, 400);
      assert.equal(chart.lastCollectedTimeUs, 1002_500_000);
      assert.equal(chart.iterations, 3);
    });

    it('answers NaN outside what it holds', () => {
      const chart = testChart(modeHost({ memoryMode: mode, historyEntries: 5 }), ['a']);
      collect(chart, 1000_200_000, [1]);
      collect(chart, 1001_500_000, [2]);
      assert.ok(Number.isNaN(chart.valueAt(0, 999)));
      assert.ok(Number.isNaN(chart.valueAt(0, 1002)));
      assert.ok(Number.isNaN(chart.valueAt(5, 1001)));
    });
  });
}

for (const mode of MODES) {
  describe(`memory mode ${mode}: replicated points`, () => {
    const ring = mode !== 'none';
    it('stores them by their time: a skipped second stays a gap, a late point fills it, stored values stay', () => {
      const chart = testChart(modeHost({ memoryMode: mode, historyEntries: 20 }), ['a', 'b']);
      for (let i = 0; i <= 5; i++) collect(chart, (1000 + i) * 1_000_000 + 500_000, [i, 10 * i], i === 0 ? 0 : 1_000_000, true);
      const outcomes = [
        chart.storeReplayed(1008, [8, 80]),
        chart.storeReplayed(1006, [6, NaN]),
        chart.storeReplayed(1003, [99, 99]),
        chart.storeReplayed(1006, [66, 60]),
        chart.storeReplayed(1008, [88, 88]),
        chart.storeReplayed(990, [-10, -100]),
        chart.storeReplayed(980, [-20, -200]),
        chart.storeReplayed(1008.5, [1, 1]),
      ];
      const none = 'no-store';
      assert.deepEqual(outcomes, ring
        ? ['appended', 'filled', 'kept', 'filled', 'kept', 'filled', 'too-old', 'misaligned']
        : [none, none, none, none, none, none, none, 'misaligned']);
      const expected = (values: number[]): number[] => (ring ? values : values.map(() => NaN));
      assert.deepEqual(stored(chart, 0, 1003, 1009), expected([3, 4, 5, 6, NaN, 8, NaN]));
      assert.deepEqual(stored(chart, 1, 1003, 1009), expected([30, 40, 50, 60, NaN, 80, NaN]));
      assert.deepEqual(stored(chart, 0, 989, 992), expected([NaN, -10, NaN, NaN]));
      assert.equal(chart.firstEntryS(), ring ? 990 : 0);
      assert.equal(chart.lastEntryS(), ring ? 1008 : 0);
      assert.equal(chart.lastUpdatedUs, 1008_000_000);
    });

    it('continues live after them, with the restored state', () => {
      const chart = testChart(modeHost({ memoryMode: mode, historyEntries: 20 }), ['a'], 'incremental');
      for (let t = 1001; t <= 1005; t++) chart.storeReplayed(t, [t - 1000]);
      chart.restoreDimensionState(0, 1005_250_000, 5000, 250, 5);
      chart.restoreChartState(1005_250_000, 1005_000_000);
      collect(chart, 1006_250_000, [6000], 1_000_000, true);
      // 1000 collected over 1 s: 750 reach slot 1006, plus the 250 carried
      assert.equal(chart.dimensions[0].lastStoredValue, 1000);
      assert.deepEqual(stored(chart, 0, 1004, 1006), ring ? [4, 5, 1000] : [NaN, NaN, NaN]);
      assert.equal(chart.lastSlotsWritten, ring ? 1 : 0);
    });
  });
}

for (const mode of ['ram', 'save', 'map'] as const) {
  describe(`memory mode ${mode}: a ring of history samples`, () => {
    it('wraps its ring: history 5 keeps the 5 newest slots', () => {
      const chart = testChart(modeHost({ memoryMode: mode, historyEntries: 5 }), ['a']);
      assert.equal(chart.historyEntries, 5);
      collect(chart, 1000_200_000, [1]); // nothing stored
      for (let i = 1; i <= 8; i++) collect(chart, (1000 + i) * 1_000_000 + 500_000, [1 + i]);
      // slots 1001..1008 got 2..9; the ring holds 1004..1008
      assert.equal(chart.firstEntryS(), 1004);
      assert.equal(chart.lastEntryS(), 1008);
      assert.deepEqual(stored(chart, 0, 1003, 1009), [NaN, 5, 6, 7, 8, 9, NaN]);
    });

    it('holds fewer than history slots before the ring fills', () => {
      const chart = testChart(modeHost({ memoryMode: mode, historyEntries: 5 }), ['a']);
      collect(chart, 1000_200_000, [1]);
      collect(chart, 1001_500_000, [2]);
      collect(chart, 1002_500_000, [3]);
      assert.equal(chart.firstEntryS(), 1001);
      assert.equal(chart.lastEntryS(), 1002);
    });

    it('counts 4 bytes a sample in memoryBytes', () => {
      const host = modeHost({ memoryMode: mode, historyEntries: 3600 });
      const before = host.memoryBytes();
      testChart(host, ['a', 'b']);
      assert.ok(host.memoryBytes() - before >= 2 * 3600 * 4);
    });
  });
}

describe('memory mode none', () => {
  it('keeps metadata and last values, no samples', () => {
    const chart = testChart(testHost({ memoryMode: 'none' }), ['a']);
    for (let i = 0; i < 4; i++) collect(chart, (1000 + i) * 1_000_000 + 500_000, [i]);
    assert.equal(chart.historyEntries, 0);
    assert.equal(chart.firstEntryS(), 0);
    assert.equal(chart.lastEntryS(), 0);
    assert.ok(Number.isNaN(chart.valueAt(0, 1002)));
    assert.equal(chart.dimensions[0].lastStoredValue, 3);
  });
});

describe('HostSettings.recentSlots (memory mode none)', () => {
  it('keeps the newest slots for valueAt and lastSlotsWritten', () => {
    const none = testChart(testHost({ memoryMode: 'none', recentSlots: 10 }), ['a']);
    const ram = testChart(testHost({ memoryMode: 'ram' }), ['a']);
    assert.equal(none.historyEntries, 10);
    assert.equal(none.host.settings.recentSlots, 10);
    for (let i = 0; i < 25; i++) {
      for (const chart of [none, ram]) collect(chart, (1000 + i) * SEC + 500_000, [i], i === 0 ? 0 : SEC, true);
    }
    assert.equal(none.firstEntryS(), 1015);
    assert.equal(none.lastEntryS(), 1024);
    assert.equal(none.lastSlotsWritten, 1);
    assert.deepEqual(stored(none, 0, 1014, 1024), [NaN, ...stored(ram, 0, 1015, 1024)]);
  });

  it('a pause longer than the ring does not reset the chart (the host history decides)', () => {
    const none = testChart(testHost({ memoryMode: 'none', recentSlots: 10 }), ['a']);
    const ram = testChart(testHost({ memoryMode: 'ram' }), ['a']);
    for (const chart of [none, ram]) {
      for (let i = 0; i < 5; i++) collect(chart, (1000 + i) * SEC + 500_000, [i], i === 0 ? 0 : SEC, true);
      collect(chart, 1050_500_000, [50], 46 * SEC, true);
    }
    assert.equal(none.lastSlotsWritten, 10);
    assert.equal(ram.lastSlotsWritten, 46);
    assert.deepEqual(stored(none, 0, 1041, 1050), stored(ram, 0, 1041, 1050));
    assert.ok(!Number.isNaN(none.valueAt(0, 1050)));
  });

  it('is only kept in memory mode none', () => {
    assert.equal(testHost({ memoryMode: 'ram', recentSlots: 10 }).settings.recentSlots, undefined);
    assert.equal(testChart(testHost({ memoryMode: 'none' }), ['a']).historyEntries, 0);
  });
});
