/**
 * Functions through the stream between real Tributary agents on 127.0.0.1 (docs/functions.md):
 * a child runs the fixture functions.plugin with every function registered with its chart, its
 * parent lists them for the mirrored host and calls them through the link, and the answers
 * (good, slow, timed out, malformed, too large) come back as the child's plugin gave them,
 * while the link and its metrics go on. Through a chain of proxies (one with a database, one
 * without) calls go down and results up every hop. A host whose link is gone answers at once.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, removeAllNodes, startNode, type TestNode } from './nodes.js';

after(removeAllNodes);

interface Answer {
  status: number;
  type: string;
  body: string;
  /** Milliseconds from the request to the answer. */
  ms: number;
}

async function call(node: TestNode, path: string): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${node.port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text(), ms: Date.now() - started };
}

/** The child: functions.plugin with its functions on its chart (`command options = local`). */
function childOf(hostname: string, parent: TestNode): Promise<TestNode> {
  return startNode({
    hostname, plugin: false, fixturePlugins: ['functions.plugin'],
    sendTo: { destination: `127.0.0.1:${parent.port}` },
    extraConf: '[plugin:functions]\n\tcommand options = local\n',
  });
}

const FN_NAMES = ['fn-exit', 'fn-fast', 'fn-huge', 'fn-malformed', 'fn-never', 'fn-other', 'fn-slow'];

/** Waits until `node` lists every fixture function of `prefix`'s host. */
function listed(node: TestNode, prefix: string): Promise<Record<string, any>> {
  return eventually(`functions listed at ${prefix}`, async () => {
    const fns = await node.api(`${prefix}/api/v1/functions`);
    return Object.keys(fns).length === FN_NAMES.length ? fns : undefined;
  }, 20_000);
}

function countLinks(node: TestNode, hostname: string): number {
  return node.output().split('\n').filter((l) => l.includes(`STREAM ${hostname} [send to`) && l.includes('established link')).length;
}

