/**
 * Bad function input over real sockets (DESIGN "Bad input", docs/functions.md), both ways.
 * A raw child negotiates FUNCTIONS with a real Tributary parent, announces a function with its
 * chart, reads each call the parent writes down the link (1.37's `FUNCTION <transaction>
 * <timeout> "<text>"`) and answers it well or badly: never, for another transaction, with a
 * malformed header, with a body over the limit, or by closing the link mid-answer. Each caller
 * gets a clear error; the link, its metrics and the other calls go on until the child leaves.
 * A raw parent sends a real Tributary child incomplete and unroutable calls and drops the link
 * while a call runs: each is logged or answered as 1.37 answers it, and an answer never goes up
 * a later connection than its call came on.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { connect, request, until, type RawClient } from './in-process.js';
import { API_KEY, eventually, removeAllNodes, newGuid, startNode, type TestNode } from './nodes.js';

after(removeAllNodes);

/** netdata's bits without REPLICATION and COMPRESSION, so the raw child writes plain lines and no replay. */
const VERSION = String(16376 - 4096 - 1024);
const FUNCTIONS_BIT = 1 << 11;
const DEFINITION = 'CHART "rfn.values" "" "Function input" "n" "rfn" "rfn.values" "line" 1000 1 "   " "rfn.plugin" ""\n' +
  'DIMENSION "a" "a" "absolute" 1 1 "  "\nFUNCTION "raw-fn" 3 "answers as told"\n';
const CALL = /FUNCTION ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) (\d+) "([^"\n]*)"\n/g;

interface Answer { status: number; body: string; ms: number }

