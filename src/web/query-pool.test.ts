process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostRegistry, type MemoryMode } from '../database/index.js';
import { setLogSink } from '../log.js';
import { createParser } from '../protocol/index.js';
import { dataRequest } from './api-data.js';
import { HttpError, type ApiResponse } from './http-error.js';
import { parseParams } from './params.js';
import { createQueryPool, type QueryPool } from './query-pool.js';
import { startFixture, feedSeconds, type Fixture } from './test-fixture.js';

/** What a request gives: the answer, or the error's status and text. */
async function outcome(run: () => ApiResponse | Promise<ApiResponse>): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { status: err.status, message: err.message, headers: err.headers };
  }
}

/**
 * A pool's answer as `dataRequest` alone gives it: a body written into the pool's buffer is
 * copied out, and the buffer given back, as the app does once the answer is sent.
 */
async function answerOf(r: ApiResponse | Promise<ApiResponse>): Promise<ApiResponse> {
  const { release, ...answer } = await r;
  if (!release) return answer;
  const body = typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body);
  release();
  return { ...answer, body };
}

/**
 * The bodies of `paths` asked for at once on one connection (HTTP/1.1 pipelining), in order,
 * read only after `readAfterMs`: until then the answers fill the socket's buffers and wait.
 */
function pipeline(port: number, paths: string[], readAfterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    setTimeout(() => socket.resume(), readAfterMs);
    let data = Buffer.alloc(0);
    const bodies: string[] = [];
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(data.subarray(0, end).toString('latin1'))?.[1]);
        if (data.length < end + 4 + length) return;
        bodies.push(data.subarray(end + 4, end + 4 + length).toString('utf8'));
        data = data.subarray(end + 4 + length);
        if (bodies.length === paths.length) {
          socket.destroy();
          resolve(bodies);
          return;
        }
      }
    });
    socket.on('error', reject);
    socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
  });
}

/**
 * Charts of every kind a query meets, fed through the real parser for 400 s (the ring holds
 * 120): counters, negative multipliers, a hidden dimension, gaps, a renamed chart, 2 s charts.
 */
function feedAll(f: Fixture, seconds: number): void {
  feedSeconds(f, seconds, (i) =>
    `BEGIN pool.cpu\nSET user = ${10 + (i % 7)}\nSET system = ${(20 * i) % 300}\nSET idle = 100\nEND\n` +
    `BEGIN pool.net\nSET in = ${i * 1000 + (i % 5) * 37}\nSET out = ${i * 800}\nEND\n` +
    `BEGIN pool.gaps\n${i % 3 ? `SET a = ${i}\n` : ''}SET b = ${-i}\nEND\n` +
    (i % 2 === 0 ? `BEGIN pool.slow\nSET x = ${i * 3}\nEND\n` : '') +
    `BEGIN pool.pct\nSET p = ${i % 10}\nSET q = ${10 - (i % 10)}\nEND\n`);
}

const DEFINITIONS = 'CHART pool.cpu cpu_named "CPU" "percentage" cpu pool.cpu stacked 100 1\n' +
  'DIMENSION user "" absolute 1 1\nDIMENSION system sys absolute 1 10\nDIMENSION idle "" absolute 1 1 hidden\n' +
  'CHART pool.net "" "Net" "kilobits/s" net pool.net area 200 1\n' +
  'DIMENSION in "" incremental 8 1024\nDIMENSION out "" incremental -8 1024\n' +
  'CHART pool.gaps "" "Gaps" "things" gaps pool.gaps line 300 1\n' +
  'DIMENSION a "" absolute 1 1\nDIMENSION b "" absolute 1 3\n' +
  'CHART pool.slow "" "Slow" "things" slow pool.slow line 400 2\nDIMENSION x "" absolute 1 1\n' +
  'CHART pool.pct "" "Pct" "%" pct pool.pct stacked 500 1\n' +
  'DIMENSION p "" percentage-of-absolute-row 1 1\nDIMENSION q "" percentage-of-absolute-row 1 1\n';

