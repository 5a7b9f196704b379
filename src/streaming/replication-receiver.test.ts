/**
 * The parent's side of replication (reference §2.8, §11) with a real database and the real
 * parser: what each REPLAY_CHART asks for (1.37's `replicate_chart_request`), how the answered
 * points are stored, and what bad input does (DESIGN "Bad input"). The child's lines are fed as
 * the socket would; the requests are what the receiver writes back.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicationSettings } from '../config/index.js';
import { createHostRegistry, type Chart, type Host, type HostSettings } from '../database/index.js';
import { createParser, type Parser, type ParserStop } from '../protocol/index.js';
import { setLogSink } from '../log.js';
import { LinkReplicationReceiver } from './replication-receiver.js';

/** The parent's wall clock in these tests (the capture's child clock). */
const NOW = 1_796_167_666;
const TAG = 'STREAM child [receive from [127.0.0.1]:40312]';
const CHART_ID = 'rin.values';
const SETTINGS: ReplicationSettings = { enabled: true, secondsToReplicate: 86_400, stepSecs: 600 };
const HOST_SETTINGS: HostSettings = { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 };

const DEFINITION = `CHART "${CHART_ID}" "" "Replication input" "n" "rin" "${CHART_ID}" "line" 1000 1 "   " "rin.plugin" ""\n` +
  'DIMENSION "a" "a" "absolute" 1 1 "  "\nDIMENSION "b" "b" "absolute" 1 1 "  "\n';

const logged: string[] = [];
const previousSink = setLogSink((line) => { logged.push(line); });
after(() => { setLogSink(previousSink); });

interface Link {
  host: Host;
  parser: Parser;
  receiver: LinkReplicationReceiver;
  /** Lines the receiver wrote to the child. */
  sent: string[];
  stops: ParserStop[];
  feed(text: string): void;
  chart(): Chart;
}

let guid = 0;

/** A child's host on a parent, its link's receiver and parser; `host` reuses one (a reconnect). */
function link(settings: Partial<ReplicationSettings> = {}, host?: Host, tag = TAG): Link {
  if (!host) {
    const registry = createHostRegistry({ hostname: 'parent', machineGuid: 'aaaaaaaa-0000-0000-0000-000000000000', hops: 0 }, HOST_SETTINGS);
    const id = String(++guid).padStart(12, '0');
    host = registry.findOrCreate({ hostname: 'child', machineGuid: `bbbbbbbb-0000-0000-0000-${id}`, hops: 1 }, HOST_SETTINGS);
  }
  const sent: string[] = [];
  const stops: ParserStop[] = [];
  const receiver = new LinkReplicationReceiver({ tag, settings: { ...SETTINGS, ...settings }, send: (l) => sent.push(l), nowS: () => NOW });
  const parser = createParser({
    source: tag, host, trustedDurations: true, defaultUpdateEverySecs: 1, defaultPluginName: '',
    // live blocks (trusted durations) step the chart's clock from here, staying before NOW
    nowUs: () => (NOW - 5) * 1_000_000 + 500_000, replication: receiver, onStop: (s) => stops.push(s),
  });
  const h = host;
  return {
    host: h, parser, receiver, sent, stops,
    feed: (text) => parser.feed(Buffer.from(text)),
    chart: () => h.charts.get(CHART_ID)!,
  };
}

/** `CHART_DEFINITION_END first last now` after the definition; returns the request it drew. */
function defineAndAsk(l: Link, firstS: number, lastS: number, childNowS = NOW): string | undefined {
  const before = l.sent.length;
  l.feed(`${DEFINITION}CHART_DEFINITION_END ${firstS} ${lastS} ${childNowS}\n`);
  assert.ok(l.sent.length <= before + 1, 'at most one request per definition');
  return l.sent[before];
}

/** One replayed point: RBEGIN '' start end now, then a RSET per given value (null = E). */
function point(endS: number, a: number | null, b: number | null, childNowS = NOW, startS = endS - 1): string {
  const rset = (id: string, v: number | null) => (v === null ? `RSET "${id}" NAN "E"\n` : `RSET "${id}" ${v.toFixed(7)} ""\n`);
  return `RBEGIN '' ${startS} ${endS} ${childNowS}\n${rset('a', a)}${rset('b', b)}`;
}