async function call(parent: TestNode, text: string, timeout = ''): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${parent.port}/host/c-rfn/api/v1/function?function=${encodeURIComponent(text)}${timeout}`);
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

/** The calls the parent wrote down the link so far: transaction, timeout and text. */
function callsOf(client: RawClient): Array<{ transaction: string; timeout: number; text: string }> {
  return [...client.received().matchAll(CALL)].map((m) => ({ transaction: m[1], timeout: Number(m[2]), text: m[3] }));
}

async function nextCall(client: RawClient, text: string): Promise<{ transaction: string; timeout: number }> {
  await until(`the call '${text}'`, () => callsOf(client).some((c) => c.text === text));
  return callsOf(client).find((c) => c.text === text)!;
}

const errorOf = (a: Answer): string => JSON.parse(a.body).error_message;

describe('a parent calling a raw child\'s function through the link', () => {
  it('answers every bad answer with a clear error and keeps the link and its metrics', async () => {
    const parent = await startNode({ hostname: 'p-rfn', plugin: false });
    const client = await connect(parent.port, request({
      key: API_KEY, hostname: 'c-rfn', machine_guid: newGuid(), update_every: '1', os: 'linux', ver: VERSION,
    }));
    await until('the prompt', () => /version=\d+/.test(client.received()));
    assert.ok((Number(/version=(\d+)/.exec(client.received())![1]) & FUNCTIONS_BIT) !== 0, 'FUNCTIONS negotiated');
    client.socket.write(DEFINITION);
    let n = 0;
    const data = setInterval(() => client.socket.write(`BEGIN "rfn.values" 1000000\nSET "a" = ${++n}\nEND\n`), 250);
    try {
      const fns = await eventually('raw-fn listed', async () => {
        const f = await parent.api('/host/c-rfn/api/v1/functions');
        return f['raw-fn'] ? f : undefined;
      }, 10_000);
      assert.deepEqual(fns, { 'raw-fn': { help: 'answers as told', timeout: 3, options: 'LOCAL ' } });

      // a good answer, between two data blocks: its body exactly, and the call as 1.37 writes it
      const good = call(parent, 'raw-fn good', '&timeout=7');
      const goodCall = await nextCall(client, 'raw-fn good');
      assert.equal(goodCall.timeout, 7, 'the caller\'s timeout goes down with the call');
      client.socket.write(`BEGIN "rfn.values" 1000000\nSET "a" = 0\nEND\nFUNCTION_RESULT_BEGIN "${goodCall.transaction}" 200 "text/plain" 0\n` +
        'line one\nSET "a" = 99\nline three\nFUNCTION_RESULT_END\nBEGIN "rfn.values" 1000000\nSET "a" = 0\nEND\n');
      const goodAnswer = await good;
      assert.equal(goodAnswer.status, 200);
      assert.equal(goodAnswer.body, 'line one\nSET "a" = 99\nline three\n', 'body lines are not commands');

      // never answered: the parent's own timeout, without the child
      const never = await call(parent, 'raw-fn never', '&timeout=1');
      assert.equal(never.status, 504);
      assert.equal(errorOf(never), 'Timeout while waiting for a response from the collector.');
      assert.ok(never.ms >= 900 && never.ms < 2500, `answered after ${never.ms} ms`);

      // another transaction: dropped and logged, the caller times out
      const other = call(parent, 'raw-fn other', '&timeout=1');
      await nextCall(client, 'raw-fn other');
      client.socket.write('FUNCTION_RESULT_BEGIN "00000000-0000-0000-0000-000000000000" 200 "text/plain" 0\nnot yours\nFUNCTION_RESULT_END\n');
      assert.equal((await other).status, 504);
      await parent.waitFor("got a FUNCTION_RESULT_BEGIN for transaction '00000000-0000-0000-0000-000000000000', but the transaction is not found; its result is dropped.");

      // a malformed header
      const malformed = call(parent, 'raw-fn malformed');
      const malformedCall = await nextCall(client, 'raw-fn malformed');
      client.socket.write(`FUNCTION_RESULT_BEGIN "${malformedCall.transaction}" OK\nbody of a broken header\nFUNCTION_RESULT_END\n`);
      const bad = await malformed;
      assert.equal(bad.status, 591);
      assert.match(errorOf(bad), /\[receive from \[127\.0\.0\.1\]:\d+\] answered 'raw-fn malformed' with a malformed FUNCTION_RESULT_BEGIN \(status 'OK', content type '', expires ''\)/);

      // a body over the 10 MB limit, with its end: an error in its place, the link stays
      const huge = call(parent, 'raw-fn huge', '&timeout=20');
      const hugeCall = await nextCall(client, 'raw-fn huge');
      const line = `${'x'.repeat(1023)}\n`;
      client.socket.write(`FUNCTION_RESULT_BEGIN "${hugeCall.transaction}" 200 "text/plain" 0\n${line.repeat(11 * 1024)}FUNCTION_RESULT_END\n`);
      const tooLarge = await huge;
      assert.equal(tooLarge.status, 591);
      assert.match(errorOf(tooLarge), /answered 'raw-fn huge' with a result larger than the limit of 10485760 bytes; it is dropped\./);

      // the link still carries metrics and answers
      const stored = async () => (await parent.api('/host/c-rfn/api/v1/chart?chart=rfn.values')).last_entry as number;
      const before = await stored();
      await eventually('metrics after the bad answers', async () => await stored() > before || undefined, 10_000);
      const again = call(parent, 'raw-fn again');
      const againCall = await nextCall(client, 'raw-fn again');
      client.socket.write(`FUNCTION_RESULT_BEGIN "${againCall.transaction}" 200 "application/json" 0\n{"ok":true}\nFUNCTION_RESULT_END\n`);
      assert.deepEqual(JSON.parse((await again).body), { ok: true });
      assert.equal(parent.output().match(/STREAM c-rfn \[receive from [^\]]+\]:\d+\]: receiving metrics/g)?.length, 1, 'one link all along');

      // the link lost in the middle of an answer: the caller hears it at once
      const lost = call(parent, 'raw-fn lost', '&timeout=20');
      const lostCall = await nextCall(client, 'raw-fn lost');
      clearInterval(data);
      client.socket.end(`FUNCTION_RESULT_BEGIN "${lostCall.transaction}" 200 "text/plain" 0\nthe first half of`);
      const lostAnswer = await lost;
      assert.equal(lostAnswer.status, 503);
      assert.match(errorOf(lostAnswer), /^The link of c-rfn closed before its child answered \(remote end closed the connection\)\.$/);
      assert.ok(lostAnswer.ms < 5000, `answered after ${lostAnswer.ms} ms`);
      const gone = await call(parent, 'raw-fn good');
      assert.equal(gone.status, 503);
      assert.equal(errorOf(gone), 'The collector that registered this function, is not currently running.');
      assert.ok((await parent.api('/host/c-rfn/api/v1/chart?chart=rfn.values')).last_entry > 0, 'the host and its data stay');
    } finally {
      clearInterval(data);
      client.socket.destroy();
      await parent.stop();
    }
  });
});

describe('a parent taking a function result that never ends', () => {
  it('answers the caller at the limit, closes the link past 20 MiB with the reason, and keeps the host\'s data', async () => {
    const parent = await startNode({ hostname: 'p-rfn-run', plugin: false });
    const client = await connect(parent.port, request({
      key: API_KEY, hostname: 'c-rfn', machine_guid: newGuid(), update_every: '1', os: 'linux', ver: VERSION,
    }));
    try {
      await until('the prompt', () => /version=\d+/.test(client.received()));
      client.socket.write(`${DEFINITION}BEGIN "rfn.values" 1000000\nSET "a" = 1\nEND\nBEGIN "rfn.values" 1000000\nSET "a" = 2\nEND\n`);
      await eventually('raw-fn listed', async () => (await parent.api('/host/c-rfn/api/v1/functions'))['raw-fn'], 10_000);
      const runaway = call(parent, 'raw-fn runaway', '&timeout=20');
      const runawayCall = await nextCall(client, 'raw-fn runaway');
      client.socket.write(`FUNCTION_RESULT_BEGIN "${runawayCall.transaction}" 200 "text/plain" 0\n${`${'y'.repeat(1023)}\n`.repeat(21 * 1024)}`);
      const answer = await runaway;
      // the caller hears at 10 MiB, the link closes at 20 MiB
      assert.equal(answer.status, 591);
      assert.match(errorOf(answer), /answered 'raw-fn runaway' with a result larger than the limit of 10485760 bytes/);
      await parent.waitFor(/ERROR: STREAM c-rfn \[receive from \[127\.0\.0\.1\]:\d+\]: disconnected .*sent more than 20971520 bytes of a function result/, 10_000);
      await client.closed;
      assert.ok((await parent.api('/host/c-rfn/api/v1/chart?chart=rfn.values')).dimensions.a, 'the host and its chart stay');
    } finally {
      client.socket.destroy();
      await parent.stop();
    }
  });
});

/** A parent that answers every STREAM request with `version`, and keeps each connection's bytes. */
async function rawParent(version: number): Promise<{ port: number; links: Array<{ socket: net.Socket; received(): string }>; close(): void }> {
  const links: Array<{ socket: net.Socket; received(): string }> = [];
  const server = net.createServer((socket) => {
    let text = '';
    let prompted = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (!prompted && text.includes('\r\n\r\n')) {
        prompted = true;
        socket.write(`Hit me baby, push them over with the version=${version}`);
      }
    });
    links.push({ socket, received: () => text });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, links, close: () => server.close() };
}

function answerOf(text: string, transaction: string): { status: number; format: string; body: string } | undefined {
  const m = new RegExp(`FUNCTION_RESULT_BEGIN "${transaction}" (\\d+) "([^"]*)" 0\\n([^]*?)FUNCTION_RESULT_END\\n`).exec(text);
  return m ? { status: Number(m[1]), format: m[2], body: m[3] } : undefined;
}

