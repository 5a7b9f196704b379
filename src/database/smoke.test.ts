import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collect, SEC, stored, testChart, testHost } from './test-fixture.js';

describe('smoke', () => {
  it('incremental', () => {
    const chart = testChart(testHost(), ['a'], 'incremental');
    collect(chart, 1000.2 * SEC, [100]);
    collect(chart, 1001.5 * SEC, [200]);
    collect(chart, 1002.5 * SEC, [400]);
    assert.deepEqual(stored(chart, 0, 1000, 1003), [NaN, 50, 150, NaN]);
    assert.equal(chart.firstEntryS(), 1001);
    assert.equal(chart.lastEntryS(), 1002);
  });
});
