process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, feedSeconds, START_S, LOCAL_GUID, type Fixture } from './test-fixture.js';

const CHILD_GUID = '99999999-8888-7777-6666-555555555555';

describe('/api/v1/topology without streaming links', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
    f.feed('CHART test.load load "Load" "load" load "" line 100 1\nDIMENSION load1 "" absolute 1 100\n');
    feedSeconds(f, 3, (i) => `BEGIN test.load\nSET load1 = ${150 + i}\nEND\n`);
    // a mirrored host restored from disk, say, whose child has not connected
    f.registry.findOrCreate({ hostname: 'child', machineGuid: CHILD_GUID, hops: 2 },
      { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
  });
  after(() => f.stop());

  it('lists the local host first, then the others with their hops, no link and via unknown, and no outbound link', async () => {
    const r = await f.get('/api/v1/topology');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json; charset=utf-8');
    const t = JSON.parse(r.body);
    assert.deepEqual(Object.keys(t), ['node', 'now', 'hosts', 'outbound']);
    assert.deepEqual(t.node, { hostname: 'web-test', machine_guid: LOCAL_GUID });
    assert.equal(t.now, f.clock.nowS);
    assert.deepEqual(t.hosts, [
      { hostname: 'web-test', machine_guid: LOCAL_GUID, hops: 0, local: true, via: null, connected: true,
        connected_since: START_S, last_data: f.clock.nowS - 1, inbound: null },
      { hostname: 'child', machine_guid: CHILD_GUID, hops: 2, local: false, via: null, connected: false,
        connected_since: null, last_data: null, inbound: null },
    ]);
    assert.deepEqual(t.outbound, []);
  });

  it('answers the same under /host/NAME/', async () => {
    const plain = JSON.parse((await f.get('/api/v1/topology')).body);
    assert.deepEqual(JSON.parse((await f.get('/host/child/api/v1/topology')).body), plain);
  });
});