describe('functions through the stream (Tributary to Tributary)', { concurrency: false }, () => {
  let parent: TestNode;
  let child: TestNode;

  it('a parent lists a child\'s functions in /api/v1/functions, info and its chart, as the child has them', async () => {
    parent = await startNode({ hostname: 'p-fn', plugin: false });
    child = await childOf('c-fn', parent);
    await child.waitFor(/STREAM c-fn \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: .*FUNCTIONS /, 20_000);
    const fns = await listed(parent, '/host/c-fn');
    assert.deepEqual(Object.keys(fns).sort(), FN_NAMES);
    assert.deepEqual(fns['fn-fast'], { help: 'answers at once', timeout: 5, options: 'LOCAL ' });
    assert.deepEqual(fns['fn-never'], { help: 'misbehaves: never', timeout: 2, options: 'LOCAL ' });
    assert.deepEqual(fns, await child.api('/api/v1/functions'), 'the parent lists what the child lists');
    const info = await parent.api('/host/c-fn/api/v1/info');
    assert.deepEqual(info.functions, fns);
    const chart = await parent.api('/host/c-fn/api/v1/chart?chart=fixture.functions');
    assert.deepEqual(Object.keys(chart.functions).sort(), FN_NAMES);
    const charts = await parent.api('/host/c-fn/api/v1/charts');
    assert.deepEqual(Object.keys(charts.charts['fixture.functions'].functions).sort(), FN_NAMES);
    assert.deepEqual(await parent.api('/api/v1/functions'), {}, 'the parent\'s own host has none');
  });

  it('calls a child\'s function through the link and answers with the child plugin\'s result', async () => {
    const r = await call(parent, '/host/c-fn/api/v1/function?function=fn-fast%20some%20args&timeout=3');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json');
    assert.deepEqual(JSON.parse(r.body), { status: 200, echo: 'fn-fast some args', timeout: 3 });
    // the GUID names the host too
    const byGuid = await call(parent, `/host/${child.guid}/api/v1/function?function=fn-fast`);
    assert.deepEqual(JSON.parse(byGuid.body), { status: 200, echo: 'fn-fast', timeout: 5 });
  });

  it('keeps several calls in flight on one link: a fast one answers while a slow one waits', async () => {
    const slow = call(parent, '/host/c-fn/api/v1/function?function=fn-slow%20x');
    await new Promise((r) => setTimeout(r, 100));
    const fast = await call(parent, '/host/c-fn/api/v1/function?function=fn-fast%20y');
    const slowAnswer = await slow;
    assert.deepEqual(JSON.parse(fast.body).echo, 'fn-fast y');
    assert.ok(fast.ms < slowAnswer.ms, `fast ${fast.ms} ms before slow ${slowAnswer.ms} ms`);
    assert.equal(slowAnswer.status, 200);
    assert.equal(slowAnswer.type, 'text/plain');
    assert.equal(slowAnswer.body, 'slow answer\nfor fn-slow x\n');
  });

  it('answers the child\'s failures as errors (timeout, another transaction, malformed, too large) and the link goes on', async () => {
    const links = countLinks(child, 'c-fn');
    const [never, other, malformed, huge] = await Promise.all([
      call(parent, '/host/c-fn/api/v1/function?function=fn-never&timeout=1'),
      call(parent, '/host/c-fn/api/v1/function?function=fn-other&timeout=1'),
      call(parent, '/host/c-fn/api/v1/function?function=fn-malformed'),
      call(parent, '/host/c-fn/api/v1/function?function=fn-huge&timeout=20'),
    ]);
    for (const r of [never, other]) {
      assert.equal(r.status, 504);
      assert.equal(JSON.parse(r.body).error_message, 'Timeout while waiting for a response from the collector.');
      assert.ok(r.ms < 2500, `timed out after ${r.ms} ms`);
    }
    assert.equal(malformed.status, 591);
    assert.match(JSON.parse(malformed.body).error_message, /plugin functions answered 'fn-malformed' with a malformed FUNCTION_RESULT_BEGIN/);
    assert.equal(huge.status, 591);
    assert.match(JSON.parse(huge.body).error_message, /plugin functions answered 'fn-huge' with a result larger than the limit of 10485760 bytes/);
    // the same link still answers and carries metrics
    const again = await call(parent, '/host/c-fn/api/v1/function?function=fn-fast');
    assert.equal(again.status, 200);
    const lastEntry = async () => (await parent.api('/host/c-fn/api/v1/chart?chart=fixture.functions')).last_entry as number;
    const before = await lastEntry();
    await eventually('the child\'s chart goes on at the parent', async () => await lastEntry() > before + 1 || undefined, 10_000);
    assert.equal(countLinks(child, 'c-fn'), links, 'the link never reconnected');
  });

  it('answers an unknown function with 404, and a host whose link is gone with 503 at once', async () => {
    const unknown = await call(parent, '/host/c-fn/api/v1/function?function=no-such-fn');
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body).error_message, 'No collector is supplying this function on this host at this time.');
    const slow = call(parent, '/host/c-fn/api/v1/function?function=fn-slow');
    await new Promise((r) => setTimeout(r, 200));
    child.kill();
    const lost = await slow;
    assert.equal(lost.status, 503);
    assert.match(JSON.parse(lost.body).error_message, /The link of c-fn closed before its child answered/);
    await parent.waitFor(/STREAM c-fn \[receive from \[127\.0\.0\.1\]:\d+\]: disconnected/, 10_000);
    const gone = await call(parent, '/host/c-fn/api/v1/function?function=fn-fast');
    assert.equal(gone.status, 503);
    assert.equal(JSON.parse(gone.body).error_message, 'The collector that registered this function, is not currently running.');
    assert.ok(gone.ms < 1000, `answered in ${gone.ms} ms`);
    assert.deepEqual(await parent.api('/host/c-fn/api/v1/functions'), {}, 'functions of a host without its link are not listed');
    await parent.stop();
  });
});

describe('functions through proxies', () => {
  it('a call from the top parent goes down a proxy with a database and one without, and the result comes up', async () => {
    const top = await startNode({ hostname: 'p-top-fn', plugin: false });
    // a node that streams re-streams its children too (proxy settings default to [stream]'s)
    const withoutDb = await startNode({
      hostname: 'px-none-fn', plugin: false, memoryMode: 'none', sendTo: { destination: `127.0.0.1:${top.port}` },
    });
    const withDb = await startNode({ hostname: 'px-ram-fn', plugin: false, sendTo: { destination: `127.0.0.1:${withoutDb.port}` } });
    const leaf = await childOf('c-deep-fn', withDb);
    for (const [node, prefix] of [[withDb, '/host/c-deep-fn'], [withoutDb, '/host/c-deep-fn'], [top, '/host/c-deep-fn']] as const) {
      await listed(node, prefix);
    }
    const r = await call(top, '/host/c-deep-fn/api/v1/function?function=fn-fast%20three%20hops&timeout=4');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 200, echo: 'fn-fast three hops', timeout: 4 });
    const slow = await call(top, '/host/c-deep-fn/api/v1/function?function=fn-slow');
    assert.equal(slow.body, 'slow answer\nfor fn-slow\n', 'the body keeps its bytes through every hop');
    const malformed = await call(top, '/host/c-deep-fn/api/v1/function?function=fn-malformed');
    assert.equal(malformed.status, 591);
    await leaf.stop();
    await withDb.waitFor(/STREAM c-deep-fn \[receive from \[127\.0\.0\.1\]:\d+\]: disconnected/, 10_000);
    const gone = await call(top, '/host/c-deep-fn/api/v1/function?function=fn-fast');
    assert.equal(gone.status, 503, 'the proxy answers for the child it lost');
    for (const node of [withDb, withoutDb, top]) await node.stop();
  });
});
