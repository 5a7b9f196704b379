/**
 * The sender in this process (real config, registry, parser) against a listener on 127.0.0.1:0
 * that plays a parent: the exact request, the prompt check, definitions before data, host
 * variables, BEGIN microseconds during and after the resync iterations, `send charts
 * matching`, and a clean start on every reconnect.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetdataConfig, loadStreamConfig } from '../../src/config/index.js';
import { createHostRegistry } from '../../src/database/index.js';
import { createParser } from '../../src/protocol/index.js';
import { CAP, createStreaming, OFFERED_CAPABILITIES, PROMPT_V1, PROMPT_VN, type Streaming } from '../../src/streaming/index.js';
import { logLines, until } from './in-process.js';

const KEY = '11111111-2222-3333-4444-555555555555';
const CHILD_GUID = 'cccccccc-1111-2222-3333-444455556666';

/** A listener that answers each request with `reply` and records what each connection sent. */
async function fakeParent(reply: string | ((n: number) => string)) {
  const connections: Array<{ text: string; socket: net.Socket }> = [];
  const server = net.createServer((socket) => {
    const c = { text: '', socket };
    connections.push(c);
    const n = connections.length;
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      const first = c.text === '';
      c.text += d.toString();
      if (first) socket.write(typeof reply === 'string' ? reply : reply(n));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, connections };
}

const stops: Array<() => Promise<void> | void> = [];
after(async () => { for (const s of stops) await s(); });

async function child(port: number | string, streamExtra = ''): Promise<{ streaming: Streaming; feed: (text: string) => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-sender-'));
  writeFileSync(join(dir, 'netdata.conf'), `[global]\n\thostname = kid\n\tmemory mode = none\n` +
    `\tcache directory = ${join(dir, 'cache')}\n\tlib directory = ${join(dir, 'lib')}\n\tlog directory = ${join(dir, 'log')}\n`);
  writeFileSync(join(dir, 'stream.conf'), `[stream]\n\tenabled = yes\n\tdestination = ${typeof port === 'number' ? `127.0.0.1:${port}` : port}\n\tapi key = ${KEY}\n` +
    `\treconnect delay seconds = 1\n\tinitial clock resync iterations = 2\n${streamExtra}`);
  const config = loadNetdataConfig(join(dir, 'netdata.conf'));
  const stream = loadStreamConfig(join(dir, 'stream.conf'), config);
  const registry = createHostRegistry(
    { hostname: 'kid', machineGuid: CHILD_GUID, registryHostname: 'kid', os: 'linux', timezone: 'UTC', tags: '', hops: 0 },
    { memoryMode: 'none', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  // each feed is a second later, as a plugin's iterations are (lines read at once would be held)
  let clockUs = Date.now() * 1000;
  const parser = createParser({
    source: 'plugin test', host: registry.localhost, trustedDurations: false, defaultUpdateEverySecs: 1, defaultPluginName: 'test.plugin',
    nowUs: () => clockUs,
  });
  const streaming = await createStreaming(config, stream, { registry, version: 'v9.9.9', createParser });
  stops.push(() => streaming.stop());
  return { streaming, feed: (text) => { clockUs += 1_000_000; parser.feed(Buffer.from(text)); } };
}

const DEFINITIONS = `CHART test.one '' 'One' 'u' 'fam' 'test.one' line 1 1
DIMENSION a '' absolute 1 1
DIMENSION b '' incremental 1 1 hidden
CHART test.two 'second' 'Two' 'u' 'fam' 'test.two' area 2 1
DIMENSION c
VARIABLE HOST hv = 3
`;

function iteration(i: number): string {
  return `BEGIN test.one 1000000\nSET a = ${i}\nSET b = ${i * 10}\nEND\nBEGIN test.two 1000000\nSET c = -${i}\nEND\n`;
}

describe('stream sender', () => {
  it('offers its capabilities and, on the V1 prompt, falls back to version 1: every definition, the host variables, and blocks with 0 µs during the resync', async () => {
    const parent = await fakeParent(PROMPT_V1);
    stops.push(() => { parent.server.close(); });
    const kid = await child(parent.port);
    kid.feed(DEFINITIONS);
    await kid.streaming.start();
    await until('connected', () => kid.streaming.stats().sender?.connected === true);
    for (let i = 1; i <= 6; i++) kid.feed(iteration(i));
    await until('six blocks', () => (parent.connections[0]?.text.match(/^END$/gm) ?? []).length >= 12);
    const text = parent.connections[0]!.text;
    const head = text.slice(0, text.indexOf('\r\n\r\n') + 4);
    assert.match(head, new RegExp(
      `^STREAM key=${KEY}&hostname=kid&registry_hostname=kid&machine_guid=${CHILD_GUID}&update_every=1&os=linux` +
      `&timezone=[^&]+&abbrev_timezone=[^&]+&utc_offset=-?\\d+&hops=1&ml_capable=0&ml_enabled=0&mc_version=0&tags=&ver=${OFFERED_CAPABILITIES}` +
      '(&NETDATA_[A-Z0-9_]+=){27}&NETDATA_PROTOCOL_VERSION=1\\.1 HTTP/1\\.1\\r\\n' +
      // and the node it comes from (this one) in a header 1.37 passes over (docs/topology.md), and,
      // as this host keeps no database, its empty spool's state (docs/coverage.md)
      'User-Agent: tributary/v9\\.9\\.9\\r\\nAccept: \\*/\\*\\r\\nX-Tributary-Via: kid\\r\\n' +
      'X-Tributary-Spool: oldest=0, dropped=0, until=0\\r\\n\\r\\n$'));
    const lines = text.slice(head.length).split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      'VARIABLE HOST hv = 3.0000000',
      'CHART "test.one" "" "One" "u" "fam" "test.one" "line" 1 1 "   " "test.plugin" ""',
      'DIMENSION "a" "a" "absolute" 1 1 "  "',
      'DIMENSION "b" "b" "incremental" 1 1 " hidden "',
      'CHART "test.two" "second" "Two" "u" "fam" "test.two" "area" 2 1 "   " "test.plugin" ""',
      'DIMENSION "c" "c" "absolute" 1 1 "  "',
    ], 'every definition goes before any data');
    assert.deepEqual(lines.slice(6, 15), [
      'BEGIN "test.one" 0', 'SET "a" = 1', 'SET "b" = 10', 'END',
      'BEGIN "test.two" 0', 'SET "c" = -1', 'END',
      'BEGIN "test.one" 0', 'SET "a" = 2',
    ]);
    const begins = lines.filter((l) => l.startsWith('BEGIN "test.one"'));
    assert.equal(begins.length, 6);
    assert.deepEqual(begins.slice(-2), ['BEGIN "test.one" 1000000', 'BEGIN "test.one" 1000000'], 'µs once the resync is over');
    assert.ok(logLines().some((l) => l.includes('STREAM kid [send]: ready - sending metrics...')));
  });

  it('on a link with replication, sends the claim id, host labels and each definition with CHART_DEFINITION_END, and holds a chart\'s data until its REPLAY_CHART is answered', async () => {
    const shared = CAP.VCAPS | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.FUNCTIONS | CAP.REPLICATION;
    const parent = await fakeParent(`${PROMPT_VN}${shared}`);
    stops.push(() => { parent.server.close(); });
    const kid = await child(parent.port);
    kid.feed(DEFINITIONS);
    await kid.streaming.start();
    await until('connected', () => kid.streaming.stats().sender?.connected === true);
    for (let i = 1; i <= 3; i++) kid.feed(iteration(i));
    await until('both definitions', () => (parent.connections[0]?.text.match(/^CHART_DEFINITION_END /gm) ?? []).length === 2);
    await new Promise((r) => setTimeout(r, 100));
    const first = parent.connections[0]!.text;
    let lines = first.split('\n');
    const body = first.slice(first.indexOf('\r\n\r\n') + 4).split('\n');
    assert.deepEqual(body.slice(0, 2), ['VARIABLE HOST hv = 3.0000000', `CLAIMED_ID ${CHILD_GUID} NULL`], '1.37\'s order on connect');
    assert.ok(body.includes('OVERWRITE labels'), 'host labels, then OVERWRITE');
    assert.match(body.find((l) => l.startsWith('CHART_DEFINITION_END')) ?? '', /^CHART_DEFINITION_END \d+ \d+ \d+$/);
    assert.equal(lines.filter((l) => l.startsWith('BEGIN ')).length, 0, 'no data before the parent asked');
    assert.ok(logLines().some((l) => l.includes('established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION ')));

    // the parent needs nothing of test.one (an empty request): the child answers, then streams it
    parent.connections[0]!.socket.write('REPLAY_CHART "test.one" "true" 0 0\n');
    await until('the answer', () => parent.connections[0]!.text.includes('REND '));
    kid.feed(iteration(4));
    await until('data of test.one', () => parent.connections[0]!.text.includes('\nBEGIN "test.one"'));
    lines = parent.connections[0]!.text.split('\n');
    const rbegin = lines.indexOf('RBEGIN "test.one"');
    assert.ok(rbegin > 0);
    assert.match(lines[rbegin + 1]!, /^RDSTATE "a" \d+ 3 /);
    assert.match(lines[rbegin + 2]!, /^RDSTATE "b" \d+ 30 /);
    assert.match(lines[rbegin + 3]!, /^RSSTATE \d+ \d+$/);
    assert.match(lines[rbegin + 4]!, /^REND 1 \d+ \d+ true 0 0 \d+$/);
    assert.deepEqual(lines.slice(rbegin + 5, rbegin + 9), ['BEGIN "test.one" 1000000', 'SET "a" = 4', 'SET "b" = 40', 'END'],
      'live data with real microseconds from the first block');
    assert.equal(lines.filter((l) => l.startsWith('BEGIN "test.two"')).length, 0, 'test.two still waits for its answer');

    // host labels that change while connected go up at once
    kid.feed('LABEL "room" = 2 "b12"\nOVERWRITE labels\n');
    await until('the new labels', () => parent.connections[0]!.text.includes('LABEL "room" = 2 "b12"\nOVERWRITE labels\n'));
  });

  it('resends a definition only when it changed, and then before the next block', async () => {
    const parent = await fakeParent(PROMPT_V1);
    stops.push(() => { parent.server.close(); });
    const kid = await child(parent.port);
    kid.feed(DEFINITIONS);
    await kid.streaming.start();
    await until('connected', () => kid.streaming.stats().sender?.connected === true);
    for (let i = 1; i <= 4; i++) kid.feed(iteration(i));
    kid.feed(DEFINITIONS.split('\n').slice(0, 3).join('\n') + '\n'); // the same CHART and DIMENSIONs again
    kid.feed(iteration(5));
    kid.feed("CHART test.one '' 'One' 'u' 'fam' 'test.one' line 1 1\nDIMENSION z '' absolute 1 1\n");
    kid.feed(iteration(6));
    await until('six blocks of test.two', () => (parent.connections[0]?.text.match(/^BEGIN "test\.two"/gm) ?? []).length >= 6);
    const lines = parent.connections[0]!.text.split('\n');
    assert.equal(lines.filter((l) => l.startsWith('CHART "test.one"')).length, 2, 'sent at connect and after the new dimension only');
    const again = lines.lastIndexOf('CHART "test.one" "" "One" "u" "fam" "test.one" "line" 1 1 "   " "test.plugin" ""');
    assert.deepEqual(lines.slice(again + 1, again + 5), [
      'DIMENSION "a" "a" "absolute" 1 1 "  "', 'DIMENSION "b" "b" "incremental" 1 1 " hidden "',
      'DIMENSION "z" "z" "absolute" 1 1 "  "', 'BEGIN "test.one" 0',
    ], 'the whole definition, then the block, which starts a new resync');
    const fifth = lines.filter((l) => l.startsWith('BEGIN "test.one"'))[4];
    assert.equal(fifth, 'BEGIN "test.one" 1000000', 'an unchanged CHART does not restart the resync');
  });

  it('sends only the charts `send charts matching` names, by id or by name (reference §2.4)', async () => {
    const parent = await fakeParent(PROMPT_V1);
    stops.push(() => { parent.server.close(); });
    const kid = await child(parent.port, '\tsend charts matching = test.second\n');
    kid.feed(DEFINITIONS);
    await kid.streaming.start();
    await until('connected', () => kid.streaming.stats().sender?.connected === true);
    kid.feed(iteration(1));
    kid.feed(iteration(2));
    await until('two blocks', () => (parent.connections[0]?.text.match(/^END$/gm) ?? []).length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    const text = parent.connections[0]!.text;
    assert.match(text, /^CHART "test\.two" "second"/m, 'test.two goes by its name');
    assert.doesNotMatch(text, /test\.one/, 'test.one matches neither by id nor by name');
  });

  it('takes a reply one byte off the prompt as not understood, and starts clean on each reconnect', async () => {
    const odd = await fakeParent(`${PROMPT_V1}\n`);
    const parent = await fakeParent(PROMPT_V1);
    stops.push(() => { odd.server.close(); parent.server.close(); });
    const kid = await child(`127.0.0.1:${odd.port} 127.0.0.1:${parent.port}`);
    kid.feed(DEFINITIONS);
    await kid.streaming.start();
    await until('refused, then connected to the next destination', () => kid.streaming.stats().sender?.connected === true);
    assert.ok(logLines().some((l) => l.includes(`STREAM kid [send to 127.0.0.1:${odd.port}]: server is not replying properly (is it a netdata?)`) &&
      l.includes('"Hit me baby, push them over...\\n"') && l.includes('will not connect to it again for 60 seconds')));
    kid.feed(iteration(1));
    await until('data', () => (parent.connections[0]?.text ?? '').includes('END'));
    parent.connections[0]!.socket.destroy();
    await until('a second connection', () => parent.connections.length === 2 && parent.connections[1]!.text.includes('CHART "test.two"'));
    assert.equal(odd.connections.length, 1, 'the refusing destination is left alone');
    const second = parent.connections[1]!.text;
    assert.match(second.slice(second.indexOf('\r\n\r\n') + 4), /^VARIABLE HOST hv = 3\.0000000\nCHART "test.one"/,
      'host variables (as 1.37 sends them on connect) and definitions again, first');
  });
});