const CHARTS = ['pool.cpu', 'pool.cpu_named', 'pool.net', 'pool.gaps', 'pool.slow', 'pool.pct'];
const WINDOWS = ['', 'after=-60', 'after=-90&before=-10&points=7', 'after=0&before=0', 'after=-30&points=30',
  'points=13&group=median', 'points=9&group=min', 'points=11&group=max', 'points=5&group=sum',
  'points=6&group=incremental_sum', 'after=-100&gtime=10', 'points=17&options=unaligned'];
const FORMATS = ['format=json', 'format=json&options=jsonwrap', 'format=csv&options=jsonwrap|percentage',
  'format=ssv&options=abs|nonzero', 'format=array', 'format=datatable&options=null2zero',
  'format=datasource&tqx=reqId:1;sig:0', 'format=jsonp&callback=cb', 'format=html', 'format=markdown',
  'format=csvjsonarray&options=reversed|objectrows', 'format=tsv&options=seconds', 'format=ssvcomma&options=min2max',
  'format=json&options=ms|flip&dimensions=in|sys', 'format=json&dims=nothing', 'format=json&dimension=a&options=match-ids',
  'format=csv&filename=x.csv'];

/** Every chart × window × format, plus requests the main thread refuses. */
function requests(): string[] {
  const out: string[] = ['', 'chart=', 'chart=no.such', 'chart=%3Cb%3E&format=csv'];
  let k = 0;
  for (const chart of CHARTS) {
    for (const w of WINDOWS) {
      for (let j = 0; j < 4; j++) out.push([`chart=${chart}`, w, FORMATS[k++ % FORMATS.length]].filter(Boolean).join('&'));
    }
  }
  return out;
}

