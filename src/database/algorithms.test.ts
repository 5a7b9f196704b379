/**
 * The four algorithms and counter wraps (reference §1.5 step 1), with update every 1 s.
 * Timeline used throughout: the chart's first END at wall clock 1000.2 s aligns its collection
 * time to 1000.5 s and its last stored slot to 1000 s, storing nothing; each later END comes
 * exactly 1 s after the previous collection (1001.5, 1002.5 ...) so slot t = floor(collection).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collect, dimensionDefinition, stored, testChart, testHost } from './test-fixture.js';

/** Collection times (µs): first END, then one per second at .5. */
const T = [1000_200_000, 1001_500_000, 1002_500_000, 1003_500_000, 1004_500_000];

describe('absolute', () => {
  it('stores collected * multiplier / divisor on each slot, not the first collection', () => {
    const chart = testChart(testHost(), ['a']);
    chart.defineDimension(dimensionDefinition('b', 'absolute', -8, 1000));
    collect(chart, T[0], [10, 1000]);
    collect(chart, T[1], [20, 2000]);
    collect(chart, T[2], [30, 3000]);
    // slot 1000: never stored (first END only initialises); slot 1001: 20 and 2000*-8/1000 = -16
    assert.deepEqual(stored(chart, 0, 1000, 1002), [NaN, 20, 30]);
    assert.deepEqual(stored(chart, 1, 1000, 1002), [NaN, -16, -24]);
    assert.equal(chart.dimensions[1].lastStoredValue, -24);
    assert.equal(chart.dimensions[1].lastCollectedValue, 3000);
  });
});

describe('incremental', () => {
  it('stores per-second rates and carries the unstored remainder to the next slot', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    collect(chart, T[0], [100]); // first collection: calculated 0
    collect(chart, T[1], [200]); // +100 over 1000.5..1001.5; slot 1001 gets 100*0.5 = 50, 50 carried
    collect(chart, T[2], [400]); // +200; slot 1002: 200*0.5 + 50 = 150, 100 carried
    collect(chart, T[3], [700]); // +300; slot 1003: 300*0.5 + 100 = 250
    assert.deepEqual(stored(chart, 0, 1001, 1003), [50, 150, 250]);
    assert.equal(chart.dimensions[0].lastStoredValue, 250);
  });

  it('applies multiplier and divisor to the delta', () => {
    const host = testHost();
    const chart = testChart(host, []);
    chart.defineDimension(dimensionDefinition('bits', 'incremental', 8, 1024));
    collect(chart, T[0], [0]);
    collect(chart, T[1], [1024]); // 1024*8/1024 = 8 per s; slot 1001: 8*0.5 = 4
    collect(chart, T[2], [2048]); // slot 1002: 4 + 4 = 8
    assert.deepEqual(stored(chart, 0, 1001, 1002), [4, 8]);
  });

  it('takes a 32-bit wrap as an overflow: delta = 0xFFFFFFFF - last + new', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    collect(chart, T[0], [4294967000]);
    collect(chart, T[1], [4294967200]); // +200: slot 1001 = 100, 100 carried
    collect(chart, T[2], [100]); // 4294967295 - 4294967200 + 100 = 195 < 429496720: overflow
    assert.equal(chart.resetDetected, true);
    collect(chart, T[3], [300]); // +200
    // slot 1002: 195*0.5 + 100 = 197.5 (97.5 carried); slot 1003: 200*0.5 + 97.5 = 197.5
    assert.deepEqual(stored(chart, 0, 1001, 1003), [100, 197.5, 197.5]);
    assert.equal(chart.resetDetected, false);
  });

  it('takes a 64-bit wrap exactly when the values come through setBig', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    chart.begin(0, false, T[0]);
    chart.setBig(0, 18446744073709550000n);
    chart.end(T[0]);
    chart.begin(0, false, T[1]);
    chart.setBig(0, 18446744073709551000n); // +1000 exactly (as doubles both are 2^64)
    chart.end(T[1]);
    // max ever collected > 0xFFFFFFFF: cap = 2^64-1; delta = 18446744073709551615
    // - 18446744073709551000 + 100 = 715 < 1844674407370955160: overflow
    collect(chart, T[2], [100]);
    collect(chart, T[3], [200]); // +100
    // slot 1001: 1000*0.5 = 500; slot 1002: 715*0.5 + 500 = 857.5; slot 1003: 100*0.5 + 357.5 = 407.5
    assert.deepEqual(stored(chart, 0, 1001, 1003), [500, 857.5, 407.5]);
    assert.equal(chart.dimensions[0].lastCollectedValue, 200);
  });

  it('takes a big decrease as a reset: delta 0', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    collect(chart, T[0], [1000000]);
    collect(chart, T[1], [2000000]); // +1e6: slot 1001 = 500000, 500000 carried
    // 4294967295 - 2000000 + 5 = 4292967300 >= 429496720: a reset, delta 0
    collect(chart, T[2], [5]);
    assert.equal(chart.resetDetected, true);
    collect(chart, T[3], [105]); // +100
    // slot 1002: 0 + 500000 carried; slot 1003: 100*0.5 + 0 = 50
    assert.deepEqual(stored(chart, 0, 1001, 1003), [500000, 500000, 50]);
  });

  it('noreset computes the same numbers but does not flag the reset (netdata SN_EXISTS_RESET)', () => {
    const host = testHost();
    const chart = testChart(host, []);
    chart.defineDimension(dimensionDefinition('a', 'incremental', 1, 1, { noReset: true }));
    collect(chart, T[0], [1000000]);
    collect(chart, T[1], [2000000]);
    collect(chart, T[2], [5]);
    assert.equal(chart.resetDetected, false);
    collect(chart, T[3], [105]);
    assert.deepEqual(stored(chart, 0, 1001, 1003), [500000, 500000, 50]);
  });
});

