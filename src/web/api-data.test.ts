process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, feedSeconds, START_S, type Fixture } from './test-fixture.js';

const T = (s: number) => START_S + s;

/**
 * test.cpu: user = 10 + t, system (name sys, divisor 10) = 2t, idle hidden = 100, stored at
 * t = 1..9 (the first iteration only primes interpolation). test.mixed: zero = 0, neg = -t
 * (multiplier -1), gap = t on odd t only.
 */
async function dataFixture(): Promise<Fixture> {
  const f = await startFixture();
  f.feed('CHART test.cpu "" "CPU" "percentage" cpu test.cpu stacked 100 1\n' +
    'DIMENSION user "" absolute 1 1\nDIMENSION system sys absolute 1 10\nDIMENSION idle "" absolute 1 1 hidden\n' +
    'CHART test.mixed "" "Mixed" "things" mixed test.mixed line 200 1\n' +
    'DIMENSION zero "" absolute 1 1\nDIMENSION neg "" absolute -1 1\nDIMENSION gap "" absolute 1 1\n');
  feedSeconds(f, 10, (i) => `BEGIN test.cpu\nSET user = ${10 + i}\nSET system = ${20 * i}\nSET idle = 100\nEND\n` +
    `BEGIN test.mixed\nSET zero = 0\nSET neg = ${i}\n${i % 2 ? `SET gap = ${i}\n` : ''}END\n`);
  return f;
}

