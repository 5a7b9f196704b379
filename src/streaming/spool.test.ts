/**
 * The sender's spool on real files in a temp directory: round trip across a reopen, window reads,
 * a torn tail and a corrupt record at open, the size bound dropping the oldest segment, a
 * directory that cannot be written, and the spool answering like a database's rings (one
 * `ReplaySource` suite over both). Process deaths are in spool-process.test.ts.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { createHostRegistry, type ChartDefinition } from '../database/index.js';
import { setLogSink } from '../log.js';
import { hostReplaySource, type ReplaySource } from './replay-source.js';
import { SPOOL_RETRY_SECS, Spool, spoolDirectory, type SpoolOptions } from './spool.js';

const T0 = 1_700_000_000;
const MiB = 1024 * 1024;
let root = '';
let logs: string[] = [];
let restoreSink: ReturnType<typeof setLogSink> | null = null;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-'));
  logs = [];
  restoreSink = setLogSink((line) => logs.push(line));
});
afterEach(() => {
  if (restoreSink) setLogSink(restoreSink);
  fs.rmSync(root, { recursive: true, force: true });
});

function open(extra: Partial<SpoolOptions> = {}): Spool {
  return Spool.open({ directory: path.join(root, 'spool'), maxBytes: 16 * MiB, label: 'web-01', ...extra });
}

/** Chart c, dimension d at time t: exact in float32. */
const value = (c: number, d: number, t: number): number => (t - T0) * 4 + c + d * 0.25;
const ids = (n: number): string[] => Array.from({ length: n }, (_, d) => `dim${d}`);

/** Appends `seconds` seconds (from T0 + from) of `charts` charts of `dims` dimensions. */
function fill(spool: Spool, from: number, seconds: number, charts = 3, dims = 4): void {
  const dimensionIds = ids(dims);
  const values = new Float64Array(dims);
  for (let t = T0 + from; t < T0 + from + seconds; t++) {
    for (let c = 0; c < charts; c++) {
      for (let d = 0; d < dims; d++) values[d] = value(c, d, t);
      spool.append(`chart.${c}`, 1, t, dimensionIds, values);
    }
  }
}

/** Every point `source` gives for `chartId` in (after, before], as [t, ...values] rows. */
function rows(source: ReplaySource, chartId: string, after = 0, before = Infinity): number[][] {
  const out: number[][] = [];
  source.read(chartId, after, before, (t, _ids, values) => {
    out.push([t, ...Array.from(values)]);
  });
  return out;
}

function expected(c: number, from: number, to: number, dims = 4): number[][] {
  const out: number[][] = [];
  for (let t = T0 + from; t <= T0 + to; t++) out.push([t, ...Array.from({ length: dims }, (_, d) => value(c, d, t))]);
  return out;
}

function segmentFiles(dir = path.join(root, 'spool')): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.spool')).sort().map((f) => path.join(dir, f));
}

