/**
 * The child's side of replication (reference §2.8, §11, 1.37's `replicate_chart_response` and its
 * replication thread) with a real ram host answered through `hostReplaySource`: the answer's text
 * against a real 1.37 child's (captures/netdata-1.37-replication-first-connect.*), what a bad
 * REPLAY_CHART does, replacing duplicates, pacing by the send buffer, and an answer cut to fit it.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHostRegistry, type Chart, type ChartDefinition, type Host, type HostSettings } from '../database/index.js';
import { chartDefinitionLines, createParser, tokenize } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { LinkReplicationReceiver } from './replication-receiver.js';
import { ReplicationResponder } from './replication-sender.js';
import { hostReplaySource } from './replay-source.js';

const CAPTURE_DIR = new URL('../../../test/fixtures/captures/', import.meta.url);
const CHILD_TO_PARENT = readFileSync(new URL('netdata-1.37-replication-first-connect.child-to-parent.txt', CAPTURE_DIR), 'latin1');
const PARENT_TO_CHILD = readFileSync(new URL('netdata-1.37-replication-first-connect.parent-to-child.txt', CAPTURE_DIR), 'latin1');

/** The capture's child: bar.abs stored from FIRST to LAST, answering at NOW. */
const FIRST = 1_796_167_579;
const LAST = 1_796_167_614;
const NOW = 1_796_167_615;
const TAG = 'STREAM capchild [send to 127.0.0.1:19999]';
const HOST_SETTINGS: HostSettings = { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 };

const logged: string[] = [];
const previousSink = setLogSink((line) => { logged.push(line); });
after(() => { setLogSink(previousSink); });

function definition(id: string): ChartDefinition {
  return {
    id, type: 'bar', name: null, title: 'Absolute values', units: 'units', family: 'bar', context: id, chartType: 'line',
    priority: 1000, updateEverySecs: 1, plugin: 'bar.plugin', module: '',
    options: { obsolete: false, detail: false, hidden: false, storeFirst: false },
  };
}

/**
 * The capture plugin's bar.abs (a = 500, neg = 500 × -1/1000) collected once a second so that
 * FIRST..LAST are stored; `skip` leaves iterations out (gaps), `noNeg` iterations without neg.
 */
function collectChart(host: Host, id: string, skip: (i: number) => boolean = () => false, noNeg = -1): Chart {
  const chart = host.defineChart(definition(id));
  for (const [dim, multiplier, divisor] of [['a', 1, 1], ['neg', -1, 1000]] as const) {
    chart.defineDimension({ id: dim, name: dim, algorithm: 'absolute', multiplier, divisor, options: { hidden: false, noReset: false, obsolete: false } });
  }
  let lastUs = 0;
  for (let i = 0; i <= LAST - FIRST + 1; i++) {
    if (skip(i)) continue;
    const nowUs = (FIRST - 1 + i) * 1_000_000 + 971_814;
    chart.begin(lastUs ? nowUs - lastUs : 0, true, nowUs);
    chart.set(0, 500);
    if (i !== noNeg) chart.set(1, 500);
    chart.end(nowUs);
    lastUs = nowUs;
  }
  assert.equal(chart.lastEntryS(), LAST);
  return chart;
}

interface Child {
  host: Host;
  chart: Chart;
  responder: ReplicationResponder;
  /** Texts written to the link. */
  writes: string[];
  fill: number;
  /** Sends a parent's line to the responder, as the parent-command reader would. */
  request(line: string): void;
}

function child(options: { bufferBytes?: number; nowS?: () => number } = {}): Child {
  const registry = createHostRegistry({ hostname: 'capchild', machineGuid: '9d1bf5aa-edde-11f1-9a2c-02fc00000001', hops: 0 }, HOST_SETTINGS);
  const host = registry.localhost;
  const chart = collectChart(host, 'bar.abs');
  const writes: string[] = [];
  const c: Child = {
    host, chart, writes, fill: 0,
    responder: null as unknown as ReplicationResponder,
    request: (line) => c.responder.request(tokenize(line), line),
  };
  c.responder = new ReplicationResponder({
    host, source: hostReplaySource(host), tag: () => TAG,
    write: (text) => { writes.push(text); return true; },
    fill: () => c.fill,
    bufferBytes: options.bufferBytes ?? 10 * 1024 * 1024,
    nowS: options.nowS ?? (() => NOW),
  });
  return c;
}