describe('percentage-of-absolute-row', () => {
  it('stores 100 * collected / sum of the updated dimensions, ignoring multiplier and divisor', () => {
    const host = testHost();
    const chart = testChart(host, []);
    chart.defineDimension(dimensionDefinition('a', 'percentage-of-absolute-row', 7, 3));
    chart.defineDimension(dimensionDefinition('b', 'percentage-of-absolute-row'));
    collect(chart, T[0], [1, 3]);
    collect(chart, T[1], [1, 3]); // 100*1/4 = 25, 100*3/4 = 75
    collect(chart, T[2], [0, 0]); // total 0: both 0
    collect(chart, T[3], [2, undefined]); // b not set: total 2, a = 100, b a gap
    assert.deepEqual(stored(chart, 0, 1001, 1003), [25, 0, 100]);
    assert.deepEqual(stored(chart, 1, 1001, 1003), [75, 0, NaN]);
  });
});

describe('percentage-of-incremental-row', () => {
  it('stores 100 * own increase / increase of the row total', () => {
    const chart = testChart(testHost(), ['a', 'b'], 'percentage-of-incremental-row');
    collect(chart, T[0], [10, 30]); // first collection: 0
    collect(chart, T[1], [20, 60]); // +10, +30 of +40: 25, 75
    collect(chart, T[2], [25, 60]); // +5, +0 of +5: 100, 0
    collect(chart, T[3], [25, 60]); // totals equal: 0, 0
    // a goes back to 5: its last becomes 5 (delta 0); the totals are not adjusted:
    // row delta = 75 - 85 = -10, so a = 100*0/-10 = -0 and b = 100*10/-10 = -100
    collect(chart, T[4], [5, 70]);
    assert.equal(chart.resetDetected, true);
    assert.deepEqual(stored(chart, 0, 1001, 1004), [25, 100, 0, -0]);
    assert.deepEqual(stored(chart, 1, 1001, 1004), [75, 0, 0, -100]);
  });
});
