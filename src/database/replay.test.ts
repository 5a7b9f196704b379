/**
 * Replication into the database (reference §2.8, §11): a parent that missed part of a child's
 * iterations gets the child's stored points (`storeReplayed`) and collection state (`restore*`)
 * and then continues live exactly as the child did. Exact numbers: the only rounding allowed is
 * the float32 both rings store.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Algorithm, Chart, Host, HostObserver, ReplayOutcome } from './types.js';
import { chartDefinition, collect, dimensionDefinition, SEC, stored, testChart, testHost } from './test-fixture.js';

const ITERATIONS = 100;
const LIVE_BEFORE = 30;
const MISSED = 40;
const START_US = 1_796_167_579_312_345;
const CAP_32 = 2 ** 32;

interface DimensionSpec {
  id: string;
  algorithm: Algorithm;
  multiplier?: number;
  divisor?: number;
  /** The collected value of iteration i. */
  value(i: number): number;
}

/** Charts like the plugin of the 1.37 replication captures, with values that change. */
const CHARTS: Record<string, DimensionSpec[]> = {
  'bar.abs': [
    { id: 'a', algorithm: 'absolute', value: (i) => 500 + ((i * 37) % 101) },
    { id: 'neg', algorithm: 'absolute', multiplier: -1, divisor: 1000, value: (i) => 500 + ((i * 53) % 89) },
  ],
  'bar.inc': [
    { id: 'c', algorithm: 'incremental', value: (i) => 1000 * i },
    { id: 'k', algorithm: 'incremental', divisor: 128, value: (i) => 1000 * i + ((i * i) % 7) },
  ],
  'bar.pct': [
    { id: 'p1', algorithm: 'percentage-of-absolute-row', value: (i) => 1 + (i % 5) },
    { id: 'p2', algorithm: 'percentage-of-absolute-row', value: () => 3 },
  ],
  'bar.pinc': [
    { id: 'r1', algorithm: 'percentage-of-incremental-row', value: (i) => 10 * i + (i % 3) },
    { id: 'r2', algorithm: 'percentage-of-incremental-row', value: (i) => 30 * i },
  ],
  'bar.wrap': [
    // 32-bit counters: w1 wraps while the parent is away, w2 after it came back
    { id: 'w1', algorithm: 'incremental', value: (i) => (CAP_32 - 45_500 + 1000 * i) % CAP_32 },
    { id: 'w2', algorithm: 'incremental', value: (i) => (CAP_32 - 85_500 + 1013 * i) % CAP_32 },
  ],
};

/** Durations between collections: 1.000137 s, with some iterations late or early. */
const PATTERNS: Record<string, (i: number) => number> = {
  'every 1.000137 s': () => 1_000_137,
  'jittered 0.7-1.3 s': (i) => 1_000_137 + (((i * 7919) % 5) - 2) * 150_000,
};

function defineChart(host: Host, id: string): Chart {
  const chart = host.defineChart(chartDefinition(id));
  for (const d of CHARTS[id]) chart.defineDimension(dimensionDefinition(d.id, d.algorithm, d.multiplier ?? 1, d.divisor ?? 1));
  return chart;
}

/** The wall clock of iteration i, and the BEGIN microseconds the collector sends with it. */
function timing(pattern: (i: number) => number): { nowUs: number[]; beginUs: number[] } {
  const nowUs = [START_US];
  const beginUs = [0];
  for (let i = 1; i < ITERATIONS; i++) {
    beginUs.push(pattern(i));
    nowUs.push(nowUs[i - 1] + pattern(i));
  }
  return { nowUs, beginUs };
}

function iterate(chart: Chart, id: string, i: number, t: { nowUs: number[]; beginUs: number[] }): void {
  chart.begin(t.beginUs[i], true, t.nowUs[i]);
  CHARTS[id].forEach((d, index) => chart.set(index, d.value(i)));
  chart.end(t.nowUs[i]);
}

