import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha256Hex } from './spool-name-hash.js';

describe('sha256Hex', () => {
  it('gives what node:crypto gives, for the empty text, every length around a block and UTF-8 text', () => {
    const texts = ['', 'abc', '127.0.0.1:19999', 'parent-a:19999 parent-b:19999:SSL', 'ünïcødé → ≤', 'x'.repeat(1000)];
    for (let n = 50; n <= 130; n++) texts.push('d'.repeat(n));
    for (const text of texts) {
      assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'), `${text.length} characters`);
    }
  });

  it('is the FIPS 180-4 digest of "abc"', () => {
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