describe('Spool round trip', () => {
  it('gives back every point after a close and a reopen, with the range of each chart', async () => {
    const spool = open();
    fill(spool, 0, 100);
    await tick(); // written at the end of the turn
    assert.ok(spool.stats.bytesOnDisk > 0);
    spool.close();
    const again = open();
    assert.deepEqual(again.range('chart.1'), { firstS: T0, lastS: T0 + 99, updateEverySecs: 1 });
    assert.equal(again.range('chart.9'), null);
    assert.deepEqual(rows(again, 'chart.1'), expected(1, 0, 99));
    assert.equal(again.stats.points, 300);
    assert.ok(logs.some((l) => l.includes('INFO : STREAM web-01 [spool]: found 300 points of 3 charts')), logs.join(''));
    // the next run continues the same series
    fill(again, 100, 10);
    assert.deepEqual(rows(again, 'chart.2', T0 + 95), expected(2, 96, 109));
    again.close();
  });

  it('stores about 4 bytes per value: dimension ids once per segment, 8 bytes per point', async () => {
    const spool = open();
    fill(spool, 0, 600, 10, 10);
    spool.close();
    const perValue = spool.stats.bytesOnDisk / (600 * 10 * 10);
    assert.ok(perValue < 4.9, `${perValue} bytes per value`);
  });

  it('reads windows as (after, before] and stops when the visitor says so', () => {
    const spool = open();
    fill(spool, 0, 50);
    assert.deepEqual(rows(spool, 'chart.0', T0 + 10, T0 + 13), expected(0, 11, 13));
    assert.deepEqual(rows(spool, 'chart.0', T0 + 49, T0 + 100), []);
    let seen = 0;
    const count = spool.read('chart.0', 0, Infinity, () => ++seen < 5);
    assert.deepEqual([seen, count], [5, 5]);
    spool.close();
  });

  it('keeps NaN as empty, follows a change of dimensions, ignores a time it already has', () => {
    const spool = open();
    spool.append('c', 1, T0, ['a', 'b'], [1, NaN]);
    spool.append('c', 1, T0 + 1, ['a', 'b', 'new'], [2, 3, 4]);
    spool.append('c', 1, T0 + 1, ['a', 'b', 'new'], [9, 9, 9]);
    const seen: unknown[] = [];
    spool.read('c', 0, Infinity, (t, dims, values) => {
      seen.push([t, [...dims], Array.from(values)]);
    });
    assert.deepEqual(seen, [[T0, ['a', 'b'], [1, NaN]], [T0 + 1, ['a', 'b', 'new'], [2, 3, 4]]]);
    assert.equal(spool.stats.outOfOrderPoints, 1);
    spool.close();
  });

  it('names one directory per machine GUID and destination set, whatever their order', () => {
    const a = spoolDirectory('/var/cache/netdata/stream-spool', 'ab-cd', ['p1:19999', 'p2:19999']);
    assert.equal(a, spoolDirectory('/var/cache/netdata/stream-spool', 'ab-cd', ['p2:19999', 'p1:19999']));
    assert.notEqual(a, spoolDirectory('/var/cache/netdata/stream-spool', 'ab-cd', ['p3:19999']));
    assert.match(path.basename(a), /^ab-cd-[0-9a-f]{12}$/);
  });
});

describe('Spool.open after damage', () => {
  it('drops a torn tail with a line naming the file and keeps everything before it', () => {
    const spool = open();
    fill(spool, 0, 20);
    spool.flush();
    fill(spool, 20, 1); // the last turn: one POINTS record
    spool.close();
    const [file] = segmentFiles();
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 7);
    const again = open();
    assert.ok(logs.some((l) => l.includes(`ERROR: STREAM web-01 [spool]: '${file}':`) && l.includes('torn')), logs.join(''));
    assert.deepEqual(rows(again, 'chart.0'), expected(0, 0, 19));
    assert.ok(fs.statSync(file).size < size - 7, 'the torn tail is cut off the file');
    fill(again, 21, 2); // appends after the cut
    again.close();
    assert.deepEqual(rows(open(), 'chart.0', T0 + 18), [...expected(0, 19, 19), ...expected(0, 21, 22)]);
  });

  it('skips a corrupt record in the middle and keeps the records on both sides', () => {
    const spool = open();
    const turns = [0, 1, 2, 3, 4];
    for (const s of turns) {
      fill(spool, s, 1);
      spool.flush(); // one POINTS record per second
    }
    spool.close();
    const [file] = segmentFiles();
    const bytes = fs.readFileSync(file);
    // the third POINTS record holds T0 + 2: change one of its values
    const at = bytes.indexOf(Buffer.from(new Uint32Array([T0 + 2]).buffer));
    bytes[at + 6] ^= 0x40;
    fs.writeFileSync(file, bytes);
    const again = open();
    assert.ok(logs.some((l) => l.includes(`'${file}': 1 records`) && l.includes('failed their checksum')), logs.join(''));
    assert.deepEqual(rows(again, 'chart.1').map((r) => r[0]), [T0, T0 + 1, T0 + 3, T0 + 4]);
    assert.ok(again.stats.droppedBytes > 0);
    again.close();
  });
});

