import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness, SEC_US, START_US, type Harness } from './test-harness.js';

const DEFINITION = 'CHART a.b\nDIMENSION x\nDIMENSION y\nCHART a.c\nDIMENSION z\n';
const START_S = START_US / SEC_US;

/** A stream link that negotiated replication, `a.b` (x, y) and `a.c` (z) defined. */
function link(): Harness {
  const h = harness({ replication: true, source: '[receive from [127.0.0.1]:40312]' });
  h.feed(DEFINITION);
  return h;
}

/** The one stop's message after `text`, with the source and line number cut off. */
function problem(h: Harness, text: string): string {
  h.feed(text);
  assert.equal(h.stops.length, 1, `one stop after ${JSON.stringify(text)}`);
  return h.stops[0].message.replace(/^\[receive from \[127\.0\.0\.1\]:40312\]: line \d+: /, '');
}

describe('CHART_DEFINITION_END', () => {
  it('hands the chart and its first, last and the child\'s now to the receiver', () => {
    const h = link();
    h.feed(`CHART_DEFINITION_END ${START_S - 60} ${START_S} ${START_S + 1}\n`);
    assert.deepEqual(h.replication, [['definitionEnd', 'a.c', START_S - 60, START_S, START_S + 1]]);
  });

  it('reads missing times as 0 and a missing or 0 child clock as the wall clock', () => {
    const h = link();
    const before = Math.floor(Date.now() / 1000);
    h.feed('CHART_DEFINITION_END\nCHART_DEFINITION_END 5 6 0\n');
    const after = Math.floor(Date.now() / 1000);
    assert.deepEqual(h.replication.map((call) => call.slice(0, 4)), [['definitionEnd', 'a.c', 0, 0], ['definitionEnd', 'a.c', 5, 6]]);
    for (const call of h.replication) assert.ok((call[4] as number) >= before && (call[4] as number) <= after);
  });

  it('stops without a chart on a link with replication, and is ignored without one', () => {
    assert.equal(problem(harness({ replication: true, source: '[receive from [127.0.0.1]:40312]' }), 'CHART_DEFINITION_END 1 2 3\n'),
      'CHART_DEFINITION_END without a chart: CHART must come first while parsing: "CHART_DEFINITION_END 1 2 3"');
    const plugin = harness();
    plugin.feed('CHART_DEFINITION_END 1 2 3\n');
    assert.deepEqual(plugin.stops, []);
  });
});

describe('RBEGIN', () => {
  it('opens a chart\'s answer by id and a point of the current chart with an empty id', () => {
    const h = link();
    h.feed(`RBEGIN "a.b"\nRBEGIN '' ${START_S} ${START_S + 1} ${START_S + 5}\nRBEGIN "a.c" 10 11\n`);
    assert.deepEqual(h.replication, [
      ['begin', 'a.b', null],
      ['begin', 'a.b', { startS: START_S, endS: START_S + 1, childNowS: START_S + 5 }],
      ['begin', 'a.c', { startS: 10, endS: 11, childNowS: 0 }],
    ]);
  });

  it('gives no times unless both start and end are there', () => {
    const h = link();
    h.feed('RBEGIN "a.b" 10\n');
    assert.deepEqual(h.replication, [['begin', 'a.b', null]]);
  });

  it('makes its chart the current one, for the RSETs after it', () => {
    const h = link();
    h.feed('RBEGIN "a.b"\nRSET x 1 ""\n');
    assert.deepEqual(h.replication[1], ['set', 'a.b', 'x', 1, '']);
  });

  it('stops the link for a chart that does not exist, and for an empty id without a current chart', () => {
    assert.equal(problem(link(), 'RBEGIN "a.none"\n'),
      'RBEGIN of chart "a.none", which does not exist while parsing: "RBEGIN \\"a.none\\""');
    const h = link();
    h.feed('BEGIN a.b\nEND\n');
    assert.equal(problem(h, "RBEGIN '' 1 2 3\n"), 'RBEGIN without a chart: RBEGIN must come first while parsing: "RBEGIN \'\' 1 2 3"');
    assert.deepEqual(h.replication, []);
  });
});

