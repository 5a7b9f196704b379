import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readSlots, storedSlots, valueAt, type RingState } from './ring-read.js';

describe('readSlots', () => {
  it('reads what valueAt reads, slot by slot, over full, partly filled and wrapped rings and windows on either side', () => {
    const entries = 7;
    const ring = Float32Array.from({ length: entries }, (_, i) => 10 + i);
    for (const ue of [1, 2, 3]) {
      for (const counter of [0, 1, 3, 7, 8, 20]) {
        for (let currentEntry = 0; currentEntry < entries; currentEntry++) {
          const s: RingState = { currentEntry, counter, lastUpdatedUs: 1_000_000 * 1000, updateEverySecs: ue, entries };
          const stored = storedSlots(s, true);
          for (let newestS = 1000 - 12 * ue; newestS <= 1000 + 5 * ue; newestS++) {
            for (const count of [0, 1, 4, 30]) {
              const out = new Float64Array(count + 2).fill(-1);
              readSlots(s, stored, ring, newestS, count, out);
              const expected = Array.from({ length: count }, (_, k) => valueAt(s, stored, ring, newestS - k * ue));
              assert.deepEqual([...out.subarray(0, count)], expected, `ue ${ue} counter ${counter} current ${currentEntry} newest ${newestS}`);
              assert.deepEqual([...out.subarray(count)], [-1, -1], 'nothing written past count');
            }
          }
        }
      }
    }
  });

  it('reads NaN for a dimension without a ring and a chart that stored nothing', () => {
    const s: RingState = { currentEntry: 2, counter: 5, lastUpdatedUs: 5e9, updateEverySecs: 1, entries: 10 };
    const out = new Float64Array(4).fill(-1);
    readSlots(s, storedSlots(s, true), null, 5000, 3, out);
    assert.deepEqual([...out], [NaN, NaN, NaN, -1]);
    out.fill(-1);
    readSlots(s, storedSlots(s, false), new Float32Array(10), 5000, 3, out);
    assert.deepEqual([...out], [NaN, NaN, NaN, -1]);
  });
});
