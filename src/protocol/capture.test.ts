import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Host } from '../database/index.js';
import { createParser } from './parser.js';
import { harness, SEC_US, type Harness } from './test-harness.js';

/** The first 200 lines a real netdata 1.37 child streamed (v1), without the `#` notes on top. */
const CAPTURE = readFileSync(
  new URL('../../../test/fixtures/captures/netdata-1.37-child-v1-first200.txt', import.meta.url),
  'utf8',
).split('\n').filter((line) => !line.startsWith('#')).join('\n');

/** Later iterations for four of the captured charts, one second apart (as the child's clock). */
function laterIterations(i: number): string {
  return `BEGIN "system.ctxt" ${SEC_US}\nSET "switches" = ${684086 + 1500 * i}\nEND\n` +
    `BEGIN "system.processes" ${SEC_US}\nSET "running" = 3\nSET "blocked" = 2\nEND\n` +
    `BEGIN "system.uptime" ${SEC_US}\nSET "uptime" = ${9388811 + 1000 * i}\nEND\n` +
    `BEGIN "system.cpu" ${SEC_US}\n` +
    ['guest_nice', 'guest', 'steal', 'softirq', 'irq', 'user', 'system', 'nice', 'iowait', 'idle']
      .map((id, k) => `SET "${id}" = ${1000 * k + [0, 0, 0, 1, 0, 30, 20, 0, 9, 40][k] * i}\n`).join('') +
    'END\n';
}

/** Everything the parser put into a host, for comparing two runs. */
function snapshot(host: Host): string {
  const charts = [...host.charts.values()].map((chart) => ({
    definition: chart.definition,
    variables: [...chart.variables],
    iterations: chart.iterations,
    dimensions: chart.dimensions.map((d) => [d.definition, d.lastCollectedValue, d.updated]),
    stored: chart.lastEntryS() === 0
      ? []
      : chart.dimensions.map((_, i) => [chart.lastEntryS() - 1, chart.lastEntryS()].map((t) => chart.valueAt(i, t))),
  }));
  return JSON.stringify({ charts, hostVariables: [...host.variables] });
}

function run(chunks: Buffer[], h: Harness = harness({ dataBlocks: true })): Harness {
  for (const chunk of chunks) h.parser.feed(chunk);
  return h;
}

describe('a netdata 1.37 child stream (captured)', () => {
  it('defines every chart with its names, options and dimensions', () => {
    const h = run([Buffer.from(CAPTURE)]);
    assert.deepEqual(h.stops, []);
    assert.equal(h.host.charts.size, 23);
    const cpu = h.host.charts.get('system.cpu')!;
    assert.deepEqual(cpu.definition, {
      id: 'system.cpu', type: 'system', name: null, title: 'Total CPU utilization', units: 'percentage',
      family: 'cpu', context: 'system.cpu', chartType: 'stacked', priority: 100, updateEverySecs: 1,
      options: { obsolete: false, detail: false, hidden: false, storeFirst: false },
      plugin: 'proc.plugin', module: '/proc/stat',
    });
    assert.equal(cpu.fullName, 'system.cpu');
    assert.deepEqual(cpu.dimensions.map((d) => d.definition.id),
      ['guest_nice', 'guest', 'steal', 'softirq', 'irq', 'user', 'system', 'nice', 'iowait', 'idle']);
    assert.deepEqual(cpu.dimension('idle')?.definition, {
      id: 'idle', name: 'idle', algorithm: 'percentage-of-incremental-row', multiplier: 1, divisor: 1,
      options: { hidden: true, noReset: false, obsolete: false },
    });
    assert.equal(h.host.charts.get('system.intr')?.definition.options.detail, true);
    assert.equal(h.host.charts.get('system.load')?.definition.updateEverySecs, 5);
    assert.equal(h.host.charts.get('system.processes')?.dimension('blocked')?.definition.multiplier, -1);
    assert.equal(h.host.charts.get('system.uptime')?.dimension('uptime')?.definition.divisor, 1000);
    assert.deepEqual(h.host.charts.get('system.cpu_some_pressure')?.dimensions.map((d) => d.definition.name),
      ['some 10', 'some 60', 'some 300']);
  });

  it('sets the host and chart variables it carries', () => {
    const h = run([Buffer.from(CAPTURE)]);
    assert.deepEqual([...h.host.variables], [['active_processors', 2]]);
    assert.deepEqual([...h.host.charts.get('system.active_processes')!.variables], [['pidmax', 32768]]);
  });

  it('collects the first iteration of every chart and leaves the last block open', () => {
    const h = run([Buffer.from(CAPTURE)]);
    assert.equal(h.parser.stats.iterations, 22);
    assert.equal(h.host.charts.get('system.ctxt')?.dimension('switches')?.lastCollectedValue, 684086);
    assert.equal(h.host.charts.get('system.cpu')?.dimension('idle')?.lastCollectedValue, 1858550);
    assert.equal(h.blocks.length, 22);
    assert.equal(h.blocks[0].split('\n')[0], 'BEGIN "system.cpu" 0');
  });

  it('computes the stored values after a few more iterations', () => {
    const h = harness({ dataBlocks: true });
    h.feed(CAPTURE);
    for (let i = 1; i <= 5; i++) {
      h.clock.nowUs += SEC_US;
      h.feed(laterIterations(i));
    }
    assert.deepEqual(h.stops, []);
    const last = (id: string, dim: string): number => {
      const chart = h.host.charts.get(id)!;
      return chart.valueAt(chart.dimension(dim)!.index, chart.lastEntryS());
    };
    assert.equal(last('system.ctxt', 'switches'), 1500);
    assert.equal(last('system.processes', 'running'), 3);
    assert.equal(last('system.processes', 'blocked'), -2);
    // stored as a 4-byte float, like netdata's storage numbers
    assert.equal(last('system.uptime', 'uptime'), Math.fround(9388.811 + 5));
    // percentage-of-incremental-row: each dimension's share of the row's increase (100 per second)
    assert.equal(last('system.cpu', 'user'), 30);
    assert.equal(last('system.cpu', 'idle'), 40);
    assert.equal(last('system.cpu', 'softirq'), 1);
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const text = Buffer.from(CAPTURE + laterIterations(1));
    const whole = run([text]);
    const expected = snapshot(whole.host);
    const expectedBlocks = whole.blocks.join('');
    const expectedStats = JSON.stringify(whole.parser.stats);
    assert.equal(whole.blocks.length, 26);
    for (let cut = 1; cut < text.length; cut++) {
      const h = run([text.subarray(0, cut), text.subarray(cut)]);
      assert.equal(snapshot(h.host), expected, `cut at byte ${cut}`);
      assert.equal(h.blocks.join(''), expectedBlocks, `blocks, cut at byte ${cut}`);
      assert.equal(JSON.stringify(h.parser.stats), expectedStats);
    }
    const bytewise = run([...text].map((byte) => Buffer.from([byte])));
    assert.equal(snapshot(bytewise.host), expected);
    assert.deepEqual(bytewise.blocks, whole.blocks);
  });

  it('hands a block inside one chunk over without copying it', () => {
    const text = Buffer.from(CAPTURE);
    const seen: Buffer[] = [];
    const h = harness();
    const parser = createParser({
      source: 'plugin raw', host: h.host, trustedDurations: true, defaultUpdateEverySecs: 1,
      defaultPluginName: 'x', nowUs: () => h.clock.nowUs, onDataBlock: (block) => seen.push(block),
    });
    parser.feed(text);
    assert.equal(seen.length, 22);
    assert.equal(seen[0].buffer, text.buffer);
  });
});

