import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cameThrough, forwardedPath, isShorterPath, MAX_VIA_NODES, PATH_HEADER, PathError, pathOf } from './peer-loop.js';
import { buildStreamRequest, parseStreamRequest, type SenderIdentity } from './request.js';
import { ERROR_LOOP, PEER_REFUSAL, validateResponse } from './prompts.js';
import { SenderLog } from './events.js';
import { parseDestination } from './destination.js';
import { setLogSink } from '../log.js';

const A = 'aaaaaaaa-1111-2222-3333-444444444444';
const B = 'BBBBBBBB-1111-2222-3333-444444444444';

const identity: SenderIdentity = {
  apiKey: 'k', hostname: 'c', registryHostname: 'c', machineGuid: 'cccccccc-1111-2222-3333-444444444444',
  updateEverySecs: 1, os: 'linux', timezone: 'UTC', abbrevTimezone: 'UTC', utcOffsetSecs: 0, hops: 2, tags: '',
  version: 1, programName: 'tributary', programVersion: 'v0',
};

describe('peer-loop path', () => {
  it('a proxy\'s request carries the path, the local host\'s none; the receiver reads it back', () => {
    assert.ok(!buildStreamRequest(identity).includes(PATH_HEADER), 'no path: the request netdata sends');
    const path = forwardedPath(forwardedPath([], A), B);
    const built = buildStreamRequest({ ...identity, path });
    const request = parseStreamRequest(built);
    assert.deepEqual([...request.params.keys()], [...parseStreamRequest(buildStreamRequest(identity)).params.keys()],
      'the path is a header, not a parameter a netdata parent would log as not used');
    assert.deepEqual(pathOf(request.pathText), [A, B.toLowerCase()]);
    assert.ok(cameThrough(pathOf(request.pathText), A.toUpperCase()));
    assert.ok(!cameThrough(pathOf(request.pathText), identity.machineGuid));
  });
  it('refuses a path that is too long or names something that is not a GUID', () => {
    const long = Array.from({ length: MAX_VIA_NODES + 1 }, () => A).join(',');
    assert.throws(() => pathOf(long), (e) => e instanceof PathError && /names 33 nodes, more than 32/.test(e.message));
    assert.throws(() => pathOf(`${A},../etc`), /'\.\.\/etc', which is not a machine GUID/);
    assert.deepEqual(pathOf(null), []);
  });
  it('keeps the newest nodes of a path at its limit', () => {
    const full = Array.from({ length: MAX_VIA_NODES }, () => A);
    const next = forwardedPath(full, B);
    assert.equal(next.length, MAX_VIA_NODES);
    assert.equal(next.at(-1), B.toLowerCase());
  });
  it('a shorter path takes a host over, an equal or longer one does not', () => {
    assert.ok(isShorterPath(1, 2));
    assert.ok(!isShorterPath(2, 2));
    assert.ok(!isShorterPath(3, 2));
  });
  it('a sender reads the loop reply as a refusal for an hour', () => {
    assert.deepEqual(validateResponse(ERROR_LOOP), { ok: false, reason: 'remote server is where this host came from (a loop)', postponeSecs: 3600 });
  });
});

describe('SenderLog refusals between peers', () => {
  it('logs a peer refusal once until that parent accepts, and any other refusal every time', () => {
    const lines: string[] = [];
    const previous = setLogSink((l) => lines.push(l));
    try {
      const listener = new SenderLog('h').listener(() => undefined);
      const d = parseDestination('127.0.0.1:19999', 19999);
      for (let i = 0; i < 3; i++) listener.refused!(d, PEER_REFUSAL.alreadyStreaming, 120);
      assert.equal(lines.filter((l) => l.includes('already streaming to it')).length, 1);
      listener.ready!(d);
      listener.refused!(d, PEER_REFUSAL.alreadyStreaming, 120);
      assert.equal(lines.filter((l) => l.includes('already streaming to it')).length, 2, 'again after an accepted link');
      for (let i = 0; i < 2; i++) listener.refused!(d, 'remote server is too busy to accept this request', 60);
      assert.equal(lines.filter((l) => l.includes('too busy')).length, 2);
    } finally {
      setLogSink(previous);
    }
  });
});