/** Lets the responder's timers run. */
function settle(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Microsecond times (RDSTATE, RSSTATE) depend on when the collector ran: `<us>`. */
function withoutMicroseconds(text: string): string {
  return text.replace(/\b\d{16}\b/g, '<us>');
}

/** The point lines 1.37 writes for bar.abs slot `t`. */
function pointLines(t: number, now = NOW, a = '500.0000000', neg = '-0.5000000'): string {
  const rset = (id: string, v: string) => (v === 'NAN' ? `RSET "${id}" NAN "E"\n` : `RSET "${id}" ${v} ""\n`);
  return `RBEGIN '' ${t - 1} ${t} ${now}\n${rset('a', a)}${rset('neg', neg)}`;
}

function points(from: number, to: number): string {
  let text = '';
  for (let t = from; t <= to; t++) text += pointLines(t);
  return text;
}

function errorsSince(mark: number): string[] {
  return logged.slice(mark).filter((line) => line.includes(`ERROR: ${TAG}: `));
}

describe('ReplicationResponder: answers as netdata 1.37 does', () => {
  it('ends a definition with CHART_DEFINITION_END first last now, and holds the chart until its answer', () => {
    const c = child();
    assert.equal(c.responder.definitionEnd(c.chart), `CHART_DEFINITION_END ${FIRST} ${LAST} ${NOW}\n`);
    assert.equal(c.responder.waiting(c.chart), true);
    const empty = c.host.defineChart(definition('bar.empty'));
    assert.equal(c.responder.definitionEnd(empty), `CHART_DEFINITION_END 0 0 ${NOW}\n`);
  });

  it('answers the capture\'s request with the capture\'s lines', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    const request = PARENT_TO_CHILD.slice(PARENT_TO_CHILD.indexOf('REPLAY_CHART "bar.abs"')).split('\n')[0]!;
    assert.equal(request, `REPLAY_CHART "bar.abs" "true" ${FIRST} ${LAST - 1}`);
    c.request(request);
    await settle();
    const start = CHILD_TO_PARENT.indexOf('RBEGIN "bar.abs"\n');
    const end = CHILD_TO_PARENT.indexOf('\n', CHILD_TO_PARENT.indexOf('REND ', start)) + 1;
    const captured = CHILD_TO_PARENT.slice(start, end);
    assert.equal(c.writes.length, 1);
    assert.equal(withoutMicroseconds(c.writes[0]!), withoutMicroseconds(captured));
    // the collection state is this chart's own
    assert.match(c.writes[0]!, new RegExp(`RDSTATE "a" ${c.chart.dimensions[0]!.lastCollectedTimeUs} 500 500\\.0000000 500\\.0000000\n`));
    assert.match(c.writes[0]!, new RegExp(`RSSTATE ${c.chart.lastCollectedTimeUs} ${LAST}000000\n`));
    assert.equal(c.responder.waiting(c.chart), false, 'its live data flows now');
    assert.equal(c.responder.stats.executedRequests, 1);
    assert.equal(c.responder.stats.pointsSent, LAST - FIRST);
  });

  it('answers a step inside the window without the collection state, and keeps the chart waiting', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    c.request(`REPLAY_CHART "bar.abs" "false" ${FIRST} ${FIRST + 10}`);
    await settle();
    assert.deepEqual(c.writes, [`RBEGIN "bar.abs"\n${points(FIRST + 1, FIRST + 10)}REND 1 ${FIRST} ${LAST} false ${FIRST} ${FIRST + 10} ${NOW}\n`]);
    assert.equal(c.responder.waiting(c.chart), true);
  });

  it('sends empty slots as NAN "E"', async () => {
    const c = child();
    const gaps = collectChart(c.host, 'bar.gap', (i) => i > 10 && i < 16, 20);
    c.responder.definitionEnd(gaps);
    c.request(`REPLAY_CHART "bar.gap" "false" ${FIRST + 8} ${FIRST + 20}`);
    await settle();
    let expected = `RBEGIN "bar.gap"\n`;
    for (let t = FIRST + 9; t <= FIRST + 20; t++) {
      const empty = t >= FIRST + 10 && t <= FIRST + 13;
      expected += pointLines(t, NOW, empty ? 'NAN' : '500.0000000', empty || t === FIRST + 19 ? 'NAN' : '-0.5000000');
    }
    assert.equal(c.writes[0], `${expected}REND 1 ${FIRST} ${LAST} false ${FIRST + 8} ${FIRST + 20} ${NOW}\n`);
  });

  it('answers the empty request "true" 0 0 with the collection state only, and starts streaming', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    c.request('REPLAY_CHART "bar.abs" "true" 0 0');
    await settle();
    assert.match(c.writes[0]!, new RegExp(`^RBEGIN "bar\\.abs"\nRDSTATE "a" \\d+ 500 500\\.0000000 500\\.0000000\n` +
      `RDSTATE "neg" \\d+ 500 -0\\.5000000 -0\\.5000000\nRSSTATE \\d+ \\d+\nREND 1 ${FIRST} ${LAST} true 0 0 ${NOW}\n$`));
    assert.equal(c.responder.waiting(c.chart), false);
  });
});

