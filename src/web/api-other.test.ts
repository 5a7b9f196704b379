process.env.TZ = 'UTC';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startFixture, feedSeconds, START_S, LOCAL_GUID, type Fixture } from './test-fixture.js';

const CHILD_GUID = '99999999-8888-7777-6666-555555555555';

async function fixture(overrides: Array<readonly [string, string, string]> = []): Promise<Fixture> {
  const f = await startFixture({ overrides: overrides as never });
  f.feed('CHART disk.sda "" "Disk I/O" "kilobytes/s" sda disk.io area 300 1\n' +
    'DIMENSION reads "" incremental 1 1\nDIMENSION writes "" incremental -1 1\n' +
    'CHART test.load load "Load" "load" load "" line 100 1\nDIMENSION load1 "" absolute 1 100\nVARIABLE CHART cores = 4\n');
  feedSeconds(f, 5, (i) => `BEGIN disk.sda\nSET reads = ${1000 + 100 * i}\nSET writes = ${2000 + 50 * i}\nEND\n` +
    `BEGIN test.load\nSET load1 = ${150 + i}\nEND\n`);
  const child = f.registry.findOrCreate({ hostname: 'child', machineGuid: CHILD_GUID, hops: 2, programVersion: 'v1.37.1' },
    { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 });
  f.clock.nowS = START_S;
  f.feed('CHART c.x "" "X" "things" x c.x line 1 1\nDIMENSION a "" absolute 1 1\n', child);
  feedSeconds(f, 3, (i) => `BEGIN c.x\nSET a = ${7 * i}\nEND\n`, child);
  return f;
}