function rend(first: number, last: number, start: boolean, afterS: number, beforeS: number): string {
  return `REND 1 ${first} ${last} ${start} ${afterS} ${beforeS} ${NOW}\n`;
}

/** What the parent stores for the chart before the link: points at `fromS..toS` (a = b = t - fromS). */
function prefill(l: Link, fromS: number, toS: number): void {
  l.feed(DEFINITION); // a first link without replication defines the chart
  const chart = l.chart();
  for (let t = fromS; t <= toS; t++) assert.equal(chart.storeReplayed(t, [t - fromS, t - fromS]), 'appended');
}

function valuesAt(chart: Chart, timeS: number): number[] {
  return [chart.valueAt(0, timeS), chart.valueAt(1, timeS)];
}

/** ERROR lines naming the link since `mark`. */
function linesSince(mark: number, tag = TAG): string[] {
  return logged.slice(mark).filter((line) => line.includes(`ERROR: ${tag}: `));
}

describe('LinkReplicationReceiver: what REPLAY_CHART asks for (1.37 replicate_chart_request)', () => {
  it('asks for the child\'s whole retention of an empty chart, one step per request, from each REND\'s before', () => {
    const l = link();
    assert.equal(defineAndAsk(l, NOW - 1500, NOW - 1), `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 1500} ${NOW - 900}\n`);
    l.feed(`RBEGIN "${CHART_ID}"\n${rend(NOW - 1500, NOW - 1, false, NOW - 1500, NOW - 900)}`);
    assert.equal(l.sent[1], `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 900} ${NOW - 300}\n`);
    l.feed(`RBEGIN "${CHART_ID}"\n${rend(NOW - 1500, NOW - 1, false, NOW - 900, NOW - 300)}`);
    // the rest fits in one step: up to now, clipped to the child's last time, and start streaming
    assert.equal(l.sent[2], `REPLAY_CHART "${CHART_ID}" "true" ${NOW - 300} ${NOW - 1}\n`);
    assert.equal(l.receiver.replicating(l.chart()), true);
    l.feed(`RBEGIN "${CHART_ID}"\n${rend(NOW - 1500, NOW - 1, true, NOW - 300, NOW - 1)}`);
    assert.equal(l.receiver.replicating(l.chart()), false);
    assert.equal(l.sent.length, 3);
    assert.deepEqual(l.stops, []);
  });

  it('reaches back `seconds to replicate` at most, and continues from the chart\'s last slot when it has data', () => {
    const short = link({ secondsToReplicate: 1000 });
    assert.equal(defineAndAsk(short, NOW - 3000, NOW - 1), `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 1000} ${NOW - 400}\n`);

    const filled = link();
    prefill(filled, NOW - 200, NOW - 100);
    assert.equal(defineAndAsk(filled, NOW - 3000, NOW - 1), `REPLAY_CHART "${CHART_ID}" "true" ${NOW - 100} ${NOW - 1}\n`);
  });

  it('asks from the child\'s first time when it has less than the gap', () => {
    const l = link();
    assert.equal(defineAndAsk(l, NOW - 30, NOW - 1), `REPLAY_CHART "${CHART_ID}" "true" ${NOW - 30} ${NOW - 1}\n`);
  });

  it('sends the empty request "true" 0 0 when there is nothing to ask for, as 1.37 does', () => {
    const empty = `REPLAY_CHART "${CHART_ID}" "true" 0 0\n`;
    assert.equal(defineAndAsk(link({ enabled: false }), NOW - 100, NOW - 1), empty, 'replication disabled');
    assert.equal(defineAndAsk(link(), 0, 0), empty, 'the child has nothing');
    assert.equal(defineAndAsk(link(), NOW - 100, 0), empty, 'no last time');
    const mark = logged.length;
    assert.equal(defineAndAsk(link(), 0, NOW - 1), empty, 'no first time');
    assert.match(linesSince(mark).join(''), /PLUGINSD REPLAY ERROR: chart 'rin\.values' got a CHART_DEFINITION_END with malformed timings \(first time 0, last time 1796167665/);
    assert.equal(defineAndAsk(link(), NOW - 1, NOW - 100), empty, 'first after last');
    const ahead = link();
    prefill(ahead, NOW - 20, NOW - 5);
    assert.equal(defineAndAsk(ahead, NOW - 100, NOW - 10), empty, 'the parent is ahead of the child');

    const noDimensions = link();
    noDimensions.feed(`CHART "${CHART_ID}" "" "No dimensions" "n" "rin" "${CHART_ID}" "line" 1000 1 "   " "rin.plugin" ""\n` +
      `CHART_DEFINITION_END ${NOW - 100} ${NOW - 1} ${NOW}\n`);
    assert.deepEqual(noDimensions.sent, [empty], 'a chart without dimensions');
  });

  it('sends no second request while one is in flight, and asks again for a definition after the answer', () => {
    const l = link();
    defineAndAsk(l, NOW - 30, NOW - 1);
    assert.equal(defineAndAsk(l, NOW - 30, NOW - 1), undefined);
    assert.equal(l.sent.length, 1);
    l.feed(`RBEGIN "${CHART_ID}"\n${point(NOW - 10, 1, 1)}${rend(NOW - 30, NOW - 1, true, NOW - 30, NOW - 1)}`);
    // the chart has data up to NOW - 10 now
    assert.equal(defineAndAsk(l, NOW - 30, NOW), `REPLAY_CHART "${CHART_ID}" "true" ${NOW - 10} ${NOW}\n`);
  });

  it('continues from REND\'s before kept inside the window asked for, and as a first request when REND says 0 0', () => {
    const l = link();
    defineAndAsk(l, NOW - 1500, NOW - 1);
    // a child claiming it answered past the window: the window's end is where the next one starts
    l.feed(`RBEGIN "${CHART_ID}"\n${rend(NOW - 1500, NOW - 1, false, NOW - 1500, NOW + 100)}`);
    assert.equal(l.sent[1], `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 900} ${NOW - 300}\n`);
    l.feed(`RBEGIN "${CHART_ID}"\n${rend(NOW - 1500, NOW - 1, false, 0, 0)}`);
    assert.equal(l.sent[2], `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 1500} ${NOW - 900}\n`);
  });
});

describe('LinkReplicationReceiver: storing the answers', () => {
  it('stores points at their own times, fills gaps out of order, and never overwrites a value', () => {
    const l = link();
    assert.equal(defineAndAsk(l, NOW - 60, NOW - 1), `REPLAY_CHART "${CHART_ID}" "true" ${NOW - 60} ${NOW - 1}\n`);
    // a live block that arrives before the answer (a 1.37 child holds them back; nothing must break)
    l.feed(`BEGIN "${CHART_ID}" 1000000\nSET a = 70\nSET b = 71\nEND\n`.repeat(2));
    const chart = l.chart();
    const live = chart.lastEntryS();
    assert.ok(live > NOW - 60 && live <= NOW, `live slot ${live}`);
    assert.deepEqual(valuesAt(chart, live), [70, 71]);
    l.feed(`RBEGIN "${CHART_ID}"\n` +
      point(NOW - 50, 1, 2) +
      point(NOW - 40, 3, 4) +
      point(NOW - 45, 5, null) + // into the gap between the two
      point(NOW - 50, 99, 99) + // the same slot again: kept
      point(live, 7, 7) + // the live slot: kept
      rend(NOW - 60, NOW - 1, true, NOW - 60, NOW - 1));
    assert.deepEqual(l.stops, []);
    assert.deepEqual(valuesAt(chart, NOW - 50), [1, 2]);
    assert.deepEqual(valuesAt(chart, NOW - 49), [NaN, NaN], 'a slot no point named stays a gap');
    assert.deepEqual(valuesAt(chart, NOW - 45), [5, NaN]);
    assert.deepEqual(valuesAt(chart, NOW - 40), [3, 4]);
    assert.deepEqual(valuesAt(chart, live), [70, 71], 'the live value stays');
    assert.equal(chart.lastEntryS(), live);
    assert.equal(chart.firstEntryS(), NOW - 50);
    const stats = l.receiver.stats;
    assert.equal(stats.pointsReplayed, 3);
    assert.equal(stats.pointsKept, 2);
    assert.equal(stats.pointsRefused, 0);
  });

  it('fills a gap between what it had and the child\'s answer, and restores the collection state', () => {
    const l = link();
    prefill(l, NOW - 100, NOW - 90);
    defineAndAsk(l, NOW - 200, NOW - 1);
    l.feed(`RBEGIN "${CHART_ID}"\n${point(NOW - 80, 8, 9)}${point(NOW - 1, 10, 11)}` +
      `RDSTATE "a" ${(NOW - 1) * 1_000_000 + 400_000} 10 10.0000000 10.0000000\n` +
      `RSSTATE ${(NOW - 1) * 1_000_000 + 400_000} ${(NOW - 1) * 1_000_000}\n` +
      rend(NOW - 200, NOW - 1, true, NOW - 90, NOW - 1));
    const chart = l.chart();
    assert.deepEqual(valuesAt(chart, NOW - 95), [5, 5], 'what was stored stays');
    assert.deepEqual(valuesAt(chart, NOW - 85), [NaN, NaN]);
    assert.deepEqual(valuesAt(chart, NOW - 80), [8, 9]);
    assert.deepEqual(valuesAt(chart, NOW - 1), [10, 11]);
    assert.equal(chart.lastEntryS(), NOW - 1);
    assert.equal(chart.dimensions[0]!.lastCollectedTimeUs, (NOW - 1) * 1_000_000 + 400_000);
  });
});

describe('LinkReplicationReceiver: bad input', () => {
  it('refuses points in the future, with an end not after the start, or outside the window, naming the peer', () => {
    const l = link();
    assert.equal(defineAndAsk(l, NOW - 1500, NOW - 1), `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 1500} ${NOW - 900}\n`);
    const mark = logged.length;
    l.feed(`RBEGIN "${CHART_ID}"\n` +
      point(NOW - 999, 1, 2) +
      point(NOW + 2, 100, 100) + // past the child's clock + update every + 1
      point(NOW + 20, 100, 100, NOW + 30) + // the child's clock is ahead: past ours + update every + 5
      point(NOW - 990, 100, 100, NOW, NOW - 990) + // end = start
      point(NOW - 980, 100, 100, NOW, NOW - 970) + // end before start
      point(NOW - 970, 100, 100, NOW, 0) + // no start
      point(NOW - 1500, 100, 100) + // at `after`: not in (after, before]
      point(NOW - 899, 100, 100) + // past `before`
      point(NOW - 900, 3, 4) + // at `before`: in
      rend(NOW - 1500, NOW - 1, false, NOW - 1500, NOW - 900));
    assert.deepEqual(l.stops, [], 'refused points do not close the link');
    const chart = l.chart();
    assert.deepEqual(valuesAt(chart, NOW - 999), [1, 2]);
    assert.deepEqual(valuesAt(chart, NOW - 900), [3, 4]);
    for (const t of [NOW - 990, NOW - 980, NOW - 970, NOW - 1500]) assert.deepEqual(valuesAt(chart, t), [NaN, NaN], `nothing at ${t}`);
    assert.equal(chart.lastEntryS(), NOW - 900, 'nothing stored past the window or in the future');
    assert.equal(chart.firstEntryS(), NOW - 999);
    const lines = linesSince(mark);
    assert.equal(lines.length, 7);
    for (const line of lines) assert.match(line, /ERROR: STREAM child \[receive from \[127\.0\.0\.1\]:40312\]: REPLAY ERROR: chart 'rin\.values': RBEGIN from \d+ to \d+ .*; its RSET values are ignored\.\n$/);
    assert.match(lines[0]!, new RegExp(`RBEGIN from ${NOW + 1} to ${NOW + 2} is in the future of the child's clock \\(${NOW}, tolerance 2 s\\)`));
    assert.match(lines[1]!, new RegExp(`RBEGIN from ${NOW + 19} to ${NOW + 20} is in the future \\(now is ${NOW}, tolerance 6 s\\)`));
    assert.match(lines[2]!, /has invalid timestamps \(the end must be after the start\)/);
    assert.match(lines[5]!, new RegExp(`is outside the window asked for \\(${NOW - 1500} to ${NOW - 900}\\)`));
    assert.equal(l.receiver.stats.pointsRefused, 7);
    assert.equal(l.receiver.stats.pointsReplayed, 2);
    // the next request continues after the window
    assert.equal(l.sent[1], `REPLAY_CHART "${CHART_ID}" "false" ${NOW - 900} ${NOW - 300}\n`);
  });

  it('refuses points of an empty request, and accepts a point up to the child\'s clock + update every', () => {
    const l = link({ enabled: false });
    defineAndAsk(l, NOW - 100, NOW - 1);
    l.feed(`RBEGIN "${CHART_ID}"\n${point(NOW - 50, 1, 1)}${rend(NOW - 100, NOW - 1, true, 0, 0)}`);
    assert.equal(l.chart().lastEntryS(), 0);
    assert.equal(l.receiver.stats.pointsRefused, 1);

    const edge = link();
    defineAndAsk(edge, NOW - 100, NOW - 1);
    edge.feed(`RBEGIN "${CHART_ID}"\n${point(NOW + 1, 1, 1)}${rend(NOW - 100, NOW + 1, true, NOW - 100, NOW + 1)}`);
    assert.equal(edge.chart().lastEntryS(), NOW + 1);
  });

  it('throttles its refusals per link: 10 lines a minute, another link still logs', () => {
    const noisy = link();
    defineAndAsk(noisy, NOW - 100, NOW - 1);
    const mark = logged.length;
    let answer = `RBEGIN "${CHART_ID}"\n`;
    for (let i = 0; i < 25; i++) answer += point(NOW + 100 + i, 1, 1);
    noisy.feed(answer);
    assert.equal(linesSince(mark).length, 10);
    assert.equal(noisy.receiver.stats.pointsRefused, 25);
    const otherTag = 'STREAM other [receive from [127.0.0.1]:40313]';
    const other = link({}, undefined, otherTag);
    defineAndAsk(other, NOW - 100, NOW - 1);
    other.feed(`RBEGIN "${CHART_ID}"\n${point(NOW + 100, 1, 1)}`);
    assert.equal(linesSince(mark, otherTag).length, 1);
  });

  it('refuses a collection state in the future, keeping the chart\'s times and ring', () => {
    const l = link();
    prefill(l, NOW - 100, NOW - 90);
    defineAndAsk(l, NOW - 200, NOW - 1);
    const mark = logged.length;
    const future = (NOW + 86_400) * 1_000_000;
    l.feed(`RBEGIN "${CHART_ID}"\nRDSTATE "a" ${future} 10 10.0000000 10.0000000\nRSSTATE ${future} ${future}\n` +
      rend(NOW - 200, NOW - 1, true, NOW - 90, NOW - 1));
    const chart = l.chart();
    assert.equal(chart.lastEntryS(), NOW - 90);
    assert.deepEqual(valuesAt(chart, NOW - 95), [5, 5]);
    assert.equal(chart.dimensions[0]!.lastCollectedTimeUs < future, true);
    const lines = linesSince(mark);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /REPLAY ERROR: chart 'rin\.values': RDSTATE of dimension 'a' at 1796254066 is in the future \(now is 1796167666\); ignored\./);
    assert.match(lines[1]!, /REPLAY ERROR: chart 'rin\.values': RSSTATE at 1796254066 is in the future/);
  });

  it('closes the link on a REND nobody asked for, keeping what was stored', () => {
    const l = link();
    prefill(l, NOW - 100, NOW - 90);
    l.feed(rend(NOW - 100, NOW - 1, true, NOW - 90, NOW - 1));
    assert.equal(l.stops.length, 1);
    assert.equal(l.stops[0]!.kind, 'error');
    assert.match(l.stops[0]!.message, new RegExp(`^STREAM child \\[receive from \\[127\\.0\\.0\\.1\\]:40312\\]: line 4: REND for chart "rin\\.values", for which no replication was requested while parsing: "REND 1 `));
    assert.deepEqual(valuesAt(l.chart(), NOW - 95), [5, 5]);
  });

  it('closes the link on an answer after the chart finished, and on R* lines after REND', () => {
    const again = link();
    defineAndAsk(again, NOW - 30, NOW - 1);
    again.feed(`RBEGIN "${CHART_ID}"\n${point(NOW - 5, 1, 1)}${rend(NOW - 30, NOW - 1, true, NOW - 30, NOW - 1)}`);
    again.feed(`RBEGIN "${CHART_ID}"\n`);
    assert.match(again.stops[0]!.message, /RBEGIN for chart "rin\.values", for which no replication was requested/);
    assert.deepEqual(valuesAt(again.chart(), NOW - 5), [1, 1]);

    const late = link();
    defineAndAsk(late, NOW - 1500, NOW - 1);
    late.feed(`RBEGIN "${CHART_ID}"\n${point(NOW - 1000, 1, 1)}${rend(NOW - 1500, NOW - 1, false, NOW - 1500, NOW - 900)}` +
      'RSET "a" 5.0000000 ""\n');
    assert.equal(late.stops.length, 1);
    assert.match(late.stops[0]!.message, /RSET without a chart: RBEGIN must come first while parsing: "RSET \\"a\\" 5\.0000000 \\"\\""/);
    assert.deepEqual(valuesAt(late.chart(), NOW - 1000), [1, 1]);
  });

  it('closes the link on a REND (or RSET, RDSTATE, RSSTATE) without its RBEGIN', () => {
    for (const line of [rend(NOW - 30, NOW - 1, true, NOW - 30, NOW - 1), 'RSET "a" 1 ""\n', 'RDSTATE "a" 1 1 1 1\n', 'RSSTATE 1 1\n']) {
      const l = link();
      defineAndAsk(l, NOW - 30, NOW - 1);
      l.feed(line);
      const keyword = line.split(' ')[0];
      assert.equal(l.stops.length, 1, keyword);
      assert.match(l.stops[0]!.message, new RegExp(`${keyword} for chart "rin\\.values" without its RBEGIN "rin\\.values"`));
      assert.equal(l.chart().lastEntryS(), 0);
    }
  });
});

