import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import picomatch from 'picomatch';
import { createSimplePattern } from './index.js';

/** [pattern, subject, expected] — reference §3 and DESIGN's examples. */
const CASES: Array<[string, string, boolean]> = [
  ['disk_space.*', 'disk_space./home', true],
  ['disk_space.*', 'disk_space._', true],
  ['disk_space.*', 'disk_spaceX/home', false],
  ['*{x,y}*', 'y', false],
  ['*{x,y}*', 'a{x,y}b', true],
  ['!*.private *', 'db.private', false],
  ['!*.private *', 'db.public', true],
  ['!10.1.2.3 10.*', '10.1.2.3', false],
  ['!10.1.2.3 10.*', '10.1.2.4', true],
  ['!10.1.2.3 10.*', '192.168.1.1', false],
  ['localhost *', 'localhost', true],
  ['localhost *', '127.0.0.1', true],
  ['localhost', 'localhostx', false],
  ['localhost', 'Localhost', false],
  ['*', '', false],
  ['', 'anything', false],
  ['*', '..', true],
  ['*', './x', true],
  ['a*', 'a/../b', true],
  ['a*b*c', 'a__b__c', true],
  ['a*b*c', 'acb', false],
  ['*ends', 'it ends', true],
  ['starts*', 'starts/with/slashes', true],
  ['my\\ disk', 'my disk', true],
  ['my\\ disk', 'my', false],
  ['\\!literal', '!literal', true],
  ['?', 'a', false],
  ['?', '?', true],
  ['[ab]', 'a', false],
  ['[ab]', '[ab]', true],
  ['a+(b)', 'a+(b)', true],
  ['a+(b)', 'abb', false],
  ['@(x)', 'x', false],
  ['c:\\\\d', 'c:\\d', true],
  ['first\tsecond\nthird', 'third', true],
];

describe('createSimplePattern', () => {
  for (const [pattern, subject, expected] of CASES) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(subject)}`, () => {
      assert.equal(createSimplePattern(pattern).matches(subject), expected);
    });
  }
  it('splits on the given separators instead of whitespace', () => {
    const p = createSimplePattern('a b,!c*,c*', ',');
    assert.equal(p.matches('a b'), true);
    assert.equal(p.matches('a'), false);
    assert.equal(p.matches('cat'), false);
  });
  it('keeps its text and can be shared (frozen)', () => {
    const p = createSimplePattern('!a *');
    assert.equal(p.text, '!a *');
    assert.ok(Object.isFrozen(p));
  });
  it('needs its dot stand-in: picomatch alone refuses . and .. path segments', () => {
    assert.equal(picomatch('*', { bash: true, dot: true })('..'), false);
    assert.equal(picomatch.makeRe('a*', { bash: true, dot: true }).test('a/../b'), false);
  });
});