/** What a 1.37 child sends after its points: RDSTATE per dimension, then RSSTATE. */
function replicateState(child: Chart, parent: Chart): void {
  for (const d of child.dimensions) {
    assert.equal(parent.restoreDimensionState(d.index, d.lastCollectedTimeUs, d.lastCollectedValue, d.lastCalculatedValue, d.lastStoredValue), true);
  }
  parent.restoreChartState(child.lastCollectedTimeUs, child.lastUpdatedUs);
}

/** Every slot of the child's ring after `afterS`, read with valueAt, into `parent.storeReplayed`. */
function replicatePoints(child: Chart, parent: Chart, afterS: number): ReplayOutcome[] {
  const outcomes: ReplayOutcome[] = [];
  for (let t = afterS + 1; t <= child.lastEntryS(); t++) {
    outcomes.push(parent.storeReplayed(t, child.dimensions.map((d) => child.valueAt(d.index, t))));
  }
  return outcomes;
}

function slots(chart: Chart, fromS: number, toS: number): number[][] {
  return chart.dimensions.map((d) => stored(chart, d.index, fromS, toS));
}

describe('Chart.storeReplayed with restoreDimensionState / restoreChartState', () => {
  for (const [patternName, pattern] of Object.entries(PATTERNS)) {
    for (const id of Object.keys(CHARTS)) {
      it(`${id}, ${patternName}: a parent that missed 40 iterations stores exactly what the child stored`, () => {
        const t = timing(pattern);
        const child = defineChart(testHost(), id);
        const parent = defineChart(testHost(), id);
        for (let i = 0; i < LIVE_BEFORE; i++) {
          iterate(child, id, i, t);
          iterate(parent, id, i, t);
        }
        const parentLastS = parent.lastEntryS();
        for (let i = LIVE_BEFORE; i < LIVE_BEFORE + MISSED; i++) iterate(child, id, i, t);
        const outcomes = replicatePoints(child, parent, parentLastS);
        assert.ok(outcomes.length >= MISSED - 1 && outcomes.every((o) => o === 'appended'), outcomes.join());
        replicateState(child, parent);
        for (let i = LIVE_BEFORE + MISSED; i < ITERATIONS; i++) {
          iterate(child, id, i, t);
          iterate(parent, id, i, t);
        }

        const firstS = child.firstEntryS();
        const lastS = child.lastEntryS();
        assert.equal(parent.firstEntryS(), firstS);
        assert.equal(parent.lastEntryS(), lastS);
        assert.ok(lastS - firstS >= ITERATIONS - 2);
        assert.deepEqual(slots(parent, firstS, lastS), slots(child, firstS, lastS));
        // nothing trivial: after the first two slots every slot of the child holds a value
        for (const values of slots(child, firstS + 1, lastS)) assert.ok(values.every((v) => !Number.isNaN(v)), values.join());
        for (const d of child.dimensions) {
          assert.equal(parent.dimensions[d.index].lastStoredValue, d.lastStoredValue);
          assert.equal(parent.dimensions[d.index].lastCalculatedValue, d.lastCalculatedValue);
        }
      });
    }
  }

  it('needs RDSTATE: without it the first live SET is a first collection, without the remainder the slot is off', () => {
    const t = timing(PATTERNS['every 1.000137 s']);
    const child = defineChart(testHost(), 'bar.inc');
    const bare = defineChart(testHost(), 'bar.inc');
    const noRemainder = defineChart(testHost(), 'bar.inc');
    for (let i = 0; i < 70; i++) iterate(child, 'bar.inc', i, t);
    const remainder = child.dimensions[0].lastCalculatedValue;
    assert.ok(remainder > 100, String(remainder));
    for (const parent of [bare, noRemainder]) replicatePoints(child, parent, child.firstEntryS() - 1);
    const c = child.dimensions[0];
    noRemainder.restoreDimensionState(0, c.lastCollectedTimeUs, c.lastCollectedValue, 0, c.lastStoredValue);
    for (const parent of [bare, noRemainder]) parent.restoreChartState(child.lastCollectedTimeUs, child.lastUpdatedUs);
    for (const chart of [child, bare, noRemainder]) iterate(chart, 'bar.inc', 70, t);
    const slotS = child.lastEntryS();
    assert.equal(bare.lastEntryS(), slotS);
    assert.ok(Number.isNaN(bare.valueAt(0, slotS)));
    assert.equal(Math.fround(noRemainder.valueAt(0, slotS) + remainder), child.valueAt(0, slotS));
  });

  it('without RDSTATE a parent that collected before the gap stores a gap, not a rate over the whole gap', () => {
    const t = timing(PATTERNS['every 1.000137 s']);
    const child = defineChart(testHost(), 'bar.inc');
    const parent = defineChart(testHost(), 'bar.inc');
    for (let i = 0; i < 70; i++) {
      iterate(child, 'bar.inc', i, t);
      if (i < 30) iterate(parent, 'bar.inc', i, t);
    }
    assert.deepEqual(replicatePoints(child, parent, parent.lastEntryS()).filter((o) => o !== 'appended'), []);
    parent.restoreChartState(child.lastCollectedTimeUs, child.lastUpdatedUs);
    iterate(child, 'bar.inc', 70, t);
    iterate(parent, 'bar.inc', 70, t);
    assert.ok(Number.isNaN(parent.valueAt(0, child.lastEntryS())));
    iterate(child, 'bar.inc', 71, t);
    iterate(parent, 'bar.inc', 71, t);
    // the part of iteration 71's +1000 that falls before the slot: no rate over the 40 s gap
    const value = parent.valueAt(0, child.lastEntryS());
    assert.ok(value > 0 && value < 1000, String(value));
    assert.ok(child.valueAt(0, child.lastEntryS()) > 999);
  });

  it('continues a counter above 2^53 whose state was restored as a BigInt', () => {
    const parent = testChart(testHost(), ['big'], 'incremental');
    const big = 2n ** 60n + 5n;
    assert.ok(parent.storeReplayed(1000, [7]) === 'appended');
    assert.equal(parent.restoreDimensionState(0, 1000_500_000, big, 0, 7), true);
    parent.restoreChartState(1000_500_000, 1000 * SEC);
    parent.begin(SEC, true, 1001_500_000);
    parent.setBig(0, big + 3n);
    parent.end(1001_500_000);
    // +3 collected at 1001.5: half of it reaches slot 1001, half is carried
    assert.equal(parent.valueAt(0, 1001), 1.5);
    assert.equal(parent.dimensions[0].lastCalculatedValue, 1.5);
  });
});

