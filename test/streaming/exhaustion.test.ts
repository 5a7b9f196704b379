/**
 * Nothing from outside stops a parent (issue 19), with real processes: a parent under an
 * open-files limit of 256 flooded with idle connections beyond it keeps its API and its good
 * child's data; a flood of empty handshakes does not lock a real child out of the host table;
 * a chart wider than the dimension limit is refused alone while its link's other charts go on,
 * and so are the charts past `[db] max charts`.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { cleanupAfter } from '../support/cleanup.js';
import { API_KEY, eventually, freePort, killAll, MAIN, newGuid, REPO, startNode, type TestNode } from './nodes.js';

const cleanup = cleanupAfter();
/** Raw sockets a test opened; closed when the file's tests end. */
const sockets: net.Socket[] = [];
after(() => {
  for (const s of sockets) s.destroy();
  killAll();
});

/** The parent's open-files limit in the descriptor test. */
const OPEN_FILES = 256;
/** Idle connections opened against it: well beyond the limit. */
const FLOOD_CONNECTIONS = 1200;
/** Handshakes that never finish their headers, opened one after another in the same test. */
const HANDSHAKE_FLOOD = 600;
/** Handshakes opened at once: fewer than the parent's max sockets (256 / 4). */
const HANDSHAKE_BATCH = 30;
/** Dimensions of the wide chart: past the default limit of 5000. */
const WIDE_DIMENSIONS = 5003;
/** Empty handshakes, one after the other. */
const EMPTY_HANDSHAKES = 40;

const prlimit = spawnSync('prlimit', ['--version']).status === 0;

/**
 * Opens `n` connections that send nothing, or only `firstBytes()` once connected; resolves once
 * each connected or failed.
 */
async function flood(port: number, n: number, firstBytes?: () => string): Promise<net.Socket[]> {
  const opened: net.Socket[] = [];
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    opened.push(s);
    sockets.push(s);
    s.on('error', () => resolve());
    s.on('connect', () => { if (firstBytes) s.write(firstBytes()); resolve(); });
    s.on('close', () => resolve());
  })));
  return opened;
}

/** The values of a chart's last row on the parent, by dimension label. */
async function lastRow(node: TestNode, path: string): Promise<Record<string, number>> {
  const data = await node.api(`${path}&after=-5&points=1&format=json`);
  const row: number[] = data.data[0];
  return Object.fromEntries((data.labels as string[]).map((l, i) => [l, row[i]!]));
}

/** The refusals a node counted over the last minute, by dimension (its per-second rates summed). */
async function refusalsCounted(node: Pick<TestNode, 'api'>): Promise<Record<string, number>> {
  const data = await node.api('/api/v1/data?chart=netdata.refusals&after=-60&format=json');
  const labels = data.labels as string[];
  const sums: Record<string, number> = {};
  for (const [i, label] of labels.entries()) {
    if (i > 0) sums[label] = Math.round((data.data as number[][]).reduce((sum, row) => sum + row[i]!, 0));
  }
  return sums;
}

/** What a failed count shows: the counter's points of the last 60 s and the node's warnings and errors. */
async function refusalsTrace(node: Pick<TestNode, 'api' | 'output'>, label: string): Promise<string> {
  const data = await node.api('/api/v1/data?chart=netdata.refusals&after=-60&format=json');
  const column = (data.labels as string[]).indexOf(label);
  const points = (data.data as number[][]).map((row) => `${row[0]}=${row[column]}`).join(' ');
  const problems = node.output().split('\n').filter((line) => / (WARN|ERROR) : /.test(line)).slice(-20).join('\n');
  return `netdata.refusals ${label}, newest first: ${points}\nthe node's last warnings and errors:\n${problems}`;
}

/** Waits until `netdata.refusals` has two points, so a counter that grows from now is a rate on it. */
async function refusalsCharted(node: Pick<TestNode, 'api'>): Promise<void> {
  await eventually('netdata.refusals charted', async () => {
    const data = await node.api('/api/v1/data?chart=netdata.refusals&after=-10&format=json');
    return data.data.length >= 2 ? true : undefined;
  });
}