describe('LinkReplicationReceiver: stats', () => {
  it('counts pending and finished charts, seconds still to fill, requests and points', () => {
    const l = link();
    prefill(l, NOW - 300, NOW - 250);
    defineAndAsk(l, NOW - 1000, NOW - 1); // asks (NOW - 250, NOW - 1], start streaming
    l.feed(`CHART "rin.other" "" "Other" "n" "rin" "rin.other" "line" 1001 1 "   " "rin.plugin" ""\n` +
      `DIMENSION "x" "x" "absolute" 1 1 "  "\nCHART_DEFINITION_END ${NOW - 1000} ${NOW - 1} ${NOW}\n`);
    assert.equal(l.sent[1], `REPLAY_CHART "rin.other" "false" ${NOW - 1000} ${NOW - 400}\n`);
    let stats = l.receiver.stats;
    assert.equal(stats.pendingCharts, 2);
    assert.equal(stats.finishedCharts, 0);
    assert.equal(stats.secondsToFill, 250 + 1000);
    assert.equal(stats.requests, 2);
    l.feed(`RBEGIN "${CHART_ID}"\n${point(NOW - 200, 1, 1)}${point(NOW - 300, 1, 1)}${point(NOW - 2, 1, 1)}` +
      rend(NOW - 1000, NOW - 1, true, NOW - 250, NOW - 1));
    l.feed(`RBEGIN "rin.other"\nRBEGIN '' ${NOW - 501} ${NOW - 500} ${NOW}\nRSET "x" 1 ""\n` +
      `REND 1 ${NOW - 1000} ${NOW - 1} false ${NOW - 1000} ${NOW - 400} ${NOW}\n`);
    stats = l.receiver.stats;
    assert.equal(stats.pendingCharts, 1);
    assert.equal(stats.finishedCharts, 1);
    assert.equal(stats.secondsToFill, 400, 'rin.other still lacks NOW - 400 to now');
    assert.equal(stats.requests, 3);
    assert.equal(stats.pointsReplayed, 3);
    assert.equal(stats.pointsRefused, 1, 'NOW - 300 is before the window');
    assert.equal(stats.pointsKept, 0);
    assert.deepEqual(l.stops, []);
  });
});