describe('/api/v1 endpoints', () => {
  let f: Fixture;
  before(async () => { f = await fixture(); });
  after(() => f.stop());

  it('/api/v1/charts lists viewable charts in netdata 1.10 shape, with 1.37\'s chart_labels', async () => {
    const r = await f.get('/api/v1/charts');
    assert.equal(r.type, 'application/json; charset=utf-8');
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body), ['hostname', 'version', 'os', 'timezone', 'update_every', 'history', 'custom_info',
      'charts', 'charts_count', 'dimensions_count', 'alarms_count', 'rrd_memory_bytes', 'hosts_count', 'hosts']);
    assert.equal(body.hostname, 'web-test');
    assert.equal(body.history, 120);
    assert.deepEqual(Object.keys(body.charts), ['test.load', 'disk.sda']);
    assert.equal(body.charts_count, 2);
    assert.equal(body.dimensions_count, 3);
    assert.equal(body.hosts_count, 2);
    assert.deepEqual(body.hosts, [{ hostname: 'web-test' }, { hostname: 'child' }]);
    assert.deepEqual(body.charts['disk.sda'], {
      id: 'disk.sda', name: 'disk.sda', type: 'disk', family: 'sda', context: 'disk.io', title: 'Disk I/O (disk.sda)',
      priority: 300, plugin: 'web-test.plugin', module: '', enabled: true, units: 'kilobytes/s',
      data_url: '/api/v1/data?chart=disk.sda', chart_type: 'area', duration: 120, first_entry: START_S + 1,
      last_entry: START_S + 4, update_every: 1, dimensions: { reads: { name: 'reads' }, writes: { name: 'writes' } },
      green: null, red: null, alarms: {}, chart_labels: { _collect_plugin: 'web-test.plugin', _collect_module: '[none]' }, functions: {},
    });
    assert.equal(body.charts['test.load'].name, 'test.load');
  });

  it('/api/v1/chart returns one chart, 400 without chart=, 404 for an unknown one', async () => {
    const one = JSON.parse((await f.get('/api/v1/chart?chart=test.load')).body);
    assert.equal(one.id, 'test.load');
    assert.equal(one.title, 'Load (test.load)');
    const missing = await f.get('/api/v1/chart');
    assert.deepEqual([missing.status, missing.body], [400, 'No chart id is given at the request.']);
    const unknown = await f.get('/api/v1/chart?chart=no.such');
    assert.deepEqual([unknown.status, unknown.body], [404, 'Chart is not found: no.such']);
  });

  it('/api/v1/info has the 1.37 fields and every host in mirrored_hosts_status', async () => {
    const info = JSON.parse((await f.get('/api/v1/info')).body);
    assert.equal(info.version, 'v1.37.1-tributary');
    assert.equal(info.uid, LOCAL_GUID);
    assert.deepEqual(info.mirrored_hosts, ['web-test', 'child']);
    assert.deepEqual(info.mirrored_hosts_status, [
      { guid: LOCAL_GUID, hostname: 'web-test', reachable: true, hops: 0, claim_id: null, node_id: null, last_data: START_S + 4 },
      { guid: CHILD_GUID, hostname: 'child', reachable: false, hops: 2, claim_id: null, node_id: null, last_data: START_S + 2 },
    ]);
    assert.deepEqual(info.alarms, { normal: 0, warning: 0, critical: 0 });
    assert.deepEqual(info.collectors, [{ plugin: 'web-test.plugin', module: '' }]);
    for (const key of ['os_name', 'os_id', 'cores_total', 'ram_total', 'kernel_name', 'architecture', 'container']) {
      assert.equal(typeof info[key], 'string', key);
    }
    assert.equal(info['memory-mode'], 'ram');
    assert.equal(info['charts-count'], 2);
    assert.equal(info['metrics-count'], 3);
    f.registry.find(CHILD_GUID)!.setStreamState({ connected: true });
    const again = JSON.parse((await f.get('/api/v1/info')).body);
    assert.equal(again.mirrored_hosts_status[1].reachable, true);
    f.registry.find(CHILD_GUID)!.setStreamState({ connected: false });
  });

  it('serves every endpoint under /host/NAME/ and /host/GUID/', async () => {
    for (const prefix of ['/host/child', `/host/${CHILD_GUID}`]) {
      const charts = JSON.parse((await f.get(`${prefix}/api/v1/charts`)).body);
      assert.equal(charts.hostname, 'child');
      assert.deepEqual(Object.keys(charts.charts), ['c.x']);
      const data = JSON.parse((await f.get(`${prefix}/api/v1/data?chart=c.x&after=-1`)).body);
      assert.deepEqual(data.data, [[START_S + 2, 14]]);
      assert.equal(JSON.parse((await f.get(`${prefix}/api/v1/info`)).body).uid, CHILD_GUID);
    }
    const unknown = await f.get('/host/nobody/api/v1/info');
    assert.deepEqual([unknown.status, unknown.body], [404, 'This netdata does not maintain a database for host: nobody']);
    const redirect = await f.get('/host/child');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/host/child/');
    const nested = await f.get('/host/child/host/web-test/api/v1/info');
    assert.deepEqual([nested.status, nested.body], [400, 'Nesting of hosts is not allowed.']);
    assert.match((await f.get('/host/child/')).body, /<title>Tributary<\/title>/);
  });

  it('answers unknown commands and versions as netdata does', async () => {
    const cmd = await f.get('/api/v1/nothing');
    assert.deepEqual([cmd.status, cmd.body], [404, 'Unsupported v1 API command: nothing']);
    const ver = await f.get('/api/v9/info');
    assert.deepEqual([ver.status, ver.body], [404, 'Unsupported API version: v9']);
  });

  it('/api/v1/allmetrics prints shell, json, prometheus and prometheus_all_hosts', async () => {
    const shell = await f.get('/api/v1/allmetrics');
    assert.equal(shell.type, 'text/plain; charset=utf-8');
    assert.equal(shell.body,
      '\n# chart: disk.sda (name: disk.sda)\nNETDATA_DISK_SDA_READS="100"      # kilobytes/s\n' +
      'NETDATA_DISK_SDA_WRITES="50"      # kilobytes/s\nNETDATA_DISK_SDA_VISIBLETOTAL="150"      # kilobytes/s\n' +
      '\n# chart: test.load (name: test.load)\nNETDATA_TEST_LOAD_LOAD1="2"      # load\n' +
      'NETDATA_TEST_LOAD_VISIBLETOTAL="2"      # load\n\n# NETDATA ALARMS RUNNING\n');
    assert.equal((await f.get('/api/v1/allmetrics?filter=test.*')).body,
      '\n# chart: test.load (name: test.load)\nNETDATA_TEST_LOAD_LOAD1="2"      # load\n' +
      'NETDATA_TEST_LOAD_VISIBLETOTAL="2"      # load\n\n# NETDATA ALARMS RUNNING\n');
    assert.deepEqual(Object.keys(JSON.parse((await f.get('/api/v1/allmetrics?format=json&filter=disk.sda')).body)), ['disk.sda']);
    const json = await f.get('/api/v1/allmetrics?format=json');
    assert.equal(json.type, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(json.body)['test.load'], {
      name: 'test.load', context: 'test.load', units: 'load', last_updated: START_S + 4,
      dimensions: { load1: { name: 'load1', value: 1.54 } },
    });
    assert.match(json.body, /"value": 1\.5400000\n/);
    const prom = await f.get('/api/v1/allmetrics?format=prometheus&data=as-collected&timestamps=no');
    assert.equal(prom.type, 'text/plain; version=0.0.4');
    assert.equal(prom.body,
      'netdata_info{instance="web-test",application="netdata",version="v1.37.1-tributary"} 1\n' +
      'netdata_disk_io_total{chart="disk.sda",family="sda",dimension="reads"} 1400\n' +
      'netdata_disk_io_total{chart="disk.sda",family="sda",dimension="writes"} 2200\n' +
      'netdata_test_load{chart="test.load",family="load",dimension="load1"} 154\n');
    const types = await f.get('/api/v1/allmetrics?format=prometheus&data=as-collected&types=yes&prefix=nd');
    assert.match(types.body, /# COMMENT TYPE nd_test_load gauge\nnd_test_load\{chart="test.load",family="load",dimension="load1"\} 154 1672531204000\n/);
    const all = await f.get('/api/v1/allmetrics?format=prometheus_all_hosts&data=as-collected&timestamps=no');
    assert.match(all.body, /netdata_c_x\{chart="c.x",family="x",dimension="a",instance="child"\} 14\n/);
    assert.match(all.body, /netdata_test_load\{chart="test.load",family="load",dimension="load1",instance="web-test"\} 154\n/);
    // the first scrape looks back [backend] update every (10 s) and leaves out the newest 3 s
    f.clock.nowS = START_S + 7;
    const avg = await f.get('/api/v1/allmetrics?format=prometheus&data=average&server=s1');
    assert.match(avg.body, /\nnetdata_test_load_load_average\{chart="test.load",family="load",dimension="load1"\} 1\.52500\d\d 1672531204000\n/);
    assert.match(avg.body, /\nnetdata_disk_io_kilobytes_persec_average\{chart="disk.sda",family="sda",dimension="reads"\} 100\.0000000 1672531204000\n/);
    const bad = await f.get('/api/v1/allmetrics?format=xml');
    assert.deepEqual([bad.status, bad.body],
      [400, "Which format? 'shell', 'prometheus', 'prometheus_all_hosts' and 'json' are currently supported."]);
  });

  it('/api/v1/alarms, alarm_log and alarm_variables have netdata shapes without health', async () => {
    const alarms = JSON.parse((await f.get('/api/v1/alarms?all')).body);
    assert.deepEqual(alarms, { hostname: 'web-test', latest_alarm_log_unique_id: 0, status: false, now: f.clock.nowS, alarms: {} });
    assert.deepEqual(JSON.parse((await f.get('/api/v1/alarm_log?after=0')).body), []);
    const vars = JSON.parse((await f.get('/api/v1/alarm_variables?chart=test.load')).body);
    assert.deepEqual(vars, {
      chart: 'test.load', chart_name: 'test.load', chart_context: 'test.load', chart_variables: { cores: 4 },
      family: 'load', family_variables: {}, host: 'web-test', host_variables: {},
    });
    const missing = await f.get('/api/v1/alarm_variables?chart=nope');
    assert.deepEqual([missing.status, missing.body], [404, 'Chart is not found: nope']);
  });

  it('/api/v1/badge.svg draws the latest value with units', async () => {
    const r = await f.get('/api/v1/badge.svg?chart=test.load');
    assert.equal(r.type, 'image/svg+xml');
    assert.match(r.body, /^<svg /);
    assert.match(r.body, />test.load<\/text>/);
    assert.match(r.body, />1\.54 load<\/text>/);
    assert.match((await f.get('/api/v1/badge.svg?chart=disk.sda&dimensions=reads&label=rd&units=KiB')).body, />100 KiB<\/text>/);
    assert.match((await f.get('/api/v1/badge.svg?chart=nope')).body, />chart not found<\/text>/);
    assert.equal((await f.get('/api/v1/badge.svg')).status, 400);
  });

  it('GET /netdata.conf returns the effective config to local clients', async () => {
    const r = await f.get('/netdata.conf');
    assert.deepEqual([r.status, r.body], [200, '[global]\n\thostname = web-test\n']);
  });

  it('writes one access log line per request in netdata layout', async () => {
    f.accessLines.length = 0;
    await f.get('/api/v1/info?x=1');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(f.accessLines.length, 1);
    assert.match(f.accessLines[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: \\d+: ${process.pid} '\\[127\\.0\\.0\\.1\\]:\\d+' 'DATA' ` +
      `\\(sent/all = (\\d+)/\\1 bytes -0%, prep/sent/total = \\d+\\.\\d\\d/\\d+\\.\\d\\d/\\d+\\.\\d\\d ms\\) 200 '/api/v1/info\\?x=1'$`));
  });

  it('serves uPlot from the installed package', async () => {
    const r = await f.get('/vendor/uPlot.iife.min.js');
    assert.equal(r.status, 200);
    assert.match(r.body, /uPlot/);
    assert.equal((await f.get('/vendor/../package.json')).status, 404);
  });

  it('answers a STREAM request with "not supported yet" when no receiver is wired', async () => {
    const reply = await rawExchange(f, 'STREAM key=abc&hostname=x&machine_guid=y HTTP/1.1\r\n\r\n');
    assert.equal(reply, 'This agent does not accept streaming connections yet.\r\n');
  });
});

describe('createWebServer wiring', () => {
  it('answers the requests that come together as its first ones as it answers them one by one later', async () => {
    const f = await startFixture();
    try {
      const paths = ['/api/v1/info', '/api/v1/charts', '/api/v1/nonsense', '/index.html'];
      const first = await Promise.all(paths.map((p) => f.get(p)));
      const later = [];
      for (const p of paths) later.push(await f.get(p));
      assert.deepEqual(first.map((r) => [r.status, r.type]), later.map((r) => [r.status, r.type]));
      assert.deepEqual(first.map((r) => r.status), [200, 200, 404, 200]);
      assert.equal(first[2]!.body, later[2]!.body);
      assert.equal(f.accessLines.length, 2 * paths.length);
    } finally {
      await f.stop();
    }
  });

  it('hands STREAM connections to the stream handler with the bytes read so far', async () => {
    let seen = '';
    const f = await startFixture({
      streamHandler: (socket, head) => {
        seen = head.toString();
        socket.end('Hit me baby, push them over...');
      },
    });
    try {
      const reply = await rawExchange(f, 'STREAM key=k&hostname=h HTTP/1.1\r\n\r\n');
      assert.equal(reply, 'Hit me baby, push them over...');
      assert.equal(seen, 'STREAM key=k&hostname=h HTTP/1.1\r\n\r\n');
      const plain = await f.get('/api/v1/info');
      assert.equal(plain.status, 200);
    } finally {
      await f.stop();
    }
  });

  it('writes one STREAM access line with the decoded request target when it hands a connection over', async () => {
    const f = await startFixture({ streamHandler: (socket) => socket.end('ok') });
    try {
      await f.get('/api/v1/info');
      await new Promise((r) => setTimeout(r, 20));
      const reply = await rawExchange(f, 'STREAM key=secret-key&hostname=a%2Bb+c&machine_guid=g HTTP/1.1\r\n' +
        'User-Agent: netdata/v1.37.1\r\nAccept: */*\r\n\r\n');
      assert.equal(reply, 'ok');
      assert.equal(f.accessLines.length, 2);
      const [, httpId] = /^\S+ \S+ (\d+): /.exec(f.accessLines[0])!;
      assert.match(f.accessLines[1], new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d: ${Number(httpId) + 1}: ${process.pid} ` +
        `'\\[127\\.0\\.0\\.1\\]:\\d+' 'STREAM' \\(sent/all = 0/0 bytes -0%, prep/sent/total = (\\d+\\.\\d\\d)/0\\.00/\\1 ms\\) ` +
        `200 'key=secret-key&hostname=a\\+b c&machine_guid=g'$`));
    } finally {
      await f.stop();
    }
  });

  it('closes connections that [web] allow connections from refuses, and 403s the dashboard', async () => {
    const closed = await fixture([['web', 'allow connections from', '10.*']]);
    try {
      await assert.rejects(closed.get('/api/v1/info'));
    } finally {
      await closed.stop();
    }
    const dash = await fixture([['web', 'allow dashboard from', '10.*'], ['web', 'allow netdata.conf from', '10.*']]);
    try {
      const r = await dash.get('/api/v1/data?chart=test.load');
      assert.deepEqual([r.status, r.body], [403, 'You are not allowed to access this resource.']);
      assert.equal((await dash.get('/netdata.conf')).status, 403);
      assert.equal((await dash.get('/api/v1/badge.svg?chart=test.load')).status, 200);
    } finally {
      await dash.stop();
    }
  });
});

function rawExchange(f: Fixture, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(f.server.ports()[0], '127.0.0.1');
    let reply = '';
    socket.on('data', (d) => { reply += d.toString(); });
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    // split the request so the dispatcher must wait for the whole `STREAM ` prefix
    socket.write(request.slice(0, 3), () => setTimeout(() => socket.write(request.slice(3)), 20));
  });
}