describe('RSET', () => {
  it('reads the value as a double and passes the flags on', () => {
    const h = link();
    h.feed('RBEGIN "a.b"\nRSET "x" 1.5 ""\nRSET y -2.5e3 "R"\nRSET \'x\' = 0x10\nRSET x 7junk\n');
    assert.deepEqual(h.replication.slice(1), [
      ['set', 'a.b', 'x', 1.5, ''],
      ['set', 'a.b', 'y', -2500, 'R'],
      ['set', 'a.b', 'x', 0, ''],
      ['set', 'a.b', 'x', 7, ''],
    ]);
  });

  it('gives NaN for NAN in any case, an infinite or missing value, and for flag E whatever the value', () => {
    const h = link();
    h.feed('RBEGIN "a.b"\nRSET x NAN "E"\nRSET x nan ""\nRSET x 42 "E"\nRSET x inf ""\nRSET x -Infinity\nRSET y\n');
    assert.deepEqual(h.replication.slice(1), [
      ['set', 'a.b', 'x', NaN, 'E'],
      ['set', 'a.b', 'x', NaN, ''],
      ['set', 'a.b', 'x', NaN, 'E'],
      ['set', 'a.b', 'x', NaN, ''],
      ['set', 'a.b', 'x', NaN, ''],
      ['set', 'a.b', 'y', NaN, ''],
    ]);
  });

  it('stops for a dimension that does not exist, without a dimension, and without a chart', () => {
    assert.equal(problem(link(), 'RBEGIN "a.b"\nRSET "z" 1 ""\n'),
      'RSET of dimension "z", which does not exist in chart "a.b" while parsing: "RSET \\"z\\" 1 \\"\\""');
    assert.equal(problem(link(), 'RBEGIN "a.b"\nRSET\n'), 'RSET without a dimension, in chart "a.b" while parsing: "RSET"');
    const h = harness({ replication: true, source: '[receive from [127.0.0.1]:40312]' });
    assert.equal(problem(h, 'RSET x 1 ""\n'), 'RSET without a chart: RBEGIN must come first while parsing: "RSET x 1 \\"\\""');
  });
});

describe('RDSTATE', () => {
  it('hands over the collected time, value, calculated and stored values', () => {
    const h = link();
    h.feed(`RBEGIN "a.b"\nRDSTATE "x" ${START_US + 123456} 42 0.5 41\n`);
    assert.deepEqual(h.replication[1], ['dimensionState', 'a.b', 'x', START_US + 123456, 42, 0.5, 41]);
  });

  it('reads missing words as 0 (time, value, calculated) and NaN (stored); a NAN calculated value as 0', () => {
    const h = link();
    h.feed('RBEGIN "a.b"\nRDSTATE "x"\nRDSTATE y 5 6 NAN nan\n');
    assert.deepEqual(h.replication.slice(1), [
      ['dimensionState', 'a.b', 'x', 0, 0, 0, NaN],
      ['dimensionState', 'a.b', 'y', 5, 6, 0, NaN],
    ]);
  });

  it('reads the collected value as netdata\'s str2ll: a sign, then decimal digits up to the first other char', () => {
    const h = link();
    h.feed('RBEGIN "a.b"\n' + ['-12', '+7', '010', '0x10', '12.9', 'junk'].map((v) => `RDSTATE x 1 ${v} 0 0\n`).join(''));
    assert.deepEqual(h.replication.slice(1).map((call) => call[4]), [-12, 7, 10, 0, 12, 0]);
  });

  it('passes a collected value past 2^53 exactly, as a bigint, saturated to the int64 range', () => {
    const h = link();
    const values = ['9007199254740991', '9007199254740993', '-9223372036854775808', '9223372036854775807',
      '99999999999999999999', '-99999999999999999999'];
    h.feed('RBEGIN "a.b"\n' + values.map((v) => `RDSTATE x 1 ${v} 0 0\n`).join(''));
    assert.deepEqual(h.replication.slice(1).map((call) => call[4]), [
      9007199254740991, 9007199254740993n, -9223372036854775808n, 9223372036854775807n,
      9223372036854775807n, -9223372036854775808n,
    ]);
  });

  it('lets an incremental counter past 2^53 go on exactly after the state is restored', () => {
    const h = harness({
      trustedDurations: true,
      replication: {
        dimensionState: (chart, d, us, value, calculated, stored) => chart.restoreDimensionState(d.index, us, value, calculated, stored),
        chartState: (chart, collectedUs, updatedUs) => chart.restoreChartState(collectedUs, updatedUs),
      },
    });
    const base = 2n ** 62n;
    h.feed('CHART a.b\nDIMENSION c c incremental\n');
    h.feed(`RBEGIN "a.b"\nRDSTATE c ${START_US} ${base + 5n} 0 NAN\nRSSTATE ${START_US} ${START_US}\n` +
      `REND 1 0 0 true 0 0 ${START_S}\n`);
    h.clock.nowUs += SEC_US;
    h.feed(`BEGIN a.b ${SEC_US}\nSET c = ${base + 12n}\nEND\n`);
    const chart = h.host.charts.get('a.b')!;
    assert.deepEqual(h.stops, []);
    // as doubles both counters are 2^62, and the rate would be 0
    assert.equal(chart.valueAt(0, chart.lastEntryS()), 7);
  });

  it('stops for a dimension that does not exist, and without a dimension', () => {
    assert.equal(problem(link(), 'RBEGIN "a.b"\nRDSTATE "nope" 1 2 3 4\n'),
      'RDSTATE of dimension "nope", which does not exist in chart "a.b" while parsing: "RDSTATE \\"nope\\" 1 2 3 4"');
    assert.equal(problem(link(), 'RBEGIN "a.c"\nRDSTATE\n'), 'RDSTATE without a dimension, in chart "a.c" while parsing: "RDSTATE"');
  });
});