describe('Spool size bound', () => {
  it('drops the oldest segment first, with an ERROR line and the counters', () => {
    const spool = open({ maxBytes: MiB });
    let second = 0;
    for (; spool.stats.droppedSegments < 3; second += 10) {
      fill(spool, second, 10, 10, 10);
      spool.flush();
      assert.ok(spool.stats.bytesOnDisk <= MiB, `${spool.stats.bytesOnDisk} bytes on disk`);
    }
    const stats = spool.stats;
    const written = second * 10;
    assert.equal(stats.points + stats.droppedPoints, written);
    const first = spool.range('chart.0')!.firstS;
    assert.equal((first - T0) * 10, stats.droppedPoints, 'exactly the oldest points are gone');
    assert.deepEqual(rows(spool, 'chart.3'), expected(3, first - T0, second - 1, 10));
    const drop = logs.find((l) => l.includes('spool full (1048576 bytes): dropped its oldest segment'));
    assert.match(drop ?? logs.join(''), /ERROR: .* with \d+ points of 10 charts from 2023-11-14T22:13:20Z to 2023-11-14T22:\d\d:\d\dZ/);
    spool.close();
  });

  it('a smaller maxBytes at the next open drops the oldest segments down to it', () => {
    const spool = open({ maxBytes: 4 * MiB });
    fill(spool, 0, 3000, 10, 10); // about 1.4 MB
    spool.close();
    const again = open({ maxBytes: MiB });
    assert.ok(again.stats.bytesOnDisk <= MiB);
    assert.ok(again.stats.droppedSegments > 0);
    assert.equal(again.range('chart.0')!.lastS, T0 + 2999);
    again.close();
  });
});

describe('Spool in a directory it cannot write', () => {
  it('logs one ERROR naming the directory and errno, counts what it drops, and writes again once it can', () => {
    let nowMs = 1_000_000;
    const blocker = path.join(root, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const directory = path.join(blocker, 'spool');
    const spool = Spool.open({ directory, maxBytes: MiB, label: 'web-01', nowMs: () => nowMs });
    fill(spool, 0, 5);
    const errors = logs.filter((l) => l.includes('ERROR'));
    assert.equal(errors.length, 1, logs.join(''));
    assert.ok(errors[0].includes(`cannot write to spool directory '${directory}' (ENOTDIR`), errors[0]);
    assert.deepEqual([spool.stats.droppedPoints, spool.stats.writable, spool.range('chart.0')], [15, false, null]);
    fs.rmSync(blocker);
    fill(spool, 5, 1); // too early for a retry
    assert.equal(spool.stats.droppedPoints, 18);
    nowMs += SPOOL_RETRY_SECS * 1000;
    fill(spool, 6, 4);
    spool.flush();
    assert.deepEqual([spool.stats.writable, spool.range('chart.0')?.firstS], [true, T0 + 6]);
    assert.ok(logs.some((l) => l.includes(`INFO : STREAM web-01 [spool]: spool directory '${directory}' can be written again; 18 points`)), logs.join(''));
    spool.close();
  });

  it('survives ENOSPC from the disk (a segment on /dev/full), keeping what was written before', { skip: !fs.existsSync('/dev/full') && 'no /dev/full here' }, () => {
    let nowMs = 1_000_000;
    const spool = open({ nowMs: () => nowMs, maxBytes: MiB });
    fill(spool, 0, 10);
    spool.flush();
    // the next segment the spool opens is the full device
    const full = spool.segmentBytes;
    fill(spool, 10, Math.ceil(full / (3 * 24)) + 10);
    spool.flush();
    const files = segmentFiles();
    const next = path.join(root, 'spool', `${(files.length + 1).toString(16).padStart(8, '0')}.spool`);
    fs.symlinkSync('/dev/full', next);
    const before = spool.stats.points;
    const at = T0 + 10 + Math.ceil(full / (3 * 24)) + 10;
    for (let s = 0; spool.stats.writable && s < 10_000; s++) {
      fill(spool, at - T0 + s, 1);
      spool.flush();
    }
    assert.equal(spool.stats.writable, false);
    assert.ok(logs.some((l) => l.includes('ERROR') && l.includes('(ENOSPC')), logs.join(''));
    assert.ok(spool.stats.points >= before, 'what reached the disk stays');
    assert.ok(!fs.existsSync(next), 'the segment that took nothing is forgotten');
    assert.deepEqual(rows(spool, 'chart.0', 0, T0 + 9), expected(0, 0, 9));
    nowMs += SPOOL_RETRY_SECS * 1000;
    fill(spool, 20_000, 1);
    spool.flush();
    assert.equal(spool.stats.writable, true);
    spool.close();
  });

  it('reads a read-only spool left by an earlier run and drops what it cannot write (as a user the mode bits bind)', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('running as root: mode bits do not stop root; spool-process.test.ts runs this as nobody');
      return;
    }
    const spool = open();
    fill(spool, 0, 10);
    spool.close();
    fs.chmodSync(path.join(root, 'spool'), 0o555);
    for (const f of segmentFiles()) fs.chmodSync(f, 0o444);
    try {
      const again = open();
      assert.deepEqual(rows(again, 'chart.0'), expected(0, 0, 9));
      fill(again, 10, 2);
      again.flush();
      assert.deepEqual([again.stats.writable, again.stats.droppedPoints], [false, 6]);
      assert.ok(logs.some((l) => l.includes('(EACCES')), logs.join(''));
      again.close();
    } finally {
      fs.chmodSync(path.join(root, 'spool'), 0o755);
    }
  });
});

