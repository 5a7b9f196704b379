import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyWriter } from './body-writer.js';
import { formatValue } from './number-format.js';

/** A fixed-seed generator, so a failure names a value that fails again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const EDGES = [
  0, -0, 1, -1, 9, 10, 99, 100, 0.1, -0.1, 0.09999999, 0.5, 1.5, 2.5, 0.3333333, 25.9, -25.9, 1e7, 1e7 - 0.5,
  9999999.5, 1234567.5, 0.12345675, 1e15 - 1, 1e15, -1e15, 2 ** 53, 1e21, 1e22, -1e22, 1e-7, 5e-8, 1e-9,
  123.456789, 1796206166, 1672531200.5, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN,
  Math.fround(25.9), Math.fround(0.1), Math.fround(1234.567),
];

function written(write: (w: BodyWriter) => void, sizeHint = 8): string {
  const w = new BodyWriter(sizeHint);
  write(w);
  return w.bytes().toString('latin1');
}

describe('BodyWriter', () => {
  it('writes every value as formatValue prints it', () => {
    for (const v of EDGES) assert.equal(written((w) => w.value(v)), formatValue(v), `value ${v}`);
    const next = random(14);
    for (let i = 0; i < 200_000; i++) {
      const magnitude = 10 ** (next() * 18 - 9);
      const v = (next() < 0.5 ? -1 : 1) * (i % 3 === 0 ? Math.fround(magnitude) : i % 3 === 1 ? Math.round(magnitude) : magnitude);
      assert.equal(written((w) => w.value(v)), formatValue(v), `value ${v}`);
    }
  });

  it('writes a row of values after commas as value does, NaN as the null text, growing from a small buffer', () => {
    const next = random(15);
    const row = Float64Array.from({ length: 5000 }, (_, i) => (i < EDGES.length ? EDGES[i]!
      : (next() < 0.5 ? -1 : 1) * (i % 2 ? Math.round(10 ** (next() * 16)) : 10 ** (next() * 18 - 9))));
    for (const nullText of ['null', '0', 'a null text longer than any number is']) {
      const expected = Array.from(row, (v) => `,${Number.isNaN(v) ? nullText : formatValue(v)}`).join('');
      assert.equal(written((w) => w.commaValues(row, 0, row.length, nullText)), expected);
      // a slice of a larger array, after text already written
      assert.equal(written((w) => { w.ascii('['); w.commaValues(row, 7, 40, nullText); }),
        `[${Array.from(row.subarray(7, 47), (v) => `,${Number.isNaN(v) ? nullText : formatValue(v)}`).join('')}`);
    }
  });

  it('writes integers as String does, -0 as 0', () => {
    for (const n of [0, -0, 7, -7, 10, 1796206166, 999_999_999_999_999, 1e15, -(2 ** 53), 1e21]) {
      assert.equal(written((w) => w.integer(n)), Object.is(n, -0) ? '0' : String(n));
    }
  });

  it('writes integers on either side of every power of ten and of the int32 range as String does, alone and in a row', () => {
    const around: number[] = [];
    for (let p = 1; p <= 1e15; p *= 10) around.push(p - 1, p, p + 1, -(p - 1), -p, -(p + 1));
    around.push(2 ** 31 - 1, 2 ** 31, -(2 ** 31 - 1), -(2 ** 31), 4_294_967_295, 4_294_967_296);
    for (const n of around) {
      assert.equal(written((w) => w.integer(n)), String(n), `integer ${n}`);
      assert.equal(written((w) => w.value(n)), String(n), `value ${n}`);
    }
    const row = Float64Array.from(around);
    // each number right after a byte, so every one starts at a different offset of its store
    assert.equal(written((w) => w.commaValues(row, 0, row.length, 'null')), around.map((n) => `,${n}`).join(''));
    for (let n = 0; n < 20_000; n++) assert.equal(written((w) => { w.byte(0x5b); w.integer(n); w.byte(0x5d); }), `[${n}]`);
  });

  it('grows past its size hint and keeps text as UTF-8', () => {
    const w = new BodyWriter(1);
    const parts: string[] = [];
    for (let i = 0; i < 1000; i++) {
      w.text('ä→');
      w.ascii(',');
      w.integer(i);
      w.byte(0x3b);
      parts.push(`ä→,${i};`);
    }
    w.ascii('x'.repeat(100));
    assert.equal(w.bytes().toString('utf8'), parts.join('') + 'x'.repeat(100));
  });
});