/** A parent of its own directory, started as `prlimit --nofile=N:N node main.js`. */
async function startLimitedParent(openFiles: number): Promise<{ port: number; output: () => string; pid: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-fd-'));
  cleanup.dirs.push(dir);
  const port = await freePort();
  mkdirSync(join(dir, 'plugins.d'));
  mkdirSync(join(dir, 'lib', 'registry'), { recursive: true });
  writeFileSync(join(dir, 'lib', 'registry', 'netdata.public.unique.id'), newGuid());
  writeFileSync(join(dir, 'netdata.conf'), `[global]\n\thostname = p-fd\n\tmemory mode = ram\n\tupdate every = 1\n` +
    `\tplugins directory = ${join(dir, 'plugins.d')}\n\tcache directory = ${join(dir, 'cache')}\n` +
    `\tlib directory = ${join(dir, 'lib')}\n\tlog directory = ${join(dir, 'log')}\n\tweb files directory = ${join(REPO, 'web')}\n` +
    `[directories]\n\tstock health config = ${join(dir, 'health.d')}\n` +
    `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n[health]\n\tenabled = no\n`);
  writeFileSync(join(dir, 'stream.conf'), `[${API_KEY}]\n\tenabled = yes\n`);
  const child = spawn('prlimit', [`--nofile=${openFiles}:${openFiles}`, process.execPath, MAIN, '-c', join(dir, 'netdata.conf'), '-D'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  await eventually('the limited parent to start', async () => (out.includes('self-monitoring started') ? true : undefined));
  return { port, output: () => out, pid: child.pid! };
}

describe('a parent that nothing from outside stops', () => {
  it('survives idle connections beyond its open-files limit, then answers and keeps its child', {
    skip: prlimit ? false : 'prlimit (util-linux) is not installed',
  }, async () => {
    const parent = await startLimitedParent(OPEN_FILES);
    // a new connection per request (no keep-alive): each is a connection the parent must accept
    const api = (path: string): Promise<any> => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: parent.port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: ${res.statusCode}`))));
      }).on('error', reject);
    });
    const child = await startNode({
      hostname: 'c-fd', web: false, memoryMode: 'none', sendTo: { destination: `127.0.0.1:${parent.port}` },
    });
    await eventually('the child on the parent', async () => {
      const row = await lastRow({ api } as TestNode, '/host/c-fd/api/v1/data?chart=streamtest.values');
      return row.counter! > 0 ? row : undefined;
    });
    await refusalsCharted({ api });
    const idle = await flood(parent.port, FLOOD_CONNECTIONS);
    // hold the flood for a few of the parent's iterations (self-monitoring reads /proc each one)
    await new Promise((r) => setTimeout(r, 2500));
    for (const s of idle) s.destroy();
    // handshakes whose request line is complete leave the web server for the receiver, which
    // holds up to 1000 waiting for their headers: past the open-files limit, accept fails
    // in batches below max sockets, so each is handed over before the next batch arrives
    const handshakes: net.Socket[] = [];
    for (let i = 0; i < HANDSHAKE_FLOOD; i += HANDSHAKE_BATCH) {
      handshakes.push(...await flood(parent.port, HANDSHAKE_BATCH,
        () => `STREAM key=${API_KEY}&hostname=flood&machine_guid=${newGuid()} HTTP/1.1\r\n`));
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 2500));
    for (const s of handshakes) s.destroy();
    const info = await eventually('the API after the flood', async () => api('/api/v1/info'));
    assert.ok(info.mirrored_hosts.includes('c-fd'));
    const log = parent.output();
    assert.doesNotMatch(log, /Error: EMFILE|uncaught/i, 'no EMFILE ended or disturbed the process');
    assert.match(log, /web: \d+ connections are open \(web server max sockets\); closing new ones on 127\.0\.0\.1:\d+ at once/);
    assert.match(log, /ERROR: web: cannot accept connections on 127\.0\.0\.1:\d+: \d+ connections are open and this process may open 256 files \(64 kept for its plugins, database and logs\); new connections are refused until some close/);
    assert.equal(log.match(/cannot accept connections on/g)?.length, 1, 'logged once per outage');
    await eventually('the recovery logged', async () => (/web: accepting connections on 127\.0\.0\.1:\d+ again after \d+ seconds short of file descriptors/.test(parent.output()) ? true : undefined));
    // the child's data kept flowing through the flood: its counter goes on, one per second
    const before = await lastRow({ api } as TestNode, '/host/c-fd/api/v1/data?chart=streamtest.values');
    const later = await eventually('the child\'s counter going on', async () => {
      const row = await lastRow({ api } as TestNode, '/host/c-fd/api/v1/data?chart=streamtest.values');
      return row.counter! > before.counter! ? row : undefined;
    }, 10_000).catch((err: Error) => {
      throw new Error(`${err.message}; the parent on c-fd:\n${parent.output().split('\n').filter((l) => l.includes('c-fd')).join('\n')}`);
    });
    assert.equal(later.const, 42);
    assert.doesNotMatch(parent.output(), /STREAM c-fd .*disconnected/, 'the child\'s link stayed up');
    const counted = await eventually('the refusals counted', async () => {
      const r = await refusalsCounted({ api });
      return r.max_sockets! > 0 && r.descriptors! > 0 ? r : undefined;
    });
    assert.ok(counted.max_sockets! >= FLOOD_CONNECTIONS - OPEN_FILES, JSON.stringify(counted));
    await child.stop();
  });

  it('frees empty hosts when their link ends, so a real child is accepted after a flood of empty handshakes', async () => {
    const parent = await startNode({ hostname: 'p-empty', plugin: false });
    await refusalsCharted(parent);
    // the host limit (1000) is not configurable: what is shown is that no empty host keeps a slot
    for (let i = 0; i < EMPTY_HANDSHAKES; i++) {
      const s = net.connect(parent.port, '127.0.0.1');
      s.on('error', () => undefined);
      await once(s, 'connect');
      s.write(`STREAM key=${API_KEY}&hostname=empty-${i}&machine_guid=${newGuid()}&ver=1 HTTP/1.1\r\nUser-Agent: x\r\n\r\n`);
      await once(s, 'data');
      s.destroy();
    }
    await parent.waitFor(`host 'empty-${EMPTY_HANDSHAKES - 1}' with machine guid`);
    await eventually('every empty host freed', async () => {
      const info = await parent.api('/api/v1/info');
      return info.mirrored_hosts.length === 1 ? info : undefined;
    });
    assert.match(parent.output(), /host 'empty-0' with machine guid '[0-9a-f-]+' defined no chart before its link ended - freeing its slot\./);
    const child = await startNode({ hostname: 'c-real', web: false, memoryMode: 'none', sendTo: { destination: `127.0.0.1:${parent.port}` } });
    await eventually('the real child on the parent', async () => {
      const row = await lastRow(parent, '/host/c-real/api/v1/data?chart=streamtest.values');
      return row.counter! > 0 ? row : undefined;
    });
    const counted = await eventually('the freed hosts counted', async () => {
      const r = await refusalsCounted(parent);
      return r.empty_hosts_freed! >= EMPTY_HANDSHAKES ? r : undefined;
    });
    assert.equal(counted.empty_hosts_freed, EMPTY_HANDSHAKES);
    await child.stop();
    await parent.stop();
  });

  it('refuses a chart past the dimension limit alone: the link and its other charts go on', async () => {
    const parent = await startNode({ hostname: 'p-wide', plugin: false });
    await refusalsCharted(parent);
    // a raw child (ver=1: no replication), so nothing on its side cuts the chart first
    const link = net.connect(parent.port, '127.0.0.1');
    sockets.push(link);
    link.on('error', () => undefined);
    await once(link, 'connect');
    link.write(`STREAM key=${API_KEY}&hostname=c-wide&machine_guid=${newGuid()}&update_every=1&ver=1 HTTP/1.1\r\n\r\n`);
    await once(link, 'data');
    const dims = Array.from({ length: WIDE_DIMENSIONS }, (_, i) => `DIMENSION d${i} '' absolute 1 1\n`).join('');
    link.write(`CHART wide.many '' 'Wide' n w wide.many line 1000 1\n${dims}CHART wide.normal '' 'Normal' n w wide.normal line 1001 1\nDIMENSION n '' absolute 1 1\n`);
    const sets = Array.from({ length: WIDE_DIMENSIONS }, (_, i) => `SET d${i} = ${i}\n`).join('');
    let n = 0;
    const timer = setInterval(() => {
      n++;
      link.write(`BEGIN wide.many\n${sets}END\nBEGIN wide.normal\nSET n = ${n}\nEND\n`);
    }, 1000);
    try {
      await eventually('the normal chart flowing on the parent', async () => {
        const row = await lastRow(parent, '/host/c-wide/api/v1/data?chart=wide.normal');
        return row.n! > 3 ? row : undefined;
      }, 30_000);
      const log = parent.output();
      assert.match(log, /STREAM c-wide \[receive from \[127\.0\.0\.1\]:\d+\]: chart "wide\.many" of host 'c-wide' has the most dimensions allowed \(5000\); DIMENSION "d5000" and every further new one are ignored/);
      assert.equal(log.match(/has the most dimensions allowed/g)?.length, 1, 'logged once');
      assert.doesNotMatch(log, /c-wide.*disconnected/);
      assert.equal(link.destroyed, false, 'the link stays open');
      const many = await lastRow(parent, '/host/c-wide/api/v1/data?chart=wide.many');
      assert.equal(Object.keys(many).length, 5000 + 1, 'time and the first 5000 dimensions');
      assert.equal(many.d4999, 4999);
      const counted = await refusalsCounted(parent);
      if (counted.dimensions !== WIDE_DIMENSIONS - 5000) {
        assert.fail(`${counted.dimensions} dimensions counted, not ${WIDE_DIMENSIONS - 5000}\n${await refusalsTrace(parent, 'dimensions')}`);
      }
    } finally {
      clearInterval(timer);
      link.destroy();
    }
    await parent.stop();
  });

  it('refuses the charts past [db] max charts alone: the link and the charts it has go on', async () => {
    const maxCharts = 40;
    const parent = await startNode({ hostname: 'p-charts', plugin: false, extraConf: `[db]\n\tmax charts = ${maxCharts}\n` });
    await refusalsCharted(parent);
    const link = net.connect(parent.port, '127.0.0.1');
    sockets.push(link);
    link.on('error', () => undefined);
    await once(link, 'connect');
    link.write(`STREAM key=${API_KEY}&hostname=c-charts&machine_guid=${newGuid()}&update_every=1&ver=1 HTTP/1.1\r\n\r\n`);
    await once(link, 'data');
    const offered = 60;
    const ids = Array.from({ length: offered }, (_, i) => `many.c${i}`);
    link.write(ids.map((id, i) => `CHART ${id} '' 'C' n c ${id} line ${1000 + i} 1\nDIMENSION v '' absolute 1 1\n`).join(''));
    let n = 0;
    const timer = setInterval(() => {
      n++;
      link.write(ids.map((id) => `BEGIN ${id}\nSET v = ${n}\nEND\n`).join(''));
    }, 1000);
    try {
      await eventually('the first chart flowing on the parent', async () => {
        const row = await lastRow(parent, '/host/c-charts/api/v1/data?chart=many.c0');
        return row.v! > 3 ? row : undefined;
      }, 30_000);
      const kept = Object.keys((await parent.api('/host/c-charts/api/v1/charts')).charts as object);
      assert.ok(kept.length > 0 && kept.length < offered, `${kept.length} charts kept`);
      assert.deepEqual(kept.sort(), ids.slice(0, kept.length).sort(), 'the first ones');
      const log = parent.output();
      assert.match(log, new RegExp(`STREAM c-charts \\[receive from \\[127\\.0\\.0\\.1\\]:\\d+\\]: all hosts together have the most charts ` +
        `allowed \\(${maxCharts}, \\[db\\] max charts\\); CHART "many\\.c${kept.length}" and every further new chart`));
      assert.equal(log.match(/have the most charts allowed/g)?.length, 1, 'logged once');
      assert.doesNotMatch(log, /c-charts.*disconnected/);
      assert.equal(link.destroyed, false, 'the link stays open');
      const counted = await refusalsCounted(parent);
      assert.equal(counted.charts_all_hosts, offered - kept.length);
    } finally {
      clearInterval(timer);
      link.destroy();
    }
    await parent.stop();
  });
});
