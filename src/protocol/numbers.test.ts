import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  int64Status, parseDecimalWord, parseDouble, parseDoubleBytes, parseInt64, parseInt64Big, parseLong, parseLongLongWord,
} from './numbers.js';

function strtoll(text: string): number {
  const bytes = Buffer.from(text, 'latin1');
  return parseInt64(bytes, 0, bytes.length);
}

function strtollBig(text: string): bigint {
  const bytes = Buffer.from(text, 'latin1');
  return parseInt64Big(bytes, 0, bytes.length);
}

describe('parseInt64 (strtoll base 0)', () => {
  it('reads decimals, signs and stops at the first non-digit', () => {
    assert.equal(strtoll('12345'), 12345);
    assert.equal(strtoll('-42'), -42);
    assert.equal(strtoll('+7'), 7);
    assert.equal(strtoll('1.5'), 1);
    assert.equal(strtoll('99abc'), 99);
    assert.equal(strtoll('0'), 0);
  });

  it('reads 0x as hexadecimal and a leading 0 as octal', () => {
    assert.equal(strtoll('0x1F'), 31);
    assert.equal(strtoll('0XfF'), 255);
    assert.equal(strtoll('-0x10'), -16);
    assert.equal(strtoll('010'), 8);
    assert.equal(strtoll('09'), 0);
    assert.equal(strtoll('0x'), 0);
    assert.equal(strtoll('0xg'), 0);
  });

  it('skips leading white space but not space after the sign', () => {
    assert.equal(strtoll('  \t5'), 5);
    assert.equal(strtoll('- 5'), 0);
  });

  it('gives 0 for text without digits', () => {
    assert.equal(strtoll('abc'), 0);
    assert.equal(strtoll('-'), 0);
  });

  it('flags values past 2^53 as inexact; the bigint path is exact and saturates like strtoll', () => {
    strtoll('9007199254740991');
    assert.equal(int64Status.exact, true);
    strtoll('9007199254740993');
    assert.equal(int64Status.exact, false);
    assert.equal(strtollBig('9007199254740993'), 9007199254740993n);
    assert.equal(strtollBig('-0x7fffffffffffffff'), -9223372036854775807n);
    assert.equal(strtollBig('18446744073709551615'), 9223372036854775807n);
    assert.equal(strtollBig('-99999999999999999999'), -9223372036854775808n);
  });
});

describe('parseLong, parseDecimalWord, parseDouble', () => {
  it('parseLong reads hex and octal like strtol', () => {
    assert.equal(parseLong('0x10'), 16);
    assert.equal(parseLong('-1000'), -1000);
    assert.equal(parseLong('017'), 15);
  });

  it('parseDecimalWord reads digits only (str2i), with a minus when signed', () => {
    assert.equal(parseDecimalWord('1000', true), 1000);
    assert.equal(parseDecimalWord('-5', true), -5);
    assert.equal(parseDecimalWord('-5', false), 0);
    assert.equal(parseDecimalWord('12x', true), 12);
    assert.equal(parseDecimalWord('0x10', true), 0);
    assert.equal(parseDecimalWord('', false), 0);
    // a char past latin1 is no digit (a latin1 Buffer of it would have read U+0131 as '1')
    assert.equal(parseDecimalWord('\u0131', false), 0);
  });

  it('parseLongLongWord reads str2ll exactly, a bigint past 2^53 saturated to int64', () => {
    assert.equal(parseLongLongWord('42'), 42);
    assert.equal(parseLongLongWord('-42x'), -42);
    assert.equal(parseLongLongWord('+7'), 7);
    assert.equal(parseLongLongWord('abc'), 0);
    assert.equal(parseLongLongWord('9007199254740993'), 9007199254740993n);
    assert.equal(parseLongLongWord('-99999999999999999999'), -9223372036854775808n);
    assert.equal(parseLongLongWord('99999999999999999999'), 9223372036854775807n);
  });

  it('parseDouble reads a leading number and reports leftovers', () => {
    assert.deepEqual(parseDouble('32768.0000000'), { value: 32768, rest: '' });
    assert.deepEqual(parseDouble('-1.5e3'), { value: -1500, rest: '' });
    assert.deepEqual(parseDouble('2.5kb'), { value: 2.5, rest: 'kb' });
    assert.deepEqual(parseDouble('abc'), { value: 0, rest: 'abc' });
    assert.deepEqual(parseDouble('.5'), { value: 0.5, rest: '' });
    assert.ok(Number.isNaN(parseDouble('nan').value));
    assert.equal(parseDouble('-inf').value, -Infinity);
  });
});

describe('parseDoubleBytes', () => {
  const read = (word: string): number => {
    const bytes = Buffer.from(`x ${word} y`);
    return parseDoubleBytes(bytes, 2, bytes.length - 2);
  };

  it('gives exactly what parseDouble gives, for the common form and every other', () => {
    const words = [
      '500.0000000', '-0.5000000', '7.8125000', '0.0000000', '-0.0000000', '-0', '+5', '5.', '.5', '-.5', '+.5',
      '1000', '00012.50', '0.1', '0.3', '2.675', '1.0000001', '999.9720000', '123456789012345.6', '9007199254740991',
      '9007199254740993', '99999999999.0000000', '1234567890123456789.0000000', '0.0000000000000000000001',
      '0.00000000000000000000001', '1.00000000000000000000000000000001', '1e5', '-1.5e3', '2.5E-3', 'NAN', 'nan',
      '-nan', 'inf', '-Infinity', '', '-', '.', '-.', '12abc', '1.2.3', '1..2', ' 5', '\u00e9', '١',
    ];
    for (const word of words) assert.ok(Object.is(read(word), parseDouble(word).value), `${JSON.stringify(word)}`);
  });

  it('agrees with parseDouble on random values formatted as netdata does (%0.7f)', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20000; i++) {
      const magnitude = 10 ** Math.floor(random() * 16 - 4);
      const word = ((random() - 0.5) * magnitude).toFixed(Math.floor(random() * 10));
      assert.ok(Object.is(read(word), parseDouble(word).value), word);
    }
  });
});
