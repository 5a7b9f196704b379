import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from '../protocol/index.js';
import { createHostRegistry } from './index.js';
import { queryChart, DEFAULT_QUERY_OPTIONS, type GroupMethod, type QueryRequest } from './query.js';
import { QueryScratch } from './query-scratch.js';
import type { Chart } from './types.js';

const START_S = 1_700_000_000;

/** A chart of 3 dimensions every `ue` s over 300 slots, with gaps, zeros, negatives and fractions. */
function chartWithGaps(ue: number): Chart {
  const registry = createHostRegistry({ hostname: 'q', machineGuid: '00000000-0000-0000-0000-0000000000q1' },
    { memoryMode: 'ram', historyEntries: 256, updateEverySecs: ue, gapWhenLostIterationsAbove: 1 });
  let nowS = START_S;
  const parser = createParser({
    source: 'test', host: registry.localhost, trustedDurations: false, defaultUpdateEverySecs: ue,
    defaultPluginName: 'test.plugin', nowUs: () => nowS * 1e6,
  });
  parser.feed(Buffer.from(`CHART q.c "" "Q" "u" q q.c line 1 ${ue}\n` +
    'DIMENSION a "" absolute 1 1\nDIMENSION b "" absolute -1 7\nDIMENSION c "" absolute 1 1000\n'));
  for (let i = 0; i < 300; i++) {
    let block = 'BEGIN q.c\n';
    if (i % 11 !== 3) block += `SET a = ${i % 13 === 0 ? 0 : i * 37 % 1000}\n`;
    if (i % 5 !== 0) block += `SET b = ${i * 101 % 997}\n`;
    if (i < 100 || i > 140) block += `SET c = ${i * 7919 % 100003}\n`;
    parser.feed(Buffer.from(block + 'END\n'));
    nowS += ue;
  }
  return registry.localhost.chart('q.c')!;
}

describe('queryChart: average and sum', () => {
  it('groups each row from the stored slots as the definition says: sum of the values, over their count (or the gtime divisor)', () => {
    for (const ue of [1, 2]) {
      const chart = chartWithGaps(ue);
      for (const group of ['average', 'sum'] as GroupMethod[]) {
        for (const points of [0, 7, 50, 120]) {
          for (const gtimeS of [0, 3 * ue, 5 * ue]) {
            for (const afterS of [-200 * ue, -77 * ue]) {
              const r = queryChart(chart, { afterS, beforeS: 0, points, group, gtimeS, options: DEFAULT_QUERY_OPTIONS });
              const what = `ue ${ue} ${group} points ${points} gtime ${gtimeS} after ${afterS}`;
              assert.ok(r.rows > 0, what);
              for (let row = 0; row < r.rows; row++) {
                for (let c = 0; c < 3; c++) {
                  let sum = 0;
                  let count = 0;
                  for (let j = 0; j < r.groupSize; j++) {
                    const v = chart.valueAt(c, r.times[row]! - j * ue);
                    if (Number.isNaN(v)) continue;
                    sum += v;
                    count++;
                  }
                  const divisor = gtimeS > ue ? (r.groupSize * ue) / gtimeS : count;
                  const expected = count === 0 ? NaN : group === 'sum' ? sum : sum / divisor;
                  assert.equal(r.values[row * 3 + c], expected, `${what} row ${row} dimension ${c}`);
                }
              }
              assert.equal(r.min, Math.min(0, ...[...r.values].filter((v) => !Number.isNaN(v))), what);
              assert.equal(r.max, Math.max(0, ...[...r.values].filter((v) => !Number.isNaN(v))), what);
            }
          }
        }
      }
    }
  });
});

describe('queryChart with a scratch', () => {
  it('answers every query as with arrays of its own, the same arrays growing and serving query after query', () => {
    const chart = chartWithGaps(1);
    const scratch = new QueryScratch();
    const requests: QueryRequest[] = [];
    for (const group of ['average', 'sum', 'min', 'max', 'median', 'incremental_sum'] as GroupMethod[]) {
      for (const [afterS, points] of [[-10, 10], [-250, 0], [-30, 7], [-250, 250], [-5, 5], [-120, 13]]) {
        for (const options of [DEFAULT_QUERY_OPTIONS, { ...DEFAULT_QUERY_OPTIONS, abs: true, percentage: true }]) {
          requests.push({ afterS, beforeS: 0, points, group, gtimeS: 0, options });
        }
      }
    }
    let shared = 0;
    let previous: Float64Array | null = null;
    for (const req of requests) {
      const fresh = queryChart(chart, req);
      const lent = queryChart(chart, req, scratch);
      const what = JSON.stringify({ ...req, options: undefined, abs: req.options.abs });
      assert.deepEqual({ ...lent, times: [...lent.times], values: [...lent.values] },
        { ...fresh, times: [...fresh.times], values: [...fresh.values] }, what);
      if (previous && lent.times.buffer === previous.buffer) shared++;
      previous = lent.times;
    }
    // after the largest window made them grow, the queries all read the same memory
    assert.ok(shared >= requests.length - 8, `${shared} of ${requests.length} queries on the arrays of the one before`);
  });
});
