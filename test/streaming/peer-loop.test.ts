/**
 * The receiver's rules for parents that stream to each other (peer-loop.ts), on a real socket
 * with the real config loader, registry and parser: a host whose path names this node is
 * refused as a loop, a bad path is refused naming it, and a link of a host with fewer hops takes
 * it over from one with more, which is then refused quietly (never where `deny` is set).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_ALREADY_STREAMING, ERROR_LOOP, ERROR_NOT_PERMITTED, PROMPT_V1, PATH_HEADER } from '../../src/streaming/index.js';
import { connect, logLines, PARENT_GUID, request, startParent, until, type Parent } from './in-process.js';

const KEY = '11111111-2222-3333-4444-555555555555';
const PEER = 'aaaaaaaa-0000-0000-0000-000000000001';
const DENY_GUID = 'dddddddd-0000-0000-0000-000000000003';
const STREAM_CONF = `[${KEY}]\n\tenabled = yes\n[${DENY_GUID}]\n\tmultiple connections = deny\n`;

const parents: Parent[] = [];
after(async () => { for (const p of parents) await p.close(); });

async function parent(): Promise<Parent> {
  const p = await startParent(STREAM_CONF);
  parents.push(p);
  return p;
}

let guidCounter = 0;
const newGuid = (): string => `eeeeeeee-0000-0000-0000-${String(++guidCounter).padStart(12, '0')}`;
const fields = (guid: string, over: Record<string, string> = {}): Record<string, string> =>
  ({ key: KEY, hostname: `child-${guid.slice(-2)}`, machine_guid: guid, update_every: '1', os: 'linux', ...over });

describe('receiver: loops between peers', () => {
  it('refuses a host whose path names this node, with the loop reply, and creates no host', async () => {
    const p = await parent();
    const g = newGuid();
    const client = await connect(p.port, request(fields(g, { hops: '3' }), { [PATH_HEADER]: `${PEER},${PARENT_GUID.toUpperCase()}` }));
    await client.closed;
    assert.equal(client.received(), ERROR_LOOP);
    assert.ok(logLines().some((l) => l.includes('INFO') && l.includes(`machine GUID '${g}' came through this node already (a loop of proxies)`)));
    assert.equal(p.registry.find(g), undefined);
    // a path through other nodes only is accepted
    const ok = await connect(p.port, request(fields(g, { hops: '2' }), { [PATH_HEADER]: PEER }));
    assert.equal(await ok.reply(PROMPT_V1.length), PROMPT_V1);
    ok.socket.destroy();
  });

  it('refuses a path that is not a list of machine GUIDs, naming what is wrong', async () => {
    const p = await parent();
    const client = await connect(p.port, request(fields(newGuid()), { [PATH_HEADER]: `${PEER},nope` }));
    await client.closed;
    assert.equal(client.received(), ERROR_NOT_PERMITTED);
    assert.ok(logLines().some((l) => l.includes(`'${PATH_HEADER}' has 'nope', which is not a machine GUID.`)));
  });
});

describe('receiver: the most direct link of a host wins', () => {
  it('a link with fewer hops takes the host over; one with more is refused while the host sends', async () => {
    const p = await parent();
    const g = newGuid();
    const viaPeer = await connect(p.port, request(fields(g, { hops: '2' }), { [PATH_HEADER]: PEER }));
    assert.equal(await viaPeer.reply(PROMPT_V1.length), PROMPT_V1);
    const direct = await connect(p.port, request(fields(g, { hops: '1' })));
    assert.equal(await direct.reply(PROMPT_V1.length), PROMPT_V1, 'the direct link is accepted at once');
    await viaPeer.closed;
    await until('the direct link owns the host', () => p.registry.find(g)?.stream.connected === true && p.registry.find(g)?.identity.hops === 1);
    assert.ok(logLines().some((l) => l.includes('this host is already streaming here over 2 hops; this connection has 1, so it takes over.')));
    const again = await connect(p.port, request(fields(g, { hops: '2' }), { [PATH_HEADER]: PEER }));
    await again.closed;
    assert.equal(again.received(), ERROR_ALREADY_STREAMING);
    assert.ok(logLines().some((l) => l.includes('INFO') && l.includes(`machine GUID '${g}' is already streaming here over 1 hop(s); this connection has 2. Rejecting it.`)));
    assert.equal(direct.socket.destroyed, false, 'the direct link stays');
    direct.socket.destroy();
  });

  it('never takes over where multiple connections = deny', async () => {
    const p = await parent();
    const viaPeer = await connect(p.port, request(fields(DENY_GUID, { hops: '2' }), { [PATH_HEADER]: PEER }));
    assert.equal(await viaPeer.reply(PROMPT_V1.length), PROMPT_V1);
    const direct = await connect(p.port, request(fields(DENY_GUID, { hops: '1' })));
    await direct.closed;
    assert.equal(direct.received(), ERROR_ALREADY_STREAMING);
    viaPeer.socket.destroy();
  });
});