describe('RSSTATE', () => {
  it('hands over the last collected and last updated times, 0 when missing', () => {
    const h = link();
    h.feed(`RBEGIN "a.c"\nRSSTATE ${START_US + 500000} ${START_US}\nRSSTATE\n`);
    assert.deepEqual(h.replication.slice(1), [['chartState', 'a.c', START_US + 500000, START_US], ['chartState', 'a.c', 0, 0]]);
  });
});

describe('REND', () => {
  it('hands over its seven fields and leaves no current chart', () => {
    const h = link();
    h.feed(`RBEGIN "a.b"\nREND 1 ${START_S - 100} ${START_S} true ${START_S - 10} ${START_S} ${START_S + 2}\n`);
    assert.deepEqual(h.replication[1], ['end', 'a.b', {
      updateEverySecs: 1, firstS: START_S - 100, lastS: START_S, startStreaming: true,
      afterS: START_S - 10, beforeS: START_S, childNowS: START_S + 2,
    }]);
    assert.equal(problem(h, 'RSET x 1 ""\n'), 'RSET without a chart: RBEGIN must come first while parsing: "RSET x 1 \\"\\""');
  });

  it('starts streaming only on "true", and takes the wall clock without the child\'s', () => {
    const h = link();
    const before = Math.floor(Date.now() / 1000);
    h.feed('RBEGIN "a.b"\nREND 2 10 20 TRUE 11 19\nRBEGIN "a.b"\nREND 2 10 20 "true" 11 19 0\n');
    const after = Math.floor(Date.now() / 1000);
    const ends = h.replication.filter((call) => call[0] === 'end').map((call) => call[2] as { startStreaming: boolean; childNowS: number });
    assert.deepEqual(ends.map((end) => end.startStreaming), [false, true]);
    for (const end of ends) assert.ok(end.childNowS >= before && end.childNowS <= after);
  });

  it('stops with fewer than 6 fields, and without a chart', () => {
    assert.equal(problem(link(), 'RBEGIN "a.b"\nREND 1 10 20 true 11\n'),
      'REND needs at least 6 fields, got 5 while parsing: "REND 1 10 20 true 11"');
    assert.equal(problem(harness({ replication: true, source: '[receive from [127.0.0.1]:40312]' }), 'REND 1 10 20 true 11 19\n'),
      'REND without a chart: RBEGIN must come first while parsing: "REND 1 10 20 true 11 19"');
  });
});

describe('the replication commands on a source without replication', () => {
  it('stop the source, each naming itself', () => {
    for (const keyword of ['RBEGIN "a.b"', 'RSET x 1 ""', 'RDSTATE x 1 2 3 4', 'RSSTATE 1 2', 'REND 1 2 3 true 4 5 6']) {
      const h = harness();
      h.feed(DEFINITION);
      h.feed(`${keyword}\n`);
      assert.deepEqual(h.stops.map((stop) => [stop.kind, stop.lineNumber, stop.message]), [['error', 6,
        `plugin test: line 6: ${keyword.split(' ')[0]} is a replication command, and replication was not negotiated on this link while parsing: ${JSON.stringify(keyword)}`]]);
    }
  });
});

describe('CLAIMED_ID', () => {
  it('hands over the machine GUID and the claim id, NULL or empty as none', () => {
    const h = harness();
    h.feed('CLAIMED_ID 11111111-2222-3333-4444-555555555555 NULL\nCLAIMED_ID g "abc-def"\nCLAIMED_ID g ""\n');
    assert.deepEqual(h.claimedIds, [['11111111-2222-3333-4444-555555555555', null], ['g', 'abc-def'], ['g', null]]);
  });

  it('stops without a claim id', () => {
    const h = harness();
    h.feed('CLAIMED_ID g\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: CLAIMED_ID needs a machine GUID and a claim id while parsing: "CLAIMED_ID g"');
  });
});