describe('Chart.storeReplayed', () => {
  /** A chart with live slots 1001..1010 holding 1..10 (absolute). */
  function liveChart(history = 100): Chart {
    const chart = testChart(testHost({ historyEntries: history }), ['a', 'b']);
    for (let i = 0; i <= 10; i++) collect(chart, (1000 + i) * SEC + 500_000, [i, 10 * i], i === 0 ? 0 : SEC, true);
    return chart;
  }

  it('never overwrites a stored value, live or replayed; a duplicate is harmless', () => {
    const chart = liveChart();
    assert.equal(chart.storeReplayed(1005, [99, 99]), 'kept');
    assert.equal(chart.storeReplayed(1011, [11, 110]), 'appended');
    assert.equal(chart.storeReplayed(1011, [12, 120]), 'kept');
    assert.equal(chart.storeReplayed(1011, [11, 110]), 'kept');
    assert.deepEqual(stored(chart, 0, 1004, 1011), [4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(stored(chart, 1, 1010, 1011), [100, 110]);
    assert.equal(chart.lastEntryS(), 1011);
  });

  it('leaves a skipped second a gap and stores later points at their own times', () => {
    const chart = liveChart();
    assert.equal(chart.storeReplayed(1011, [11, 110]), 'appended');
    assert.equal(chart.storeReplayed(1013, [13, 130]), 'appended');
    assert.equal(chart.storeReplayed(1016, [16]), 'appended');
    assert.deepEqual(stored(chart, 0, 1010, 1016), [10, 11, NaN, 13, NaN, NaN, 16]);
    assert.deepEqual(stored(chart, 1, 1010, 1016), [100, 110, NaN, 130, NaN, NaN, NaN]);
    // a late point fills its gap, per dimension
    assert.equal(chart.storeReplayed(1012, [12, NaN]), 'filled');
    assert.equal(chart.storeReplayed(1016, [99, 160]), 'filled');
    assert.deepEqual(stored(chart, 0, 1010, 1016), [10, 11, 12, 13, NaN, NaN, 16]);
    assert.deepEqual(stored(chart, 1, 1010, 1016), [100, 110, NaN, 130, NaN, NaN, 160]);
    assert.equal(chart.firstEntryS(), 1001);
  });

  it('moves the chart times like RBEGIN: the next live END continues after the replayed slots', () => {
    const chart = liveChart();
    for (let t = 1011; t <= 1020; t++) chart.storeReplayed(t, [t - 1000, 0]);
    assert.equal(chart.lastCollectedTimeUs, 1020 * SEC);
    assert.equal(chart.lastUpdatedUs, 1020 * SEC);
    const written: number[] = [];
    chart.host.addObserver({ chartDone: (c) => written.push(c.lastSlotsWritten) });
    collect(chart, 1021_500_000, [21, 210], 1_000_000, true);
    // collected at 1021.0 (1020 + 1 s): slot 1021 interpolated from the replayed state
    assert.deepEqual(stored(chart, 0, 1018, 1021), [18, 19, 20, 21]);
    assert.deepEqual(written, [1]);
  });

  it('extends a ring that is not full backwards, and refuses what is older than a full ring', () => {
    const chart = liveChart(20);
    assert.equal(chart.storeReplayed(997, [-3, -30]), 'filled');
    assert.equal(chart.firstEntryS(), 997);
    assert.deepEqual(stored(chart, 0, 996, 1002), [NaN, -3, NaN, NaN, NaN, 1, 2]);
    assert.equal(chart.storeReplayed(998, [-2, -20]), 'filled');
    assert.equal(chart.storeReplayed(991, [-9, -90]), 'filled'); // 20 slots: 991..1010
    assert.equal(chart.firstEntryS(), 991);
    assert.equal(chart.storeReplayed(990, [-10, -100]), 'too-old');
    assert.equal(chart.firstEntryS(), 991);
    assert.deepEqual(stored(chart, 0, 990, 1000), [NaN, -9, NaN, NaN, NaN, NaN, NaN, -3, -2, NaN, NaN]);
    // the live END goes on in the same ring
    collect(chart, 1011_500_000, [11, 110], SEC, true);
    assert.equal(chart.firstEntryS(), 992);
    assert.equal(chart.valueAt(0, 1011), 11);
  });

  it('restarts the ring cleanly on a jump of more than a whole ring', () => {
    const chart = liveChart(20);
    assert.equal(chart.storeReplayed(1030, [30, 300]), 'appended'); // 20 slots: a whole ring of gaps and the point
    assert.equal(chart.firstEntryS(), 1011);
    assert.deepEqual(stored(chart, 0, 1010, 1012), [NaN, NaN, NaN]);
    assert.equal(chart.storeReplayed(1051, [51, 510]), 'appended');
    assert.equal(chart.firstEntryS(), 1051);
    assert.equal(chart.lastEntryS(), 1051);
    assert.equal(chart.valueAt(0, 1051), 51);
    assert.equal(chart.storeReplayed(1049, [49, 490]), 'filled');
    assert.deepEqual(stored(chart, 0, 1048, 1051), [NaN, 49, NaN, 51]);
  });

  it('starts an empty chart at the point; refuses times off the update every', () => {
    const chart = testChart(testHost(), ['a'], 'absolute', { updateEverySecs: 2 });
    assert.equal(chart.storeReplayed(1001, [1]), 'misaligned');
    assert.equal(chart.storeReplayed(0, [1]), 'misaligned');
    assert.equal(chart.storeReplayed(1000.5, [1]), 'misaligned');
    assert.equal(chart.lastEntryS(), 0);
    assert.equal(chart.storeReplayed(1000, [1]), 'appended');
    assert.equal(chart.storeReplayed(1006, [4]), 'appended');
    assert.equal(chart.storeReplayed(996, [0]), 'filled');
    assert.deepEqual([994, 996, 998, 1000, 1002, 1004, 1006, 1008].map((s) => chart.valueAt(0, s)), [NaN, 0, NaN, 1, NaN, NaN, 4, NaN]);
    assert.equal(chart.dimensions[0].lastStoredValue, 4);
  });

  it('tells observers after a stored point, with the values', () => {
    const chart = liveChart();
    const seen: string[] = [];
    const observer: HostObserver = { pointReplayed: (c, timeS, values) => seen.push(`${c.id} ${timeS} ${Array.from(values).join('/')}`) };
    chart.host.addObserver(observer);
    chart.storeReplayed(1011, [11, 110]);
    chart.storeReplayed(1011, [11, 110]); // kept: nothing to tell
    chart.storeReplayed(1013, [13]);
    chart.storeReplayed(1012, [12, 120]);
    chart.storeReplayed(1012.5, [1, 1]);
    assert.deepEqual(seen, ['test.chart 1011 11/110', 'test.chart 1013 13', 'test.chart 1012 12/120']);
  });

  it('in memory mode none stores nothing but moves the times and tells observers', () => {
    const chart = testChart(testHost({ memoryMode: 'none' }), ['a']);
    const seen: number[] = [];
    chart.host.addObserver({ pointReplayed: (_c, timeS, values) => seen.push(timeS, values[0]) });
    assert.equal(chart.storeReplayed(1010, [5]), 'no-store');
    assert.equal(chart.storeReplayed(1005, [4]), 'no-store');
    assert.deepEqual(seen, [1010, 5, 1005, 4]);
    assert.equal(chart.lastCollectedTimeUs, 1010 * SEC);
    assert.equal(chart.lastUpdatedUs, 1010 * SEC);
    assert.equal(chart.lastEntryS(), 0);
    assert.equal(chart.restoreDimensionState(0, 1010_400_000, 77, 0, 5), true);
    chart.restoreChartState(1010_400_000, 1010 * SEC);
    collect(chart, 1011_500_000, [80], SEC, true);
    assert.equal(chart.dimensions[0].lastStoredValue, 80); // collected at 1011.4: slot 1011
  });
});

describe('Chart.restoreDimensionState / restoreChartState', () => {
  it('moves times forward only and ignores a state older than the dimension', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    collect(chart, 1000_500_000, [100], 0, true);
    collect(chart, 1001_500_000, [200], SEC, true);
    assert.equal(chart.restoreDimensionState(0, 1000_000_000, 5, 5, 5), false);
    assert.equal(chart.restoreDimensionState(7, 1002_000_000, 5, 5, 5), false);
    assert.equal(chart.restoreDimensionState(0, 0, 5, 5, 5), false);
    assert.equal(chart.dimensions[0].lastCollectedValue, 200);
    chart.restoreChartState(1000_000_000, 999 * SEC);
    assert.equal(chart.lastCollectedTimeUs, 1001_500_000);
    assert.equal(chart.lastUpdatedUs, 1001 * SEC);
  });

  it('moves the ring to a newer last-updated slot with gaps', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_500_000, [1], 0, true);
    collect(chart, 1001_500_000, [2], SEC, true);
    chart.restoreChartState(1004_700_000, 1004_000_000);
    assert.equal(chart.lastEntryS(), 1004);
    assert.deepEqual(stored(chart, 0, 1001, 1005), [2, NaN, NaN, NaN, NaN]);
    collect(chart, 1005_700_000, [5], SEC, true);
    assert.deepEqual(stored(chart, 0, 1001, 1005), [2, NaN, NaN, NaN, 5]);
  });
});
