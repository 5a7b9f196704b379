import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lagSeconds, MIN_RATE_WINDOW_MS, RateMeter } from './link-stats.js';

describe('RateMeter', () => {
  it('gives the growth per second since the last measured read', () => {
    const m = new RateMeter(10_000);
    assert.equal(m.read(5000, 11_000), 5000);
    assert.equal(m.read(5000 + 3000, 13_000), 1500, 'over the 2 s since the last read');
  });

  it('repeats the last figure for reads within the window, so several readers share it', () => {
    const m = new RateMeter(0);
    assert.equal(m.read(100, 1000), 100);
    assert.equal(m.read(150, 1000 + MIN_RATE_WINDOW_MS - 1), 100, 'too soon: the last figure');
    assert.equal(m.read(300, 2000), 200, 'the early read did not move the window');
  });

  it('shows 0 before a window passed and when the counter went back', () => {
    const m = new RateMeter(0, 1000);
    assert.equal(m.read(2000, 100), 0);
    assert.equal(m.read(10, 1000), 0);
    assert.equal(m.read(20, 2000), 10, 'the new counter is measured from where it went back');
  });
});

describe('lagSeconds', () => {
  it('is now minus the newest second, never negative, null before any', () => {
    assert.equal(lagSeconds(995, 1_000_500), 5);
    assert.equal(lagSeconds(1001, 1_000_000), 0);
    assert.equal(lagSeconds(0, 1_000_000), null);
  });
});
