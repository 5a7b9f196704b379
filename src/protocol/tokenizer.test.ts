import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WORDS, splitWords, tokenize } from './tokenizer.js';

describe('tokenize (reference §1.3)', () => {
  it('splits at space, tab, carriage return and newline', () => {
    assert.deepEqual(tokenize('BEGIN\tsystem.cpu  1000\r'), ['BEGIN', 'system.cpu', '1000']);
    assert.deepEqual(tokenize('a\nb'), ['a', 'b']);
  });

  it('treats = as a separator, so SET x = 5 equals SET x 5', () => {
    assert.deepEqual(tokenize('SET x = 5'), ['SET', 'x', '5']);
    assert.deepEqual(tokenize('SET x=5'), ['SET', 'x', '5']);
    assert.deepEqual(tokenize('VARIABLE HOST a==7'), ['VARIABLE', 'HOST', 'a', '7']);
  });

  it('keeps separators inside double or single quotes', () => {
    assert.deepEqual(tokenize('CHART "a.b" "x y=z" \'t\tu\''), ['CHART', 'a.b', 'x y=z', 't\tu']);
  });

  it('ends a quoted word at its closing quote, even with no separator after it', () => {
    assert.deepEqual(tokenize('"abc"def'), ['abc', 'def']);
    assert.deepEqual(tokenize('x "a b"c d'), ['x', 'a b', 'c', 'd']);
  });

  it('keeps the other quote char literal inside a quoted word', () => {
    assert.deepEqual(tokenize(`X "it's" 'say "hi"'`), ['X', "it's", 'say "hi"']);
  });

  it('keeps quote chars literal in the middle of an unquoted word', () => {
    assert.deepEqual(tokenize('ab"c d"e'), ['ab"c', 'd"e']);
    assert.deepEqual(tokenize("it's here"), ["it's", 'here']);
  });

  it('steps over the char after a backslash but keeps the backslash', () => {
    assert.deepEqual(tokenize('X "a\\"b" c'), ['X', 'a\\"b', 'c']);
    assert.deepEqual(tokenize('X a\\ b'), ['X', 'a\\ b']);
    assert.deepEqual(tokenize('X a\\=b'), ['X', 'a\\=b']);
    assert.deepEqual(tokenize('X a\\'), ['X', 'a\\']);
  });

  it('gives an empty word for an empty quoted string', () => {
    assert.deepEqual(tokenize('CHART "a.b" "" "title"'), ['CHART', 'a.b', '', 'title']);
    assert.deepEqual(tokenize('"" x'), ['', 'x']);
    assert.deepEqual(tokenize("X ''"), ['X', '']);
  });

  it('runs an unclosed quote to the end of the line', () => {
    assert.deepEqual(tokenize('X "a b = c'), ['X', 'a b = c']);
  });

  it('drops an opening quote with nothing after it', () => {
    assert.deepEqual(tokenize('X "'), ['X']);
    assert.deepEqual(tokenize('X   '), ['X']);
  });

  it('always returns the first word, empty for an empty or blank line', () => {
    assert.deepEqual(tokenize(''), ['']);
    assert.deepEqual(tokenize(' = \t'), ['']);
  });

  it('keeps at most 20 words (keyword included) and drops the rest', () => {
    const words = Array.from({ length: 25 }, (_, i) => `w${i}`);
    const got = tokenize(words.join(' '));
    assert.equal(MAX_WORDS, 20);
    assert.deepEqual(got, words.slice(0, 20));
    assert.deepEqual(tokenize(words.slice(0, 20).join(' ') + ' "quoted tail'), words.slice(0, 20));
  });

  it('is case-sensitive and changes nothing in a word', () => {
    assert.deepEqual(tokenize('set X'), ['set', 'X']);
  });

  it('keeps UTF-8 inside words', () => {
    assert.deepEqual(tokenize('DIMENSION "θερμ" "°C"'), ['DIMENSION', 'θερμ', '°C']);
  });
});

describe('splitWords', () => {
  it('writes word offsets into the caller\'s array, relative to the buffer', () => {
    const bytes = Buffer.from('xxSET "a b" = 12\nyy');
    const spans = new Int32Array(2 * MAX_WORDS);
    const n = splitWords(bytes, 2, 16, spans);
    assert.equal(n, 3);
    assert.deepEqual(Array.from(spans.subarray(0, 6)), [2, 5, 7, 10, 14, 16]);
  });
});
