import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { compress, maxCompressedLength, uncompress } from './snappy.js';

describe('snappy block format', () => {
  const inputs: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('a')],
    ['random (incompressible)', randomBytes(70_000)],
    ['repetitive, longer than a fragment', Buffer.from('netdata_disk_space_GiB_average chart family dimension instance '.repeat(5000))],
    ['runs longer than one copy', Buffer.alloc(200_000, 7)],
    ['a literal longer than 60 bytes then copies', Buffer.concat([randomBytes(300), Buffer.alloc(100, 1), randomBytes(70), Buffer.alloc(5000, 2)])],
  ];
  for (const [name, input] of inputs) {
    it(`round-trips ${name} within the maximum length`, () => {
      const packed = compress(input);
      assert.ok(packed.length <= maxCompressedLength(input.length));
      assert.ok(uncompress(packed).equals(input));
    });
  }

  it('compresses repeated labels to a small share of their size', () => {
    const input = Buffer.from('__name__ netdata_cpu_cpu_percentage_average chart system.cpu '.repeat(1000));
    assert.ok(compress(input).length < input.length / 10);
  });

  it('refuses a block whose copy reaches before its start', () => {
    assert.throws(() => uncompress(Buffer.from([4, 0x01 | (0 << 2), 5])), /bad copy/);
  });
});
