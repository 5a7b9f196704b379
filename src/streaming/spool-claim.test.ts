/**
 * The spool's state a sender tells its parent: from a real spool's counters (one filled past
 * its bound on disk), formatted and read back, and what a parent refuses to read.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool } from './spool.js';
import { formatSpoolClaim, parseSpoolClaim, spoolClaim } from './spool-claim.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-claim-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('spool claim', () => {
  it('says what a full spool dropped and since when it holds data', () => {
    const spool = Spool.open({ directory: path.join(root, 'full'), maxBytes: 16 * 1024, label: 'claim' });
    assert.deepEqual(spoolClaim(spool.stats), { oldestS: 0, droppedPoints: 0, droppedUntilS: 0 }, 'empty: nothing held, nothing dropped');
    const ids = Array.from({ length: 32 }, (_, i) => `d${i}`);
    const values = new Float64Array(ids.length).fill(1);
    for (let t = 1000; t < 1400; t++) {
      spool.append('c', 1, t, ids, values);
      spool.flush();
    }
    const claim = spoolClaim(spool.stats);
    spool.close();
    assert.ok(claim.droppedPoints > 0 && claim.droppedUntilS >= 1000, JSON.stringify(claim));
    assert.ok(claim.oldestS > claim.droppedUntilS && claim.oldestS < 1400, JSON.stringify(claim));
    assert.equal(claim.droppedPoints, claim.oldestS - 1000, 'every second before the oldest held was dropped');
    assert.deepEqual(parseSpoolClaim(formatSpoolClaim(claim)), claim);
  });

  it('reads only its own format, bounded', () => {
    assert.deepEqual(parseSpoolClaim('oldest=5, dropped=3, until=4'), { oldestS: 5, droppedPoints: 3, droppedUntilS: 4 });
    for (const bad of ['', 'oldest=5,dropped=3,until=4', 'until=4, dropped=3, oldest=5', 'oldest=5, dropped=3, until=4, more=1',
      `oldest=5, dropped=${'9'.repeat(16)}, until=4`, 'oldest=5, dropped=9999999999999999, until=4'.padEnd(200, ' ')]) {
      assert.equal(parseSpoolClaim(bad), null, bad);
    }
  });
});
