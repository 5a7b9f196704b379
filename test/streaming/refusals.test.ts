/**
 * What a parent refuses, with real agents on both sides (reference §2.2, §2.3): unknown,
 * disabled and non-UUID API keys, `allow from = !127.0.0.1 *`, its own GUID, and the same
 * GUID twice. Each refusal is logged by the parent and understood by the child.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, killAll, newGuid, startNode } from './nodes.js';

after(killAll);

const DISABLED_KEY = '22222222-2222-3333-4444-555555555555';
const LOCKED_KEY = '33333333-2222-3333-4444-555555555555';
const UNKNOWN_KEY = '99999999-2222-3333-4444-555555555555';

describe('a parent refusing children', () => {
  it('refuses bad keys, a foreign allow from, its own GUID and a second connection of one GUID', async () => {
    const parent = await startNode({
      hostname: 'p-refuse', plugin: false,
      receive: `[${API_KEY}]\n\tenabled = yes\n[${DISABLED_KEY}]\n\tenabled = no\n` +
        `[${LOCKED_KEY}]\n\tenabled = yes\n\tallow from = !127.0.0.1 *\n`,
    });
    const to = `127.0.0.1:${parent.port}`;
    const child = (hostname: string, apiKey: string, guid?: string) => startNode({
      hostname, guid, memoryMode: 'none', web: false, plugin: false, sendTo: { destination: to, apiKey },
    });
    const twin = newGuid();
    const [unknown, disabled, notUuid, locked, mirror, twinA, twinB] = await Promise.all([
      child('r-unknown', UNKNOWN_KEY),
      child('r-disabled', DISABLED_KEY),
      child('r-notuuid', 'not-a-uuid'),
      child('r-locked', LOCKED_KEY),
      child('r-mirror', API_KEY, parent.guid),
      child('r-twin-a', API_KEY, twin),
      child('r-twin-b', API_KEY, twin),
    ]);
    const denied = 'remote server denied access, probably we don\'t have the right API key - will not connect to it again for 60 seconds.';
    await Promise.all([
      unknown.waitFor(`STREAM r-unknown [send to ${to}]: ${denied}`),
      disabled.waitFor(`STREAM r-disabled [send to ${to}]: ${denied}`),
      notUuid.waitFor(`STREAM r-notuuid [send to ${to}]: ${denied}`),
      locked.waitFor(`STREAM r-locked [send to ${to}]: ${denied}`),
      mirror.waitFor(`STREAM r-mirror [send to ${to}]: remote server is my localhost - will not connect to it again for 3600 seconds.`),
    ]);
    const log = parent.output();
    assert.match(log, new RegExp(`STREAM \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: API key '${UNKNOWN_KEY}' is not allowed\\. Forbidding access\\.`));
    assert.match(log, new RegExp(`API key '${DISABLED_KEY}' is not allowed\\. Forbidding access\\.`));
    assert.match(log, /API key 'not-a-uuid' is not valid GUID \(use the command uuidgen to generate one\)\. Forbidding access\./);
    assert.match(log, new RegExp(`API key '${LOCKED_KEY}' is not permitted from this IP \\(127\\.0\\.0\\.1\\)\\. Forbidding access\\.`));
    assert.match(log, /STREAM r-mirror \[receive from \[127\.0\.0\.1\]:\d+\]: remote host is trying to stream my localhost back\./);

    // one twin streams, the other is told this GUID is already streaming
    const already = 'remote server says this host is already streaming to it - will not connect to it again for 120 seconds.';
    await Promise.race([twinA.waitFor(already), twinB.waitFor(already)]);
    const [winner, loser] = twinA.output().includes(already) ? [twinB, twinA] : [twinA, twinB];
    await winner.waitFor('established communication - sending metrics...');
    assert.doesNotMatch(loser.output(), /established communication/);
    assert.match(parent.output(), new RegExp(`machine GUID '${twin}' is already streaming here \\(last data \\d+ seconds ago\\)\\. Rejecting this connection\\.`));
    const info = await parent.api('/api/v1/info');
    assert.deepEqual(info.mirrored_hosts.sort(), ['p-refuse', winner.hostname].sort(), 'only the accepted twin became a host');
  });
});