describe('query threads', () => {
  let f: Fixture;
  let pool: QueryPool;
  before(async () => {
    f = await startFixture();
    f.feed(DEFINITIONS);
    feedAll(f, 400);
    pool = createQueryPool(2, { mainWhenAlone: false });
  });
  after(async () => {
    await pool.close();
    await f.stop();
  });

  it('answer every chart, window, group, option and format byte for byte as the main thread does', async () => {
    const list = requests();
    for (const q of list) {
      const params = parseParams(q);
      const want = await outcome(() => dataRequest(f.host, params));
      const got = await outcome(() => answerOf(pool.data(f.host, params)));
      assert.deepEqual(got, want, q);
    }
    // all but the four refused requests were answered by a thread
    assert.equal(pool.counts.threads, list.length - 4);
  });

  it('answer many requests at once from both threads', async () => {
    const list = requests().slice(4);
    const want = list.map((q) => dataRequest(f.host, parseParams(q)));
    const before = pool.counts.threads;
    const got = await Promise.all(list.map((q) => answerOf(pool.data(f.host, parseParams(q)))));
    assert.deepEqual(got, want);
    assert.equal(pool.counts.threads - before, list.length);
  });

  it('answer a request alone on the main thread, and the requests of one turn on the threads', async () => {
    const mixed = createQueryPool(2, { threadMinSlots: 0 });
    const list = requests().slice(4, 60);
    for (const q of list.slice(0, 5)) assert.deepEqual(await answerOf(mixed.data(f.host, parseParams(q))), dataRequest(f.host, parseParams(q)));
    assert.deepEqual(mixed.counts, { threads: 0, main: 5 });
    const got = await Promise.all(list.map((q) => answerOf(mixed.data(f.host, parseParams(q)))));
    assert.deepEqual(got, list.map((q) => dataRequest(f.host, parseParams(q))));
    // the threads take the turn but its last request, which finds them busy
    assert.deepEqual(mixed.counts, { threads: list.length - 1, main: 6 });
    await mixed.close();
  });

  it('answer a small query on the main thread, and a larger one of the same turn on a thread', async () => {
    const sized = createQueryPool(2, { threadMinSlots: 100 });
    // pool.cpu over 60 s reads 3 x 60 slots, pool.slow over 30 s 1 x 15
    const [large, small] = ['chart=pool.cpu&after=-60&options=jsonwrap', 'chart=pool.slow&after=-30&points=30'];
    // the first large one of the turn, no thread busy, is answered on the main thread at once;
    // the small one there too; the other two large ones go to the threads at the turn's end
    const list = [large, small, large, small, large];
    const got = await Promise.all(list.map((q) => answerOf(sized.data(f.host, parseParams(q)))));
    assert.deepEqual(got, list.map((q) => dataRequest(f.host, parseParams(q))));
    assert.deepEqual(sized.counts, { threads: 2, main: 3 });
    await sized.close();
  });

  it('see a renamed dimension and a new one at the next request', async () => {
    const params = parseParams('chart=pool.gaps&after=-20&options=jsonwrap');
    await answerOf(pool.data(f.host, params));
    f.feed('CHART pool.gaps "" "Gaps" "things" gaps pool.gaps line 300 1\n' +
      'DIMENSION a renamed absolute 1 1\nDIMENSION b "" absolute 1 3\nDIMENSION c "" absolute 1 1\n');
    feedSeconds(f, 3, (i) => `BEGIN pool.gaps\nSET a = ${i}\nSET b = 1\nSET c = 5\nEND\n`);
    const got = await answerOf(pool.data(f.host, params));
    assert.equal(String(got.body), String(dataRequest(f.host, params).body));
    assert.match(String(got.body), /"dimension_names": \["renamed", "b", "c"\]/);
  });

  it('return the answer of one whole state of the chart while the main thread writes it', async () => {
    const params = parseParams('chart=pool.net&after=-120&points=120&options=jsonwrap');
    for (let round = 0; round < 20; round++) {
      const states = [String(dataRequest(f.host, params).body)];
      const asked = answerOf(pool.data(f.host, params));
      // the thread reads while this loop writes (the main thread does not yield in between)
      for (let i = 0; i < 5; i++) {
        feedAll(f, 1);
        states.push(String(dataRequest(f.host, params).body));
      }
      const got = String((await asked).body);
      assert.ok(states.includes(got), `round ${round}: an answer of no state the chart was in`);
    }
  });

  it('answer on the main thread, saying so once, when a thread\'s script cannot load', async () => {
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    const missing = new URL('./no-such-query-worker.js', import.meta.url);
    const broken = createQueryPool(2, { mainWhenAlone: false, script: missing });
    try {
      const params = parseParams('chart=pool.cpu&after=-60&points=10');
      const want = dataRequest(f.host, params);
      for (let i = 0; i < 3; i++) assert.deepEqual(await answerOf(broken.data(f.host, params)), want);
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 3; i++) assert.deepEqual(await answerOf(broken.data(f.host, params)), want);
      assert.deepEqual(broken.counts, { threads: 0, main: 6 });
      const errors = lines.filter((l) => l.includes('ERROR'));
      assert.equal(errors.length, 1, errors.join(''));
      assert.match(errors[0], /query thread could not start \(.*no-such-query-worker\.js.*\): every \/api\/v1\/data query is answered on the main thread/);
    } finally {
      setLogSink(previous);
      await broken.close();
    }
  });

  it('answer on the main thread with 0 threads', async () => {
    const main = createQueryPool(0);
    const params = parseParams('chart=pool.cpu&points=10');
    assert.deepEqual(await answerOf(main.data(f.host, params)), dataRequest(f.host, params));
    assert.deepEqual(main.counts, { threads: 0, main: 1 });
    await main.close();
  });

  it('write the main thread\'s bodies into buffers used again only once their answers are given back', async () => {
    const main = createQueryPool(0);
    const params = parseParams('chart=pool.cpu&after=-60&options=jsonwrap');
    const want = String(dataRequest(f.host, params).body);
    const first = await main.data(f.host, params);
    const held = await main.data(f.host, params);
    assert.ok(Buffer.isBuffer(first.body) && Buffer.isBuffer(held.body));
    assert.notEqual(held.body.buffer, first.body.buffer, 'a body not given back is never written over');
    first.release!();
    const again = await main.data(f.host, params);
    assert.ok(Buffer.isBuffer(again.body));
    assert.equal(again.body.buffer, first.body.buffer, 'a body given back serves the next answer');
    assert.equal(String(again.body), want);
    assert.equal(String(held.body), want);
    held.release!();
    again.release!();
    // a body wrapped in a callback is a copy: the pool's buffer went back at once
    const jsonp = await main.data(f.host, parseParams('chart=pool.cpu&after=-60&format=jsonp&callback=cb'));
    assert.equal(jsonp.release, undefined);
    await main.close();
  });

  it('serve /api/v1/data through the web server, errors included', async () => {
    const ok = await f.get('/api/v1/data?chart=pool.cpu&points=10&format=csv');
    assert.equal(ok.status, 200);
    assert.equal(String(ok.body), String(dataRequest(f.host, parseParams('chart=pool.cpu&points=10&format=csv')).body));
    const missing = await f.get('/api/v1/data?chart=no.such');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'Chart is not found: no.such');
  });
});

