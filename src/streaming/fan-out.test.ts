import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadNetdataConfig, loadStreamConfig } from '../config/index.js';
import { createHostRegistry, type HostSettings } from '../database/index.js';
import { setLogSink } from '../log.js';
import { createFanOut } from './fan-out.js';
import type { SenderContext } from './host-sender.js';

const HOST_SETTINGS: HostSettings = { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 };
const logged: string[] = [];
const previousSink = setLogSink((line) => { logged.push(line); });
after(() => { setLogSink(previousSink); });

function context(): SenderContext {
  const netdata = loadNetdataConfig(null, [['global', 'memory mode', 'ram']]);
  return { sender: loadStreamConfig(null, netdata).sender, matches: () => true, programVersion: 'v0', localGuid: 'aaaaaaaa-0000-0000-0000-000000000001' };
}

describe('createFanOut', () => {
  it('makes destination one failover link and each also send to destination a link of its own', () => {
    const host = createHostRegistry({ hostname: 'fan', machineGuid: 'aaaaaaaa-0000-0000-0000-000000000001', hops: 0 }, HOST_SETTINGS).localhost;
    const fan = createFanOut(host, {
      destination: ['127.0.0.1:1 127.0.0.1:2'], alsoSendTo: ['127.0.0.1:3,127.0.0.1:2', '127.0.0.1:4', 'tcp:127.0.0.1:99999'],
      apiKey: 'k', sendChartsMatching: '*', mode: 'local',
    }, context());
    assert.equal(fan.links.length, 3, 'destination, then :3 and :4; :2 again and the bad port left out');
    assert.equal(fan.linkStats.length, 3);
    assert.deepEqual(fan.linkStats.map((s) => s.connected), [false, false, false], 'nothing connects before start()');
    assert.ok(logged.some((l) => l.includes("STREAM fan [send]: 'also send to' names 127.0.0.1:2 again - it already has a link; ignored.")), logged.join(''));
    assert.ok(logged.some((l) => l.includes("destination 'tcp:127.0.0.1:99999': port '99999' is not a number from 1 to 65535")));
  });
});
