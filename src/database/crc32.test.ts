import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it('equals zlib.crc32 for bytes of every length up to 300, strings and the empty input', () => {
    let x = 2463534242;
    const bytes = Buffer.alloc(300);
    for (let i = 0; i < bytes.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; bytes[i] = x & 0xff; }
    for (let n = 0; n <= bytes.length; n++) assert.equal(crc32(bytes.subarray(0, n)), zlib.crc32(bytes.subarray(0, n)), `${n} bytes`);
    for (const text of ['', 'system.cpu\0user', 'ünïcødé ≤ →', 'x'.repeat(5000)]) assert.equal(crc32(text), zlib.crc32(text), text.slice(0, 20));
  });

  it('gives the check value of CRC-32/ISO-HDLC', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
  });
});
