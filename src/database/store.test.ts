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
import { collect, stored, testChart, testHost } from './test-fixture.js';

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