describe('/api/v1/data', () => {
  let f: Fixture;
  before(async () => { f = await dataFixture(); });
  after(() => f.stop());

  const get = (q: string) => f.get(`/api/v1/data?${q}`);
  const rows = async (q: string) => (JSON.parse((await get(q)).body) as { data: number[][] }).data;

  it('prints format=json in netdata 1.37 layout, newest row first, hidden dimensions left out', async () => {
    const r = await get('chart=test.cpu&points=3');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json; charset=utf-8');
    assert.equal(r.body, '{\n "labels": ["time","user","sys"],\n    "data":\n [\n' +
      ` [ ${T(9)},18,16],\n [ ${T(6)},15,10],\n [ ${T(3)},12,4]\n]\n}`);
  });

  it('prints objectrows, flip and ms in netdata 1.37 layout', async () => {
    const r = await get('chart=test.cpu&points=2&options=objectrows|flip|ms');
    assert.equal(r.body, '{\n "labels": ["time","user","sys"],\n    "data":\n [\n' +
      ` { "time": ${T(4)}000,"user": 12.5,"sys": 5},\n { "time": ${T(8)}000,"user": 16.5,"sys": 13}\n]\n}`);
  });

  it('finds a chart by name and defaults after to -600 (all 9 stored points give 8 rows)', async () => {
    const data = await rows('chart=test.cpu');
    assert.equal(data.length, 8);
    assert.deepEqual(data[0], [T(9), 19, 18]);
    assert.deepEqual(data[7], [T(2), 12, 4]);
  });

  it('groups points into aligned groups with each method', async () => {
    assert.deepEqual(await rows('chart=test.cpu&points=4'),
      [[T(8), 17.5, 15], [T(6), 15.5, 11], [T(4), 13.5, 7], [T(2), 11.5, 3]]);
    assert.deepEqual(await rows('chart=test.cpu&points=4&group=sum'),
      [[T(8), 35, 30], [T(6), 31, 22], [T(4), 27, 14], [T(2), 23, 6]]);
    assert.deepEqual(await rows('chart=test.cpu&points=4&group=min'),
      [[T(8), 17, 14], [T(6), 15, 10], [T(4), 13, 6], [T(2), 11, 2]]);
    assert.deepEqual(await rows('chart=test.cpu&points=4&group=max'),
      [[T(8), 18, 16], [T(6), 16, 12], [T(4), 14, 8], [T(2), 12, 4]]);
    assert.deepEqual(await rows('chart=test.cpu&points=4&group=incremental_sum'),
      [[T(8), 1, 2], [T(6), 1, 2], [T(4), 1, 2], [T(2), 1, 2]]);
    assert.deepEqual(await rows('chart=test.cpu&points=3&group=median'),
      [[T(9), 18, 16], [T(6), 15, 10], [T(3), 12, 4]]);
    assert.deepEqual(await rows('chart=test.cpu&points=4&group=nonsense'), await rows('chart=test.cpu&points=4'));
  });

  it('does not align with options=unaligned, and gtime scales averages to the group time', async () => {
    assert.deepEqual(await rows('chart=test.cpu&points=4&options=unaligned'),
      [[T(9), 18.5, 17], [T(7), 16.5, 13], [T(5), 14.5, 9], [T(3), 12.5, 5]]);
    assert.deepEqual((await rows('chart=test.cpu&gtime=2')).slice(0, 2), [[T(8), 35, 30], [T(6), 31, 22]]);
  });

  it('takes relative and absolute after/before', async () => {
    assert.deepEqual(await rows('chart=test.cpu&after=-2'), [[T(9), 19, 18], [T(8), 18, 16]]);
    assert.deepEqual(await rows(`chart=test.cpu&after=${T(4)}&before=${T(6)}`), [[T(6), 16, 12], [T(5), 15, 10]]);
    assert.deepEqual(await rows('chart=test.cpu&after=-3&before=-2'), [[T(7), 17, 14], [T(6), 16, 12], [T(5), 15, 10]]);
  });

  it('applies flip, abs, percentage, null2zero, ms and objectrows', async () => {
    assert.deepEqual(await rows('chart=test.cpu&points=2&options=flip'), [[T(4), 12.5, 5], [T(8), 16.5, 13]]);
    assert.deepEqual((await rows('chart=test.mixed&after=-2')), [[T(9), 0, -9, 9], [T(8), 0, -8, null]]);
    assert.deepEqual((await rows('chart=test.mixed&after=-2&options=abs')), [[T(9), 0, 9, 9], [T(8), 0, 8, null]]);
    assert.deepEqual((await rows('chart=test.mixed&after=-2&options=null2zero')), [[T(9), 0, -9, 9], [T(8), 0, -8, 0]]);
    assert.deepEqual((await rows('chart=test.mixed&after=-2&options=abs|percentage')), [[T(9), 0, 50, 50], [T(8), 0, 100, null]]);
    assert.deepEqual(await rows('chart=test.cpu&after=-1&options=ms'), [[T(9) * 1000, 19, 18]]);
    const obj = JSON.parse((await get('chart=test.cpu&after=-1&options=objectrows')).body);
    assert.deepEqual(obj.data, [{ time: T(9), user: 19, sys: 18 }]);
  });

  it('drops all-zero dimensions with nonzero', async () => {
    const body = JSON.parse((await get('chart=test.mixed&after=-2&options=nonzero')).body);
    assert.deepEqual(body.labels, ['time', 'neg', 'gap']);
  });

  it('selects dimensions by id or name, match_ids / match_names, and can show a hidden one', async () => {
    const labels = async (q: string) => JSON.parse((await get(`chart=test.cpu&after=-1&${q}`)).body).labels;
    assert.deepEqual(await labels('dimensions=sys'), ['time', 'sys']);
    assert.deepEqual(await labels('dimensions=system'), ['time', 'sys']);
    assert.deepEqual(await labels('dimensions=system&options=match_names'), ['time', 'no data']);
    assert.deepEqual(await labels('dimensions=sys&options=match_ids'), ['time', 'no data']);
    assert.deepEqual(await labels('dims=user,idle'), ['time', 'user', 'idle']);
    assert.deepEqual(await labels('dim=us*&dim=idle'), ['time', 'user', 'idle']);
  });

  it('wraps with jsonwrap in netdata 1.10 fields', async () => {
    const w = JSON.parse((await get('chart=test.cpu&points=4&options=jsonwrap')).body);
    assert.deepEqual(w, {
      api: 1, id: 'test.cpu', name: 'test.cpu', view_update_every: 2, update_every: 1,
      first_entry: T(1), last_entry: T(9), before: T(8), after: T(1),
      dimension_names: ['user', 'sys'], dimension_ids: ['user', 'system'],
      latest_values: [19, 18], view_latest_values: [17.5, 15], dimensions: 2, points: 4, format: 'json',
      result: { labels: ['time', 'user', 'sys'], data: [[T(8), 17.5, 15], [T(6), 15.5, 11], [T(4), 13.5, 7], [T(2), 11.5, 3]] },
      min: 0, max: 17.5,
    });
  });

  it('prints csv, tsv, markdown, html, ssv, ssvcomma and array', async () => {
    const q = 'chart=test.cpu&after=-2';
    const csv = await get(`${q}&format=csv&options=seconds`);
    assert.equal(csv.type, 'text/plain; charset=utf-8');
    assert.equal(csv.body, `time,user,sys\r\n${T(9)},19,18\r\n${T(8)},18,16\r\n`);
    assert.equal((await get(`${q}&format=csv`)).body, 'time,user,sys\r\n2023-01-01 00:00:09,19,18\r\n2023-01-01 00:00:08,18,16\r\n');
    assert.equal((await get(`${q}&format=tsv&options=seconds`)).body, `time\tuser\tsys\r\n${T(9)}\t19\t18\r\n${T(8)}\t18\t16\r\n`);
    assert.equal((await get(`${q}&format=markdown&options=seconds`)).body,
      `time|user|sys\r\n:---:|:---:|:---:\r\n${T(9)}|19|18\r\n${T(8)}|18|16\r\n`);
    assert.equal((await get(`${q}&format=html&options=seconds`)).body,
      '<html>\n<center>\n<table border="0" cellpadding="5" cellspacing="5">\n<tr><td>time</td><td>user</td><td>sys</td></tr>\n' +
      `<tr><td>${T(9)}</td><td>19</td><td>18</td></tr>\n<tr><td>${T(8)}</td><td>18</td><td>16</td></tr>\n</table>\n</center>\n</html>\n`);
    assert.equal((await get(`${q}&format=ssv`)).body, '37 34');
    assert.equal((await get(`${q}&format=ssvcomma`)).body, '37,34');
    assert.equal((await get(`${q}&format=ssv&options=min2max`)).body, '19 18');
    const arr = await get(`${q}&format=array`);
    assert.equal(arr.type, 'application/json; charset=utf-8');
    assert.equal(arr.body, '[37,34]');
    const wrapped = JSON.parse((await get(`${q}&format=ssv&options=jsonwrap`)).body);
    assert.equal(wrapped.result, '37 34');
    assert.equal(wrapped.min, 34);
    assert.equal(wrapped.max, 37);
    assert.equal(JSON.parse((await get(`${q}&format=csv&options=jsonwrap|seconds`)).body).result,
      `time,user,sys\n${T(9)},19,18\n${T(8)},18,16\n`);
  });

  it('prints jsonp with a callback and datatable with JavaScript dates', async () => {
    const r = await get('chart=test.cpu&after=-1&format=jsonp&callback=cb');
    assert.equal(r.type, 'application/x-javascript; charset=utf-8');
    assert.equal(r.body, `cb({\n "labels": ["time","user","sys"],\n    "data":\n [\n [ ${T(9)},19,18]\n]\n});`);
    assert.match((await get('chart=test.cpu&after=-1&format=jsonp&callback=a<b')).body, /^a_b\(/);
    const dt = JSON.parse((await get('chart=test.cpu&after=-1&format=datatable')).body);
    assert.deepEqual(dt.rows, [{ c: [{ v: 'Date(2023,0,1,0,0,9)' }, { v: null }, { v: null }, { v: 19 }, { v: 18 }] }]);
    assert.deepEqual(dt.cols.map((c: { label: string }) => c.label), ['time', '', '', 'user', 'sys']);
  });

  it('answers netdata errors for a missing or unknown chart', async () => {
    const missing = await get('after=-1');
    assert.equal(missing.status, 400);
    assert.equal(missing.body, 'No chart id is given at the request.');
    const unknown = await get('chart=nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body, 'Chart is not found: nope');
    assert.equal((await get('chart=%3Cx%3E')).body, 'Chart is not found: &lt;x&gt;');
  });
});
