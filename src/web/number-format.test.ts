import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatNumber, formatValue, STORED_SIGNIFICANT_DIGITS } from './number-format.js';

/** The definition formatValue's fast path follows: 7 significant digits, at most 7 decimals. */
function reference(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return v === 0 ? '0' : String(v);
  if (!Number.isFinite(v)) return 'null';
  return formatNumber(Number(v.toPrecision(STORED_SIGNIFICANT_DIGITS)));
}

describe('formatValue', () => {
  it('prints what 7 significant digits and at most 7 decimals give, fast path or not', () => {
    let s = 7;
    const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const edges = [0.1, 0.09999999, 0.99999995, 9.9999995, 99.999995, 999999.95, 9999999.4, 1e7, 0.5, 2.5, 25.9,
      Math.fround(25.9), Math.fround(0.1), 1234567.5, 0.12345675, -0.3333333, 1e-7, 5e-8, 1e22];
    for (const v of edges) assert.equal(formatValue(v), reference(v), `value ${v}`);
    for (let i = 0; i < 300_000; i++) {
      const magnitude = 10 ** (next() * 9 - 2);
      const v = (next() < 0.5 ? -1 : 1) * (i % 2 ? Math.fround(magnitude) : magnitude);
      assert.equal(formatValue(v), reference(v), `value ${v}`);
      // just below and at powers of ten, where the fast path's digit count changes
      const p = 10 ** ((i % 9) - 1);
      for (const near of [p, p * (1 - 1e-8), p * (1 + 1e-8)]) assert.equal(formatValue(near), reference(near), `value ${near}`);
    }
  });
});
