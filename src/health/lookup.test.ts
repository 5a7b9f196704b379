import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runLookup } from './lookup.js';
import { parseLookup } from './lookup-spec.js';
import { defineChart, feed, testRegistry } from './test-fixture.js';

/** test.chart with `a` = i and `b` (named `bee`) = -2i, collected at 1000+i for i in 0..29. */
function knownChart() {
  const registry = testRegistry();
  const chart = defineChart(registry.localhost, 'test.chart', ['a', 'b:bee']);
  feed(chart, 1000, Array.from({ length: 30 }, (_, i) => [i, -2 * i]));
  return chart;
}

describe('runLookup', () => {
  it('groups the window with every method and option, as netdata does', () => {
    const chart = knownChart();
    // the first collection only starts the chart: slots are 1001..1029
    assert.equal(chart.firstEntryS(), 1001);
    assert.equal(chart.lastEntryS(), 1029);
    const table: Array<[string, number, number, number]> = [
      // lookup, value, db_after, db_before
      ['average -10s unaligned', 24.5 - 49, 1020, 1029],
      ['average -10s', 15.5 - 31, 1011, 1020],
      ['sum -5s unaligned of a', 25 + 26 + 27 + 28 + 29, 1025, 1029],
      ['max -5s unaligned', 29 - 58, 1025, 1029],
      ['min -5s unaligned absolute', 25 + 50, 1025, 1029],
      ['average -5s unaligned min2max', 27 + 54, 1025, 1029],
      ['median -4s unaligned of bee', -55, 1026, 1029],
      ['median -5s unaligned match-names of bee', -54, 1025, 1029],
      ['incremental_sum -5s unaligned of a', 4, 1025, 1029],
      ['average -5s unaligned percentage of a', -100, 1025, 1029],
      ['average -5s unaligned absolute percentage of a', (27 * 100) / 81, 1025, 1029],
      ['average -5s at -10s unaligned of a', 17, 1015, 1019],
      ['average -5s unaligned of a,bee', 27 - 54, 1025, 1029],
      ['average -5s unaligned of !a,*', -54, 1025, 1029],
    ];
    for (const [line, value, after, before] of table) {
      const result = runLookup(chart, parseLookup(line).spec!);
      assert.deepEqual([result.value, result.dbAfterS, result.dbBeforeS], [value, after, before], line);
    }
  });

  it('gives null when no selected dimension has data, and 0 with null2zero', () => {
    const chart = knownChart();
    const none = runLookup(chart, parseLookup('average -5s unaligned match-ids of bee').spec!);
    assert.equal(none.isNull, true);
    assert.ok(Number.isNaN(none.value));
    const gap = defineChart(chart.host, 'test.gap', ['x']);
    feed(gap, 1000, [[1], [2], [NaN], [NaN], [NaN]]);
    assert.ok(Number.isNaN(runLookup(gap, parseLookup('average -2s unaligned').spec!).value));
    assert.equal(runLookup(gap, parseLookup('average -2s unaligned null2zero').spec!).value, 0);
  });
});