describe('bodies of the main thread', () => {
  for (const threads of ['0', '2']) {
    it(`are sent whole while many answers are in flight at once (query threads = ${threads})`, async () => {
      const f = await startFixture({ overrides: [['web', 'query threads', threads]] });
      try {
        f.feed(DEFINITIONS);
        feedAll(f, 400);
        const list = requests().slice(4);
        const want = list.map((q) => String(dataRequest(f.host, parseParams(q)).body));
        // one client pipelines its requests and reads nothing for a while: its answers wait in
        // the socket's buffers and the server's, while other clients' answers are written
        const port = Number(new URL(f.base).port);
        const many = Array.from({ length: 16 }, () => list).flat();
        const slow = pipeline(port, many.map((q) => `/api/v1/data?${q}`), 500);
        for (let round = 0; round < 3; round++) {
          const got = await Promise.all(list.map((q) => f.get(`/api/v1/data?${q}`)));
          got.forEach((r, i) => assert.equal(r.body, want[i], `round ${round}: ${list[i]}`));
        }
        (await slow).forEach((body, i) => assert.equal(body, want[i % list.length], `pipelined ${i}: ${many[i]}`));
      } finally {
        await f.stop();
      }
    });
  }
});

describe('query threads in every memory mode', () => {
  const modes: [MemoryMode, number | undefined][] = [['ram', undefined], ['save', undefined], ['map', undefined], ['none', 50]];
  for (const [mode, recentSlots] of modes) {
    it(`answer as the main thread does in memory mode ${mode}${recentSlots ? ' with a recent ring' : ''}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tributary-query-pool-'));
      let nowS = 1_700_000_000;
      const registry = createHostRegistry({ hostname: 'modes', machineGuid: '30000000-0000-0000-0000-000000000003' },
        { memoryMode: mode, historyEntries: 100, updateEverySecs: 1, gapWhenLostIterationsAbove: 1, recentSlots },
        { nowS: () => nowS, persistence: { cacheDir: dir, nowS: () => nowS, checkpointEverySecs: 0 } });
      const pool = createQueryPool(1, { mainWhenAlone: false });
      try {
        const parser = createParser({
          source: 'plugin modes', host: registry.localhost, trustedDurations: false, defaultUpdateEverySecs: 1,
          defaultPluginName: 'modes.plugin', nowUs: () => nowS * 1e6,
        });
        parser.feed(Buffer.from('CHART m.a "" "A" "x" a m.a line 1 1\nDIMENSION one "" absolute 1 1\n' +
          'DIMENSION two "" incremental 1 1\n'));
        for (let i = 0; i < 150; i++, nowS++) parser.feed(Buffer.from(`BEGIN m.a\nSET one = ${i % 13}\nSET two = ${i * i}\nEND\n`));
        for (const q of ['chart=m.a', 'chart=m.a&after=-40&points=8&options=jsonwrap', 'chart=m.a&after=0&before=0&format=csv']) {
          const params = parseParams(q);
          assert.deepEqual(await answerOf(pool.data(registry.localhost, params)), dataRequest(registry.localhost, params), q);
        }
        assert.equal(pool.counts.threads, 3);
      } finally {
        await pool.close();
        registry.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
