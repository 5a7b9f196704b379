/**
 * The receiver on a real socket, with the real config loader, registry and parser: every check
 * of reference §2.2 in order with its exact reply bytes, the V1 prompt for every kind of child,
 * a real 1.37 child's first 200 lines, already-streaming and takeover, limits, and orphans.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CAP, ERROR_ALREADY_STREAMING, ERROR_NOT_PERMITTED, ERROR_SAME_LOCALHOST, ERROR_TOO_BUSY, PROMPT_V1, PROMPT_V2, PROMPT_VN,
} from '../../src/streaming/index.js';
import { connect, logLines, PARENT_GUID, request, startParent, until, type Parent } from './in-process.js';
import { REPO } from './nodes.js';

const KEY = '11111111-2222-3333-4444-555555555555';
const DISABLED_KEY = '22222222-2222-3333-4444-555555555555';
const LOCKED_KEY = '33333333-2222-3333-4444-555555555555';
const MACHINE_KEY = '44444444-2222-3333-4444-555555555555';
const DISABLED_GUID = 'dddddddd-0000-0000-0000-000000000001';
const LOCKED_GUID = 'dddddddd-0000-0000-0000-000000000002';
const DENY_GUID = 'dddddddd-0000-0000-0000-000000000003';

const STREAM_CONF = `[${KEY}]\n\tenabled = yes\n\tdefault history = 30\n` +
  `[${DISABLED_KEY}]\n\tenabled = no\n` +
  `[${LOCKED_KEY}]\n\tenabled = yes\n\tallow from = !127.0.0.1 *\n` +
  `[${MACHINE_KEY}]\n\ttype = machine\n\tenabled = yes\n` +
  `[${DISABLED_GUID}]\n\tenabled = no\n` +
  `[${LOCKED_GUID}]\n\tallow from = 10.*\n` +
  `[${DENY_GUID}]\n\tmultiple connections = deny\n`;

const parents: Parent[] = [];
after(async () => { for (const p of parents) await p.close(); });

async function parent(...args: Parameters<typeof startParent>): Promise<Parent> {
  const p = await startParent(...args);
  parents.push(p);
  return p;
}

let guidCounter = 0;
function guid(): string {
  return `eeeeeeee-0000-0000-0000-${String(++guidCounter).padStart(12, '0')}`;
}

function fields(over: Record<string, string | undefined>): Record<string, string> {
  const all: Record<string, string | undefined> = { key: KEY, hostname: 'child', machine_guid: guid(), update_every: '1', os: 'linux', ...over };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

describe('stream receiver checks (reference §2.2)', () => {
  const refusals: Array<[string, Record<string, string | undefined>, RegExp]> = [
    ['a missing key', { key: undefined }, /request without an API key\. Forbidding access\./],
    ['a missing hostname', { hostname: undefined }, /request without a hostname\. Forbidding access\./],
    ['a missing machine GUID', { machine_guid: undefined }, /request without a machine GUID\. Forbidding access\./],
    ['a key that is not a UUID', { key: 'not-a-uuid' }, /API key 'not-a-uuid' is not valid GUID/],
    ['a GUID that is not a UUID', { machine_guid: 'abc' }, /machine GUID 'abc' is not GUID\. Forbidding access\./],
    ['an unknown key', { key: '99999999-2222-3333-4444-555555555555' }, /API key '99999999-[-0-9]+' is not allowed\./],
    ['a disabled key', { key: DISABLED_KEY }, new RegExp(`API key '${DISABLED_KEY}' is not allowed\\.`)],
    ['a key whose allow from is !127.0.0.1 *', { key: LOCKED_KEY }, /is not permitted from this IP \(127\.0\.0\.1\)/],
    ['a machine section used as a key', { key: MACHINE_KEY }, new RegExp(`API key '${MACHINE_KEY}' is not allowed\\.`)],
    ['a disabled GUID', { machine_guid: DISABLED_GUID }, new RegExp(`machine GUID '${DISABLED_GUID}' is not allowed\\.`)],
    ['a GUID whose allow from misses', { machine_guid: LOCKED_GUID }, new RegExp(`machine GUID '${LOCKED_GUID}' is not permitted from this IP`)],
  ];
  for (const [what, over, logged] of refusals) {
    it(`answers ${what} with the not-permitted bytes and closes`, async () => {
      const p = await parent(STREAM_CONF);
      const client = await connect(p.port, request(fields(over)));
      await client.closed;
      assert.equal(client.received(), ERROR_NOT_PERMITTED, 'raw bytes, no status line, no newline');
      assert.ok(logLines().some((l) => /STREAM \[receive from \[127\.0\.0\.1\]:\d+\]: /.test(l) && logged.test(l)), `logged ${logged}`);
      assert.equal(p.registry.hosts().length, 1, 'no host was created');
    });
  }

  it('refuses a child that streams the parent its own GUID', async () => {
    const p = await parent(STREAM_CONF);
    const client = await connect(p.port, request(fields({ machine_guid: PARENT_GUID })));
    await client.closed;
    assert.equal(client.received(), ERROR_SAME_LOCALHOST);
  });

  it('refuses [web] allow streaming from mismatches first', async () => {
    const p = await parent(STREAM_CONF, [['web', 'allow streaming from', '10.*']]);
    const client = await connect(p.port, request(fields({ key: 'garbage' })));
    await client.closed;
    assert.equal(client.received(), ERROR_NOT_PERMITTED);
    assert.ok(logLines().some((l) => l.includes('client 127.0.0.1 is not allowed by [web] allow streaming from')));
  });
});

describe('stream receiver accepting children', () => {
  it('answers each child with the prompt of what both share: V1 to 1.10 and ver=1, VN to versions 3-5 and to 1.37\'s bits', async () => {
    const p = await parent(STREAM_CONF);
    const shared = CAP.VCAPS | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION | CAP.FUNCTIONS | CAP.REPLICATION;
    const cases: Array<[Record<string, string>, string]> = [
      [{}, PROMPT_V1],
      [{ ver: '1' }, PROMPT_V1],
      [{ ver: '2' }, PROMPT_V2],
      [{ ver: '5' }, `${PROMPT_VN}5`],
      [{ ver: '16376', NETDATA_PROTOCOL_VERSION: '1.1' }, `${PROMPT_VN}${shared}`],
    ];
    for (const [extra, prompt] of cases) {
      const client = await connect(p.port, request(fields(extra)));
      assert.equal(await client.reply(prompt.length), prompt);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(client.received(), prompt, 'nothing follows the prompt (no newline either)');
      client.socket.destroy();
    }
  });

  it('creates the host by GUID with the key\'s history and takes a real 1.37 child\'s lines, trusting its durations', async () => {
    const p = await parent(STREAM_CONF);
    const g = guid();
    const client = await connect(p.port, request(fields({ machine_guid: g, hostname: 'nd-child', hops: '1', tags: 'a=b' })));
    assert.equal(await client.reply(PROMPT_V1.length), PROMPT_V1);
    const capture = readFileSync(join(REPO, 'test', 'fixtures', 'captures', 'netdata-1.37-child-v1-first200.txt'), 'utf8')
      .split('\n').filter((l) => !l.startsWith('#')).join('\n');
    client.socket.write(capture);
    const host = p.registry.find(g)!;
    await until('the capture is parsed', () => host?.chart('system.io_full_pressure_stall_time') !== undefined);
    assert.equal(host.hostname, 'nd-child');
    assert.equal(host.settings.historyEntries, 30, '[KEY] default history');
    assert.equal(host.settings.memoryMode, 'ram');
    assert.equal(host.identity.hops, 1);
    assert.equal(host.identity.tags, 'a=b');
    assert.equal(host.identity.programName, 'netdata');
    assert.equal(host.stream.connected, true);
    const cpu = host.chart('system.cpu')!;
    assert.equal(cpu.dimensions.length, 10);
    assert.equal(cpu.dimension('idle')!.lastCollectedValue, 1858550);
    assert.equal(cpu.dimension('idle')!.definition.options.hidden, true);
    assert.equal(host.chart('system.active_processes')!.variables.get('pidmax'), 32768);
    assert.equal(host.variables.get('active_processors'), 2);
    assert.ok(logLines().some((l) => l.includes(`Host 'nd-child' with guid '${g}' initialized, os: linux, update every: 1, memory mode: ram, history entries: 30`)));
    assert.ok(logLines().some((l) => /STREAM nd-child \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./.test(l)));

    client.socket.destroy();
    await until('the host is marked disconnected', () => !host.stream.connected);
    assert.ok(host.stream.disconnectedAtS > 0);
    assert.equal(p.registry.find(g), host, 'the host and its data stay');
    assert.ok(logLines().some((l) => /STREAM nd-child \[receive from \[127\.0\.0\.1\]:\d+\]: disconnected \(completed \d+ updates\)/.test(l)));
  });

  it('refuses the same GUID while it streams, takes over a connection silent for longer than the limit, and obeys multiple connections = deny', async () => {
    const p = await parent(STREAM_CONF, [], { alreadyStreamingSecs: 1 });
    const g = guid();
    const first = await connect(p.port, request(fields({ machine_guid: g })));
    await first.reply(PROMPT_V1.length);
    const second = await connect(p.port, request(fields({ machine_guid: g })));
    await second.closed;
    assert.equal(second.received(), ERROR_ALREADY_STREAMING);
    await new Promise((r) => setTimeout(r, 2100));
    const third = await connect(p.port, request(fields({ machine_guid: g })));
    assert.equal(await third.reply(PROMPT_V1.length), PROMPT_V1, 'a silent connection is taken over');
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.registry.find(g)!.stream.connected, true, 'the new connection owns the host');

    const denyFirst = await connect(p.port, request(fields({ machine_guid: DENY_GUID })));
    await denyFirst.reply(PROMPT_V1.length);
    await new Promise((r) => setTimeout(r, 2100));
    const denySecond = await connect(p.port, request(fields({ machine_guid: DENY_GUID })));
    await denySecond.closed;
    assert.equal(denySecond.received(), ERROR_ALREADY_STREAMING, 'deny never takes over');
    third.socket.destroy();
    denyFirst.socket.destroy();
  });
});

describe('stream receiver limits', () => {
  it('refuses connections beyond the limit, new hosts beyond the limit, and oversized requests', async () => {
    const p = await parent(STREAM_CONF, [], { maxConnections: 2, maxHosts: 1, maxRequestBytes: 400 });
    const a = await connect(p.port, request(fields({})));
    assert.equal(await a.reply(PROMPT_V1.length), PROMPT_V1);
    const b = await connect(p.port, request(fields({})));
    await b.closed;
    assert.equal(b.received(), ERROR_TOO_BUSY, 'a second host is over maxHosts');
    assert.ok(logLines().some((l) => l.includes('too many hosts (limit 1)')));
    const idle = await connect(p.port, 'STREAM key=');
    const c = await connect(p.port, request(fields({})));
    await c.closed;
    assert.equal(c.received(), ERROR_TOO_BUSY, 'a third connection is over maxConnections');
    assert.ok(logLines().some((l) => l.includes('too many streaming connections (limit 2)')));
    idle.socket.destroy();
    a.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const big = await connect(p.port, request(fields({ tags: 'x'.repeat(500) })));
    await big.closed;
    assert.equal(big.received(), ERROR_NOT_PERMITTED);
    assert.ok(logLines().some((l) => l.includes('request is larger than 400 bytes')));
  });

  it('accepts one streaming request per [web] accept a streaming request every seconds', async () => {
    const p = await parent(STREAM_CONF, [['web', 'accept a streaming request every seconds', '100']]);
    const a = await connect(p.port, request(fields({})));
    assert.equal(await a.reply(PROMPT_V1.length), PROMPT_V1);
    const b = await connect(p.port, request(fields({})));
    await b.closed;
    assert.equal(b.received(), ERROR_TOO_BUSY);
    a.socket.destroy();
  });

  it('keeps a child that sends past the idle limit and closes one that has sent nothing for that long', async () => {
    const p = await parent(STREAM_CONF, [], { idleTimeoutSecs: 1 });
    const g = guid();
    const client = await connect(p.port, request(fields({ machine_guid: g, hostname: 'idler' })));
    assert.equal(await client.reply(PROMPT_V1.length), PROMPT_V1);
    client.socket.write('CHART a.b "" "t" "u" "f" "c" line 1 1\nDIMENSION x\n');
    // a line every 300 ms for 2.4 s: more than twice the limit, never idle for it
    let sent = 0;
    for (; sent < 8; sent++) {
      await new Promise((r) => setTimeout(r, 300));
      client.socket.write(`BEGIN a.b\nSET x = ${sent}\nEND\n`);
    }
    const silentFrom = Date.now();
    await until('every iteration sent taken', () => p.registry.find(g)?.chart('a.b')?.iterations === sent);
    assert.equal(client.socket.destroyed, false, 'open while the child sends');
    await client.closed;
    const closedAfterMs = Date.now() - silentFrom;
    assert.ok(closedAfterMs >= 900 && closedAfterMs < 3000, `closed ${closedAfterMs} ms after the last line`);
    await until('the log line', () => logLines().some((l) => l.includes('idler') && l.includes('nothing received for 1 seconds')));
  });

  it('removes an orphan host after cleanup orphan hosts after seconds', async () => {
    const p = await parent(STREAM_CONF, [['global', 'cleanup orphan hosts after seconds', '1']]);
    const g = guid();
    const client = await connect(p.port, request(fields({ machine_guid: g, hostname: 'orphan' })));
    await client.reply(PROMPT_V1.length);
    client.socket.write('CHART a.b "" "t" "u" "f" "c" line 1 1\nDIMENSION x\nBEGIN a.b\nSET x = 1\nEND\n');
    await until('the chart', () => p.registry.find(g)?.chart('a.b') !== undefined);
    client.socket.destroy();
    await until('the orphan is removed', () => p.registry.find(g) === undefined, 5000);
    assert.ok(logLines().some((l) => l.includes(`Host 'orphan' with machine guid '${g}' is obsolete - cleaning up`)));
  });
});