describe('ReplaySource over a database and over the spool', () => {
  const definition: ChartDefinition = {
    id: 'system.test', type: 'system', name: null, title: 't', units: 'n', family: 'test', context: 'system.test',
    chartType: 'line', priority: 1, updateEverySecs: 2, plugin: 'test', module: '',
    options: { obsolete: false, detail: false, hidden: false, storeFirst: false },
  };

  it('both give the same range and the same points for every window', () => {
    const registry = createHostRegistry({ hostname: 'h', machineGuid: 'g' },
      { memoryMode: 'ram', historyEntries: 100, updateEverySecs: 2, gapWhenLostIterationsAbove: 1 });
    const chart = registry.localhost.defineChart(definition);
    for (const id of ['x', 'y']) {
      chart.defineDimension({ id, name: id, algorithm: 'absolute', multiplier: 1, divisor: 1, options: { hidden: false, noReset: false, obsolete: false } });
    }
    for (let i = 0; i < 40; i++) {
      const nowUs = (T0 + 2 * i) * 1_000_000;
      chart.begin(i === 0 ? 0 : 2_000_000, true, nowUs);
      chart.set(0, i * 3);
      if (i % 7 !== 3) chart.set(1, i); // some slots empty
      chart.end(nowUs);
    }
    const rings = hostReplaySource(registry.localhost);
    const spool = open();
    rings.read('system.test', 0, Infinity, (t, dims, values) => spool.append('system.test', 2, t, dims, values));
    const all = rows(rings, 'system.test');
    assert.ok(all.length > 30 && all.some((r) => Number.isNaN(r[2])));
    assert.deepEqual(spool.range('system.test'), rings.range('system.test'));
    const { firstS, lastS } = rings.range('system.test')!;
    for (const [after, before] of [[0, Infinity], [firstS, lastS], [firstS + 1, firstS + 9], [lastS - 4, lastS + 100], [firstS - 10, firstS]]) {
      assert.deepEqual(rows(spool, 'system.test', after, before), rows(rings, 'system.test', after, before), `(${after}, ${before}]`);
    }
    assert.deepEqual([rings.range('nope'), spool.range('nope'), rows(rings, 'nope'), rows(spool, 'nope')], [null, null, [], []]);
    spool.close();
  });
});
