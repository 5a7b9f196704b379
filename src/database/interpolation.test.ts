/**
 * Interpolation onto update-every slots, the first-collection rules, gaps and the clock
 * protection (reference §1.5 steps 2-4). Times are integers in µs; a chart's first END at
 * wall clock W aligns its collection time to floor(W) + 0.5 s (floor(W) with store_first).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collect, dimensionDefinition, SEC, stored, testChart, testHost } from './test-fixture.js';

describe('interpolation off the second boundary', () => {
  it('absolute: the last slot of an END takes the value, earlier ones interpolate', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [100]); // collection time 1000.5
    collect(chart, 1001_700_000, [200], 1_200_000); // 1001.7: slot 1001 (1 slot: the value) = 200
    collect(chart, 1002_400_000, [300], 700_000); // 1002.4: slot 1002 = 300
    // 1004.1: 2 slots. 1003: (400 - 300) * (1003 - 1002.4) / (1004.1 - 1002.4) + 300
    //                        = 100 * 0.6 / 1.7 + 300 = 335.2941176...; 1004: 400
    collect(chart, 1004_100_000, [400], 1_700_000);
    assert.deepEqual(stored(chart, 0, 1001, 1004), [200, 300, Math.fround(300 + 60 / 1.7), 400]);
    assert.equal(chart.dimensions[0].lastStoredValue, 400);
  });

  it('incremental: each slot takes its share of the increase plus the carried remainder', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    collect(chart, 1000_200_000, [1000]); // 1000.5
    // 1001.7 (+120 in 1.2 s): slot 1001 = 120 * (1001 - 1000.5) / 1.2 = 50; 70 carried
    collect(chart, 1001_700_000, [1120], 1_200_000);
    // 1002.4 (+70 in 0.7 s): slot 1002 = 70 * 0.3 / 0.7 + 70 = 30 + 70 = 100; 40 carried
    collect(chart, 1002_400_000, [1190], 700_000);
    // 1004.1 (+170 in 1.7 s): slot 1003 = 170 * 0.6 / 1.7 + 40 = 100, 110 left;
    // slot 1004 = 110 * (1004 - 1003) / (1004.1 - 1003) = 100; 10 carried
    collect(chart, 1004_100_000, [1360], 1_700_000);
    assert.deepEqual(stored(chart, 0, 1001, 1004), [50, 100, 100, 100]);
    collect(chart, 1005_100_000, [1460], 1_000_000); // +100: slot 1005 = 100 * 0.9 + 10 = 100
    assert.equal(chart.valueAt(0, 1005), 100);
  });

  it('update every 2: slots every 2 s, rates per second', () => {
    const host = testHost({ updateEverySecs: 2 });
    const chart = testChart(host, ['a'], 'incremental', { updateEverySecs: 2 });
    collect(chart, 1001_300_000, [100]); // aligned to 1000 + 0.5
    // 1002.5 (+200): slot 1002 = 200 * (1002 - 1000.5) / 2 = 150 (50 left), / 2 s = 75
    collect(chart, 1002_500_000, [300]);
    // 1004.5 (+400): slot 1004 = (400 * 1.5 / 2 + 50) / 2 = (300 + 50) / 2 = 175
    collect(chart, 1004_500_000, [700]);
    assert.equal(chart.valueAt(0, 1002), 75);
    assert.equal(chart.valueAt(0, 1004), 175);
    assert.equal(chart.valueAt(0, 1003), 75, 'a time between slots reads the slot before it');
    assert.equal(chart.firstEntryS(), 1002);
    assert.equal(chart.lastEntryS(), 1004);
  });
});

describe('first collections', () => {
  it("the chart's first END stores nothing", () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [5]);
    assert.equal(chart.firstEntryS(), 0);
    assert.equal(chart.lastEntryS(), 0);
    assert.equal(chart.lastCollectedTimeUs, 1000_500_000);
    assert.ok(Number.isNaN(chart.dimensions[0].lastStoredValue));
    assert.equal(chart.dimensions[0].lastCollectedValue, 5);
  });

  it("a dimension's first collection stores a gap even on a running chart", () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [1]);
    collect(chart, 1001_500_000, [2]);
    chart.defineDimension(dimensionDefinition('late'));
    collect(chart, 1002_500_000, [3, 30]); // late: first collection
    collect(chart, 1003_500_000, [4, 40]);
    assert.deepEqual(stored(chart, 1, 1001, 1003), [NaN, NaN, 40]);
    assert.deepEqual(stored(chart, 0, 1001, 1003), [2, 3, 4]);
  });

  it('store_first: the first END writes the slot of its own second (a gap: first collection)', () => {
    const chart = testChart(testHost(), ['a'], 'absolute', {
      options: { storeFirst: true, obsolete: false, detail: false, hidden: false },
    });
    // collection time aligned to 1000.0, last stored 999; slot 1000 is written: 2 iterations
    // (1000 % 1 == 0), interpolated = the value, but the dimension's first collection is a gap
    collect(chart, 1000_200_000, [7]);
    assert.equal(chart.firstEntryS(), 1000);
    assert.equal(chart.lastEntryS(), 1000);
    assert.ok(Number.isNaN(chart.valueAt(0, 1000)));
    collect(chart, 1001_000_000, [8]); // slot 1001: (8 - 7) * 1 / 1 + 7 = 8
    assert.deepEqual(stored(chart, 0, 1000, 1001), [NaN, 8]);
  });
});

describe('gaps', () => {
  it('a dimension not set in an iteration stores a gap and drops its carried remainder', () => {
    const chart = testChart(testHost(), ['a', 'b'], 'incremental');
    collect(chart, 1000_200_000, [100, 10]);
    collect(chart, 1001_500_000, [200, 20]); // a: slot 1001 = 50 (50 carried); b: 5
    collect(chart, 1002_500_000, [undefined, 30]); // a not set: gap; its 50 is used up unstored
    assert.equal(chart.dimensions[0].updated, false);
    assert.ok(Number.isNaN(chart.dimensions[0].lastStoredValue));
    collect(chart, 1003_500_000, [400, 40]); // a: +200 since 200: 200 * 0.5 + 0 = 100
    assert.deepEqual(stored(chart, 0, 1001, 1003), [50, NaN, 100]);
    assert.deepEqual(stored(chart, 1, 1001, 1003), [5, 10, 10]);
    assert.equal(chart.dimensions[0].updated, true);
  });

  it('lost iterations within the threshold are interpolated', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [10]);
    collect(chart, 1001_500_000, [20]);
    // 2 s later (1003.5): iterations = floor(2.5) = 2 < 1 + 2
    // slot 1002 = (40 - 20) * (1002 - 1001.5) / (1003.5 - 1001.5) + 20 = 25; slot 1003 = 40
    collect(chart, 1003_500_000, [40]);
    assert.deepEqual(stored(chart, 0, 1001, 1003), [20, 25, 40]);
  });

  it('more lost iterations than the threshold leave gaps', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [10]);
    collect(chart, 1001_500_000, [20]);
    // 3 s later (1004.5): iterations 3, 2, 1 against gap_when_lost_iterations_above 1 + 2 = 3:
    // slot 1002 (3) is a gap; slot 1003 = (50 - 20) * (1003 - 1002) / (1004.5 - 1002) + 20 = 32;
    // slot 1004 = 50
    collect(chart, 1004_500_000, [50]);
    assert.deepEqual(stored(chart, 0, 1001, 1004), [20, NaN, 32, 50]);
  });

  it('a larger gap_when_lost_iterations_above keeps interpolating', () => {
    const chart = testChart(testHost({ gapWhenLostIterationsAbove: 5 }), ['a']);
    collect(chart, 1000_200_000, [10]);
    collect(chart, 1001_500_000, [20]);
    collect(chart, 1004_500_000, [50]);
    // slot 1002 = 30 * 0.5 / 3 + 20 = 25
    assert.deepEqual(stored(chart, 0, 1001, 1004), [20, 25, 32, 50]);
  });
});

describe('durations and the clock', () => {
  it('trusted durations are used as given, whatever the wall clock', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [1]);
    collect(chart, 5000 * SEC, [2], 1_000_000, true); // collection time 1001.5
    assert.equal(chart.lastDurationUs, 1_000_000);
    assert.equal(chart.lastCollectedTimeUs, 1001_500_000);
    assert.equal(chart.valueAt(0, 1001), 2);
  });

  it('trusted without microseconds falls back to the wall clock', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [1]);
    collect(chart, 1001_800_000, [2], 0, true);
    assert.equal(chart.lastDurationUs, 1_300_000);
  });

  it("untrusted microseconds are the collector's while the wall clock is within 5 update-everys", () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [1]);
    collect(chart, 1001_800_000, [2], 1_000_000); // wall clock says 1.3 s, collector 1 s
    assert.equal(chart.lastDurationUs, 1_000_000);
    collect(chart, 1008_500_000, [3], 1_000_000); // 7 s behind the wall clock > 5 s: real time
    assert.equal(chart.lastDurationUs, 7_000_000);
    assert.equal(chart.lastCollectedTimeUs, 1008_500_000);
  });

  it('a database in the future moves to one update-every before now', () => {
    const chart = testChart(testHost(), ['a']);
    collect(chart, 1000_200_000, [1]);
    collect(chart, 1001_500_000, [2]);
    // wall clock 995.3 < collection time 1001.5: last collection := 994.5, last stored := 994,
    // duration := 1 s; slot 995 gets the value
    collect(chart, 995_300_000, [3], 1_000_000);
    assert.equal(chart.lastCollectedTimeUs, 995_500_000);
    assert.equal(chart.lastEntryS(), 995);
    assert.equal(chart.valueAt(0, 995), 3);
  });

  it("a stopped agent's piled-up lines are held while the chart is ahead: no second is stored twice", () => {
    const chart = testChart(testHost(), ['a']);
    for (let n = 1; n <= 3; n++) collect(chart, (999 + n) * SEC + 600_000, [n], SEC);
    assert.equal(chart.lastEntryS(), 1002);
    // stopped 7 s; the plugin printed one line a second meanwhile, all read at 1010.6
    const times: number[] = [];
    for (let n = 4; n <= 9; n++) {
      collect(chart, 1010_600_000 + n, [n], SEC);
      times.push(chart.lastEntryS());
    }
    // the first takes the stall (a gap), the second its own second; the rest go into the next slot
    assert.deepEqual(times, [1010, 1011, 1011, 1011, 1011, 1011]);
    assert.ok(chart.lastCollectedTimeUs <= 1011_600_100, `not ahead by more than one line: ${chart.lastCollectedTimeUs}`);
    collect(chart, 1011_700_000, [10], SEC); // the next live lines, a second apart
    collect(chart, 1012_700_000, [11], SEC);
    assert.deepEqual(stored(chart, 0, 1009, 1013).slice(1), [4, 5, 10, 11]);
  });

  it('an iteration longer than the whole ring resets the chart', () => {
    const chart = testChart(testHost({ historyEntries: 5 }), ['a']);
    collect(chart, 1000_200_000, [1]);
    collect(chart, 1001_500_000, [2]);
    assert.equal(chart.lastEntryS(), 1001);
    // 10 s by the wall clock > 5 slots * 1 s: reset; this END starts over like a first one
    collect(chart, 1011_700_000, [3]);
    assert.equal(chart.lastEntryS(), 0);
    assert.equal(chart.lastCollectedTimeUs, 1011_500_000);
    collect(chart, 1012_500_000, [4]); // the dimension's collections restarted too: a gap
    collect(chart, 1013_500_000, [5]);
    assert.deepEqual(stored(chart, 0, 1012, 1013), [NaN, 5]);
  });
});
