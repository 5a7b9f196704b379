import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideExisting, type ExistingSession } from './session-takeover.js';

const base: ExistingSession = {
  currentIp: '127.0.0.1', newIp: '127.0.0.1', idleMs: 0, updateEverySecs: 1, multipleConnections: 'allow', alreadyStreamingSecs: 30,
};

describe('decideExisting', () => {
  const cases: Array<[string, Partial<ExistingSession>, 'takeover' | 'refuse', boolean?]> = [
    ['a live session of the same address refuses (netdata)', { idleMs: 500 }, 'refuse', false],
    ['two intervals of silence are not yet dead', { idleMs: 2000 }, 'refuse', false],
    ['a dead session of the same address is taken over at once', { idleMs: 2001 }, 'takeover'],
    ['dead scales with update every', { idleMs: 15_000, updateEverySecs: 10 }, 'refuse', false],
    ['...and past two of them it is dead', { idleMs: 20_001, updateEverySecs: 10 }, 'takeover'],
    ['another address while the session is alive is a conflict', { newIp: '127.0.0.2', idleMs: 500 }, 'refuse', true],
    ['another address is a conflict even once the session is quiet', { newIp: '127.0.0.2', idleMs: 10_000 }, 'refuse', true],
    ['another address takes over a session past the 30 s window', { newIp: '127.0.0.2', idleMs: 31_000 }, 'takeover'],
    ['deny never takes over', { multipleConnections: 'deny', idleMs: 60_000 }, 'refuse', false],
    ['deny from another address is a conflict', { multipleConnections: 'deny', newIp: '127.0.0.2' }, 'refuse', true],
  ];
  for (const [name, over, action, conflict] of cases) {
    it(name, () => {
      const verdict = decideExisting({ ...base, ...over });
      assert.equal(verdict.action, action);
      if (verdict.action === 'refuse') assert.equal(verdict.conflict, conflict);
    });
  }
});