describe('ReplicationResponder: bad requests', () => {
  it('logs a request for a chart it does not have, or did not send on this link, and goes on', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    collectChart(c.host, 'bar.unsent');
    const mark = logged.length;
    c.request('REPLAY_CHART "bar.nothing" "true" 1 2');
    c.request(`REPLAY_CHART "bar.unsent" "true" ${FIRST} ${LAST}`);
    c.request(`REPLAY_CHART "bar.abs" "false" ${FIRST} ${FIRST + 1}`);
    await settle();
    assert.deepEqual(c.writes, [`RBEGIN "bar.abs"\n${points(FIRST + 1, FIRST + 1)}REND 1 ${FIRST} ${LAST} false ${FIRST} ${FIRST + 1} ${NOW}\n`]);
    const errors = errorsSince(mark);
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /REPLAY ERROR: the parent asked to replicate chart 'bar\.nothing', which this node has not sent on this link; ignored\.\n$/);
    assert.match(errors[1]!, /chart 'bar\.unsent'/);
    assert.equal(c.responder.stats.executedRequests, 1);
  });

  it('refuses incomplete lines and times that are not decimal seconds, with the line and what was expected', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    const mark = logged.length;
    const bad = ['REPLAY_CHART "bar.abs" "false" 100', 'REPLAY_CHART "bar.abs"', 'REPLAY_CHART', `REPLAY_CHART "bar.abs" "false" -5 ${FIRST + 3}`,
      `REPLAY_CHART "bar.abs" "false" abc ${FIRST + 3}`, `REPLAY_CHART "bar.abs" "false" ${FIRST} 1e3`, 'REPLAY_CHART "bar.abs" "false" 0x10 0x20',
      `REPLAY_CHART "bar.abs" "false" ${FIRST}.5 ${FIRST + 3}`, 'REPLAY_CHART "bar.abs" "true" 99999999999999999999 1'];
    for (const line of bad) c.request(line);
    await settle();
    assert.deepEqual(c.writes, []);
    const errors = errorsSince(mark);
    assert.equal(errors.length, bad.length);
    const expected = 'expected REPLAY_CHART "<chart>" "<true|false>" <after> <before>; ignored.\n';
    assert.ok(errors[0]!.endsWith(`ERROR: ${TAG}: cannot understand the parent's command ${JSON.stringify(bad[0])}: ` +
      `the command is incomplete: ${expected}`), errors[0]);
    assert.match(errors[3]!, /"REPLAY_CHART \\"bar\.abs\\" \\"false\\" -5 \d+": after and before must be decimal seconds: expected/);
    assert.equal(c.responder.waiting(c.chart), true, 'the chart waits for a request it can take');
    c.request(`REPLAY_CHART "bar.abs" "true" ${FIRST} ${LAST}`);
    await settle();
    assert.equal(c.writes.length, 1, 'the link still takes requests');
  });

  it('swaps after and before as 1.37 does', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    c.request(`REPLAY_CHART "bar.abs" "false" ${FIRST + 20} ${FIRST + 10}`);
    await settle();
    assert.equal(c.writes[0], `RBEGIN "bar.abs"\n${points(FIRST + 11, FIRST + 20)}REND 1 ${FIRST} ${LAST} false ${FIRST + 20} ${FIRST + 20} ${NOW}\n`);
  });

  it('clips a window in the future to the last point, and then starts streaming', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    c.request(`REPLAY_CHART "bar.abs" "false" ${LAST - 3} ${NOW + 1000}`);
    await settle();
    assert.match(c.writes[0]!, new RegExp(`^RBEGIN "bar\\.abs"\n${escape(points(LAST - 2, LAST))}RDSTATE .*RSSTATE \\d+ \\d+\n` +
      `REND 1 ${FIRST} ${LAST} true ${LAST - 3} ${LAST} ${NOW}\n$`, 's'));
    const future = child();
    future.responder.definitionEnd(future.chart);
    future.request(`REPLAY_CHART "bar.abs" "false" ${NOW + 100} ${NOW + 200}`);
    await settle();
    assert.match(future.writes[0]!, new RegExp(`^RBEGIN "bar\\.abs"\nRDSTATE .*REND 1 ${FIRST} ${LAST} true ${NOW + 100} ${LAST} ${NOW}\n$`, 's'));
    assert.equal(future.responder.waiting(future.chart), false);
  });

  it('answers a window older than its data with what it has', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    // 1.37: after is raised to the first point, then after > before is swapped: the oldest point
    c.request('REPLAY_CHART "bar.abs" "false" 1000 2000');
    await settle();
    assert.equal(c.writes[0], `RBEGIN "bar.abs"\n${points(FIRST, FIRST)}REND 1 ${FIRST} ${LAST} false 1000 ${FIRST} ${NOW}\n`);
    c.request('REPLAY_CHART "bar.abs" "true" 1000 2000');
    await settle();
    assert.match(c.writes[1]!, new RegExp(`^RBEGIN "bar\\.abs"\n${escape(points(FIRST + 1, LAST))}RDSTATE `));
  });

  it('replaces a queued request by a newer one for the same chart', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    const other = collectChart(c.host, 'bar.other');
    c.responder.definitionEnd(other);
    c.request(`REPLAY_CHART "bar.abs" "false" ${FIRST} ${FIRST + 5}`);
    c.request(`REPLAY_CHART "bar.other" "false" ${FIRST} ${FIRST + 1}`);
    c.request(`REPLAY_CHART "bar.abs" "false" ${FIRST + 5} ${FIRST + 6}`);
    assert.equal(c.responder.stats.queuedRequests, 2);
    await settle();
    assert.equal(c.writes.length, 2);
    assert.ok(c.writes[0]!.startsWith('RBEGIN "bar.other"\n'));
    assert.equal(c.writes[1], `RBEGIN "bar.abs"\n${points(FIRST + 6, FIRST + 6)}REND 1 ${FIRST} ${LAST} false ${FIRST + 5} ${FIRST + 6} ${NOW}\n`);
  });
});