describe('a child taking function calls from a raw parent', () => {
  it('answers routable calls on their own link, 1.37\'s error for the others, and logs what it cannot take', async () => {
    // 1.37's reply less COMPRESSION and REPLICATION: plain lines and no replay
    const upstream = await rawParent(16376 - 1024 - 4096);
    const child = await startNode({
      hostname: 'c-fn-raw', web: false, plugin: false, fixturePlugins: ['functions.plugin'],
      sendTo: { destination: `127.0.0.1:${upstream.port}` },
      extraConf: '[plugin:functions]\n\tcommand options = local\n',
    });
    try {
      await until('the definition with its functions', () => /FUNCTION "fn-never" 2 "misbehaves: never"\n/.test(upstream.links[0]?.received() ?? ''), 20_000);
      const first = upstream.links[0];
      const tag = `STREAM c-fn-raw [send to 127.0.0.1:${upstream.port}]`;
      first.socket.write('FUNCTION\nFUNCTION tx-a 5\nFUNCTION \'bad"tx\' 5 "fn-fast"\n' +
        'FUNCTION tx-unknown 5 "no-such-fn"\nFUNCTION tx-zero 0 "fn-fast zero"\nFUNCTION tx-never 1 "fn-never"\n');
      await child.waitFor(`ERROR: ${tag}: FUNCTION execution command is incomplete (transaction = '', timeout = '', function = ''). Ignoring it.`);
      await child.waitFor(`ERROR: ${tag}: FUNCTION execution command is incomplete (transaction = 'tx-a', timeout = '5', function = ''). Ignoring it.`);
      await child.waitFor(`ERROR: ${tag}: FUNCTION with an unusable transaction`);
      await until('the answers', () => ['tx-unknown', 'tx-zero', 'tx-never'].every((t) => answerOf(first.received(), t)), 5000);
      assert.deepEqual(answerOf(first.received(), 'tx-unknown'), {
        status: 404, format: 'application/json', body: '{"status":404,"error_message":"Failed to route request to collector"}\n',
      });
      const zero = answerOf(first.received(), 'tx-zero')!;
      assert.deepEqual(JSON.parse(zero.body), { status: 200, echo: 'fn-fast zero', timeout: 10 }, 'a timeout of 0 is 10 s');
      assert.equal(answerOf(first.received(), 'tx-never')!.status, 504, 'the plugin\'s timeout answered up');
      assert.doesNotMatch(first.received(), /bad"tx/);

      // the link drops while a call runs: its answer is not sent on the next link
      first.socket.write('FUNCTION tx-slow 5 "fn-slow"\n');
      await new Promise((r) => setTimeout(r, 100));
      first.socket.destroy();
      await until('the next link', () => upstream.links.length >= 2 && /CHART "fixture\.functions"/.test(upstream.links[1].received()), 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(answerOf(upstream.links[1].received(), 'tx-slow'), undefined);
      upstream.links[1].socket.write('FUNCTION tx-next 5 "fn-fast next"\n');
      await until('an answer on the next link', () => answerOf(upstream.links[1].received(), 'tx-next') !== undefined);
    } finally {
      await child.stop();
      for (const l of upstream.links) l.socket.destroy();
      upstream.close();
    }
  });
});