describe('onDataBlock across chunks', () => {
  const DEFINITIONS = 'CHART a.b\nDIMENSION x\nDIMENSION y\n';
  /** Blocks with carried lines to come: a FLUSHed block, a BEGIN after BEGIN, a long SET, empty lines. */
  const TEXT = `${DEFINITIONS}BEGIN a.b 1000000\nSET x = 1\nFLUSH\nBEGIN a.b 1000000\nSET x = 2\n` +
    `BEGIN "a.b" 1000000\nSET y = ${'7'.repeat(40)}\n\nSET x = 3\nEND\nVARIABLE HOST v = 1\nBEGIN a.b\nEND\n`;
  const EXPECTED = [`BEGIN "a.b" 1000000\nSET y = ${'7'.repeat(40)}\n\nSET x = 3\nEND\n`, 'BEGIN a.b\nEND\n'];

  it('hands over the same blocks wherever one or two chunk boundaries fall', () => {
    const text = Buffer.from(TEXT);
    assert.deepEqual(run([text]).blocks, EXPECTED);
    for (let cut = 1; cut < text.length; cut++) {
      assert.deepEqual(run([text.subarray(0, cut), text.subarray(cut)]).blocks, EXPECTED, `cut at byte ${cut}`);
    }
    const blockStart = TEXT.indexOf('BEGIN "a.b"');
    for (let first = blockStart - 3; first < blockStart + 30; first++) {
      for (let second = first + 1; second < text.length; second += 3) {
        const chunks = [text.subarray(0, first), text.subarray(first, second), text.subarray(second)];
        assert.deepEqual(run(chunks).blocks, EXPECTED, `cuts at bytes ${first} and ${second}`);
      }
    }
    assert.deepEqual(run([...text].map((byte) => Buffer.from([byte]))).blocks, EXPECTED);
  });

  it('hands a block inside one chunk over without copying, after one spread over chunks', () => {
    const seen: Buffer[] = [];
    const h = harness();
    const parser = createParser({
      source: 'plugin raw', host: h.host, trustedDurations: true, defaultUpdateEverySecs: 1,
      defaultPluginName: 'x', nowUs: () => h.clock.nowUs, onDataBlock: (block) => seen.push(block),
    });
    // Buffer.alloc never takes from the shared pool, so only a view of it has its ArrayBuffer
    const text = ' = 1\nEND\nBEGIN a.b\nSET y = 2\nEND\n';
    const second = Buffer.alloc(text.length, text);
    parser.feed(Buffer.from(`${DEFINITIONS}BEGIN a.b\nSET x`));
    parser.feed(second);
    assert.deepEqual(seen.map(String), ['BEGIN a.b\nSET x = 1\nEND\n', 'BEGIN a.b\nSET y = 2\nEND\n']);
    assert.notEqual(seen[0].buffer, second.buffer);
    assert.equal(seen[1].buffer, second.buffer);
  });
});

describe('garbage input', () => {
  it('stops a 10 MB line without a newline at maxLineBytes, holding no more than that', () => {
    const h = harness();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const before = process.memoryUsage().arrayBuffers;
    let fed = 0;
    while (fed < 10 * 1024 * 1024 && h.parser.stopped === null) {
      h.parser.feed(chunk);
      fed += chunk.length;
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.equal(h.stops.length, 1);
    assert.equal(h.stops[0].kind, 'limit');
    assert.equal(h.stops[0].lineNumber, 1);
    assert.ok(h.stops[0].message.startsWith('plugin test: line 1: line longer than the limit of 65536 bytes while parsing: "AAAA'));
    assert.ok(fed <= 65536 + chunk.length, `fed ${fed} bytes before stopping`);
    assert.ok(grown < 4 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  });
});