describe('ReplicationResponder: pacing by the send buffer', () => {
  it('answers nothing while the buffer is over half full, until it drops under a tenth', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    c.fill = 0.6;
    c.request(`REPLAY_CHART "bar.abs" "true" ${FIRST} ${LAST}`);
    await settle(120);
    assert.deepEqual(c.writes, []);
    c.fill = 0.3;
    await settle(120);
    assert.deepEqual(c.writes, [], 'paused until under 10 %');
    assert.equal(c.responder.stats.queuedRequests, 1);
    c.fill = 0.05;
    await settle(120);
    assert.equal(c.writes.length, 1);
    assert.equal(c.responder.stats.queuedRequests, 0);
  });

  it('answers at once between a tenth and a half when it was not paused', async () => {
    const c = child();
    c.responder.definitionEnd(c.chart);
    c.fill = 0.3;
    c.request(`REPLAY_CHART "bar.abs" "true" ${FIRST} ${LAST}`);
    await settle();
    assert.equal(c.writes.length, 1);
  });

  it('cuts an answer bigger than a quarter of the buffer, and a parent asking again from REND\'s before gets the rest', async () => {
    const c = child({ bufferBytes: 4000 });
    c.responder.definitionEnd(c.chart);
    c.request(`REPLAY_CHART "bar.abs" "true" ${FIRST} ${LAST}`);
    await settle();
    const answer = c.writes[0]!;
    const rend = /REND 1 (\d+) (\d+) (\w+) (\d+) (\d+) (\d+)\n$/.exec(answer);
    assert.ok(rend, answer);
    assert.equal(rend[3], 'false');
    const lastSent = Number(rend[5]);
    assert.ok(lastSent > FIRST && lastSent < LAST, `cut at ${lastSent}`);
    assert.equal(answer, `RBEGIN "bar.abs"\n${points(FIRST + 1, lastSent)}REND 1 ${FIRST} ${LAST} false ${FIRST} ${lastSent} ${NOW}\n`);
    assert.ok(answer.length <= 1000 + 100, `${answer.length} bytes: a quarter of the buffer and at most one point more`);
    assert.equal(c.responder.waiting(c.chart), true);
  });

  it('fills a Tributary parent through cut answers until it starts streaming', async () => {
    const c = child({ bufferBytes: 4000 });
    const registry = createHostRegistry({ hostname: 'parent', machineGuid: 'aaaaaaaa-0000-0000-0000-000000000000', hops: 0 }, HOST_SETTINGS);
    const mirrored = registry.findOrCreate({ hostname: 'capchild', machineGuid: '9d1bf5aa-edde-11f1-9a2c-02fc00000001', hops: 1 }, HOST_SETTINGS);
    const receiver = new LinkReplicationReceiver({
      tag: 'STREAM capchild [receive from [127.0.0.1]:40312]',
      settings: { enabled: true, secondsToReplicate: 86_400, stepSecs: 600 },
      send: (line) => c.request(line.trimEnd()),
      nowS: () => NOW,
    });
    const stops: string[] = [];
    const parser = createParser({
      source: 'STREAM capchild [receive from [127.0.0.1]:40312]', host: mirrored, trustedDurations: true,
      defaultUpdateEverySecs: 1, defaultPluginName: '', replication: receiver, onStop: (s) => stops.push(s.message),
    });
    parser.feed(Buffer.from(chartDefinitionLines(c.chart) + c.responder.definitionEnd(c.chart)));
    for (let i = 0; i < 20 && c.responder.waiting(c.chart); i++) {
      await settle();
      while (c.writes.length > 0) parser.feed(Buffer.from(c.writes.shift()!));
    }
    assert.deepEqual(stops, []);
    assert.equal(c.responder.waiting(c.chart), false);
    assert.ok(receiver.stats.requests > 2, `${receiver.stats.requests} requests`);
    assert.equal(receiver.stats.pendingCharts, 0);
    const copy = mirrored.charts.get('bar.abs')!;
    assert.equal(copy.firstEntryS(), FIRST + 1);
    assert.equal(copy.lastEntryS(), LAST);
    for (let t = FIRST + 1; t <= LAST; t++) assert.deepEqual([copy.valueAt(0, t), copy.valueAt(1, t)], [500, -0.5], `slot ${t}`);
  });
});

/** `text` as a literal in a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
