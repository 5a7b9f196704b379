import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from './parser.js';
import { setLogSink } from '../log.js';
import { refusalCounts } from '../limits.js';
import { harness, SEC_US, START_US } from './test-harness.js';

/** Runs `fn` with log lines captured. */
function captureLog(fn: () => void): string[] {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  try {
    fn();
  } finally {
    setLogSink(previous);
  }
  return lines;
}

const BASE_OPTIONS = { obsolete: false, detail: false, hidden: false, storeFirst: false };

describe('CHART', () => {
  it('applies netdata\'s defaults to a short line', () => {
    const h = harness();
    h.feed('CHART app.cpu\n');
    assert.deepEqual(h.host.charts.get('app.cpu')?.definition, {
      id: 'app.cpu', type: 'app', name: null, title: '', units: 'unknown', family: 'cpu',
      context: 'app.cpu', chartType: 'line', priority: 1000, updateEverySecs: 1,
      options: BASE_OPTIONS, plugin: 'test.plugin', module: '',
    });
  });

  it('takes every field of a full line, splitting type.id at the first dot', () => {
    const h = harness();
    h.feed('CHART "disk.sda.io" "sda_io" "Disk I/O" "KiB/s" "sda" "disk.io" "area" 2000 5 "detail" "my.plugin" "mod"\n');
    assert.deepEqual(h.host.charts.get('disk.sda.io')?.definition, {
      id: 'disk.sda.io', type: 'disk', name: 'sda_io', title: 'Disk I/O', units: 'KiB/s', family: 'sda',
      context: 'disk.io', chartType: 'area', priority: 2000, updateEverySecs: 5,
      options: { ...BASE_OPTIONS, detail: true }, plugin: 'my.plugin', module: 'mod',
    });
  });

  it('strips type. from the name and drops a name equal to the id, NULL or (NULL)', () => {
    const h = harness();
    h.feed('CHART a.b a.named\nCHART a.c c\nCHART a.d NULL\nCHART a.e (null)\nCHART a.f ""\nCHART a.g b.g\n');
    const names = ['a.b', 'a.c', 'a.d', 'a.e', 'a.f', 'a.g'].map((id) => h.host.charts.get(id)?.definition.name);
    assert.deepEqual(names, ['named', null, null, null, null, 'b.g']);
  });

  it('gives units "unknown" only when the word is missing, and empty family/context their defaults', () => {
    const h = harness();
    h.feed('CHART a.b n t "" "" ""\n');
    const d = h.host.charts.get('a.b')?.definition;
    assert.deepEqual([d?.units, d?.family, d?.context], ['', 'b', 'a.b']);
  });

  it('reads an unknown chart type as line, update every 0 as the plugin\'s, an empty plugin as the default', () => {
    const h = harness();
    h.feed('CHART a.b n t u f c pie 10 0 "" ""\n');
    const d = h.host.charts.get('a.b')?.definition;
    assert.deepEqual([d?.chartType, d?.updateEverySecs, d?.plugin, d?.priority], ['line', 1, 'test.plugin', 10]);
  });

  it('finds option flags as substrings; an empty options word keeps hidden as it was', () => {
    const h = harness();
    h.feed('CHART a.b n t u f c line 1 1 "xobsoletex store_first hidden detail"\n');
    assert.deepEqual(h.host.charts.get('a.b')?.definition.options, { obsolete: true, detail: true, hidden: true, storeFirst: true });
    h.feed('CHART a.b n t u f c line 1 1 ""\n');
    assert.deepEqual(h.host.charts.get('a.b')?.definition.options, { ...BASE_OPTIONS, hidden: true });
    h.feed('CHART a.b n t u f c line 1 1 "   "\n');
    assert.deepEqual(h.host.charts.get('a.b')?.definition.options, BASE_OPTIONS);
  });

  it('stops with an error when the first word has no type or no id', () => {
    for (const id of ['nodot', '.x', 'x.', '']) {
      const h = harness();
      h.feed(`CHART ${id}\n`);
      assert.deepEqual(h.stops, [{
        kind: 'error', lineNumber: 1,
        message: `plugin test: line 1: CHART needs a "type.id" as its first word, got ${JSON.stringify(id)} while parsing: ${JSON.stringify(`CHART ${id}`)}`,
      }]);
    }
  });

  it('refuses a chart past maxChartsPerHost alone: its lines are ignored, a re-sent chart is no new chart, the source goes on', () => {
    const h = harness({ limits: { maxChartsPerHost: 2 } });
    const before = refusalCounts().chartsPerHost;
    const log = captureLog(() => {
      h.feed('CHART a.one\nDIMENSION x\nCHART a.two\nDIMENSION y\nCHART a.one\n' +
        'CHART a.three\nDIMENSION z\nVARIABLE v = 1\nCLABEL k v 1\nCLABEL_COMMIT\nCHART a.four\nDIMENSION w\n');
      for (let i = 0; i < 3; i++) {
        h.clock.nowUs += SEC_US;
        h.feed(`BEGIN a.three ${i === 0 ? 0 : SEC_US}\nSET z = 5\nEND\nBEGIN a.one ${i === 0 ? 0 : SEC_US}\nSET x = ${10 + i}\nEND\n` +
          `BEGIN a.four\nSET w = 1\nEND\n`);
      }
    });
    assert.deepEqual(h.stops, []);
    assert.deepEqual([...h.host.charts.keys()], ['a.one', 'a.two']);
    assert.equal(h.host.variables.size, 0, 'the refused chart\'s VARIABLE is no host variable');
    const one = h.host.charts.get('a.one')!;
    assert.equal(one.valueAt(0, one.lastEntryS()), 12);
    assert.equal(refusalCounts().chartsPerHost - before, 2, 'one per refused CHART line');
    assert.deepEqual(log.filter((l) => l.includes('charts allowed')).length, 1, 'logged once');
    assert.match(log.join('\n'), /plugin test: host 'parser-test' has the most charts allowed \(2\); CHART "a\.three" and every further new chart/);
  });

  it('ignores the replication answer of a chart it refused', () => {
    const h = harness({ limits: { maxChartsPerHost: 1 }, replication: true });
    captureLog(() => h.feed('CHART a.one\nDIMENSION x\nCHART a.two\nDIMENSION y\nCHART_DEFINITION_END 1 2 3\n' +
      'RBEGIN "a.two"\nRBEGIN \'\' 10 11 12\nRSET "y" 6 ""\nRDSTATE "y" 0 0 0 0\nRSSTATE 1 2\nREND 1 1 2 0 10 11 12\n' +
      'RBEGIN "a.one"\nRBEGIN \'\' 10 11 12\nRSET "x" 5 ""\n'));
    assert.deepEqual(h.stops, []);
    assert.deepEqual(h.replication.map((c) => [c[0], c[1]]), [['begin', 'a.one'], ['begin', 'a.one'], ['set', 'a.one']]);
  });

  it('refuses charts and dimensions past the totals of all hosts alone, counted per limit', () => {
    const h = harness({ capacity: { maxCharts: 1, maxDimensions: 2 } });
    const before = { ...refusalCounts() };
    const log = captureLog(() => {
      h.feed('CHART a.x\nDIMENSION d1\nDIMENSION d2\nDIMENSION d3\nCHART a.y\nDIMENSION e\n');
      for (let i = 0; i < 2; i++) {
        h.clock.nowUs += SEC_US;
        h.feed(`BEGIN a.x ${i === 0 ? 0 : SEC_US}\nSET d1 = 1\nSET d2 = 2\nSET d3 = 3\nEND\nBEGIN a.y\nSET e = 1\nEND\n`);
      }
    });
    assert.deepEqual(h.stops, []);
    assert.deepEqual([...h.host.charts.keys()], ['a.x']);
    assert.deepEqual(h.host.charts.get('a.x')!.dimensions.map((d) => d.definition.id), ['d1', 'd2']);
    assert.deepEqual([h.host.capacity.charts, h.host.capacity.dimensions], [1, 2]);
    assert.equal(refusalCounts().charts - before.charts, 1);
    assert.equal(refusalCounts().dimensionsTotal - before.dimensionsTotal, 1);
    assert.match(log.join('\n'), /all hosts together have the most dimensions allowed \(2, \[db\] max dimensions\); DIMENSION "d3" of chart "a\.x"/);
    assert.match(log.join('\n'), /all hosts together have the most charts allowed \(1, \[db\] max charts\); CHART "a\.y"/);
  });
});

describe('DIMENSION', () => {
  it('defaults name to the id, algorithm to absolute, multiplier and divisor to 1', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION d\n');
    const dimension = h.host.charts.get('a.b')?.dimension('d');
    assert.deepEqual(dimension?.definition, {
      id: 'd', name: 'd', algorithm: 'absolute', multiplier: 1, divisor: 1,
      options: { hidden: false, noReset: false, obsolete: false },
    });
  });

  it('reads multiplier and divisor with strtol base 0, 0 as 1, negatives kept', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION h h absolute 0x10 010\nDIMENSION z z absolute 0 0\nDIMENSION n n absolute -1 1000\n');
    const chart = h.host.charts.get('a.b');
    const factors = ['h', 'z', 'n'].map((id) => [chart?.dimension(id)?.definition.multiplier, chart?.dimension(id)?.definition.divisor]);
    assert.deepEqual(factors, [[16, 8], [1, 1], [-1, 1000]]);
  });

  it('reads every algorithm and turns an unknown one into absolute', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION a a incremental\nDIMENSION b b percentage-of-absolute-row\n' +
      'DIMENSION c c percentage-of-incremental-row\nDIMENSION d d Incremental\n');
    const chart = h.host.charts.get('a.b');
    assert.deepEqual(chart?.dimensions.map((d) => d.definition.algorithm),
      ['incremental', 'percentage-of-absolute-row', 'percentage-of-incremental-row', 'absolute']);
  });

  it('finds option flags as substrings, nooverflow meaning noreset', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION a a absolute 1 1 "hidden noreset"\nDIMENSION b b absolute 1 1 "nooverflow obsolete"\n');
    const chart = h.host.charts.get('a.b');
    assert.deepEqual(chart?.dimensions.map((d) => d.definition.options), [
      { hidden: true, noReset: true, obsolete: false },
      { hidden: false, noReset: true, obsolete: true },
    ]);
  });

  it('updates a re-sent dimension in place, keeping its name when the new one is empty', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION d named absolute 1 1 hidden\nDIMENSION d "" incremental 2 1\n');
    const chart = h.host.charts.get('a.b');
    assert.equal(chart?.dimensions.length, 1);
    assert.deepEqual(chart?.dimension('d')?.definition, {
      id: 'd', name: 'named', algorithm: 'incremental', multiplier: 2, divisor: 1,
      options: { hidden: false, noReset: false, obsolete: false },
    });
  });

  it('stops without a chart or without an id', () => {
    const h = harness();
    h.feed('DIMENSION d\n');
    assert.equal(h.stops[0].message,
      'plugin test: line 1: DIMENSION without a chart: a CHART line must come first while parsing: "DIMENSION d"');
    const h2 = harness();
    h2.feed('CHART a.b\nDIMENSION ""\n');
    assert.equal(h2.stops[0].message, 'plugin test: line 2: DIMENSION needs an id, in chart "a.b" while parsing: "DIMENSION \\"\\""');
  });

  it('refuses a dimension past maxDimensionsPerChart alone: its chart keeps the first, the source goes on', () => {
    const h = harness({ limits: { maxDimensionsPerChart: 1 } });
    h.feed('CHART a.b\nDIMENSION x\nDIMENSION x\nDIMENSION y\nCHART a.c\nDIMENSION z\n');
    for (let i = 0; i < 3; i++) {
      h.clock.nowUs += SEC_US;
      h.feed(`BEGIN a.b ${i === 0 ? 0 : SEC_US}\nSET x = ${10 + i}\nSET y = 99\nEND\nBEGIN a.c ${i === 0 ? 0 : SEC_US}\nSET z = ${20 + i}\nEND\n`);
    }
    assert.deepEqual(h.stops, []);
    const wide = h.host.charts.get('a.b')!;
    assert.deepEqual(wide.dimensions.map((d) => d.definition.id), ['x']);
    const last = wide.lastEntryS();
    assert.equal(wide.valueAt(0, last), 12);
    const other = h.host.charts.get('a.c')!;
    assert.equal(other.valueAt(0, other.lastEntryS()), 22);
  });

  it('ignores replication lines of a dimension refused past maxDimensionsPerChart', () => {
    const h = harness({ limits: { maxDimensionsPerChart: 1 }, replication: true });
    h.feed('CHART a.b\nDIMENSION x\nDIMENSION y\nRBEGIN "a.b" 10 11 12\nRSET "x" 5 ""\nRSET "y" 6 ""\n' +
      'RDSTATE "y" 0 0 0 0\nRDSTATE "x" 0 0 0 0\n');
    assert.deepEqual(h.stops, []);
    assert.deepEqual(h.replication.filter((c) => c[0] === 'set' || c[0] === 'dimensionState').map((c) => [c[0], c[2]]),
      [['set', 'x'], ['dimensionState', 'x']]);
  });
});

describe('BEGIN, SET, END', () => {
  function collect(h: ReturnType<typeof harness>, block: string): void {
    h.clock.nowUs += SEC_US;
    h.feed(block);
  }

  it('stores absolute values scaled by multiplier and divisor, one per second', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION x x absolute 1 1\nDIMENSION y y absolute -1 10\n');
    for (let i = 0; i < 5; i++) collect(h, `BEGIN a.b ${i === 0 ? 0 : SEC_US}\nSET x = ${100 + i}\nSET y = ${10 * i}\nEND\n`);
    const chart = h.host.charts.get('a.b')!;
    const last = chart.lastEntryS();
    assert.equal(last, START_US / SEC_US + 5);
    assert.deepEqual([1, 2, 3].map((back) => chart.valueAt(0, last - back + 1)), [104, 103, 102]);
    assert.deepEqual([1, 2, 3].map((back) => chart.valueAt(1, last - back + 1)), [-4, -3, -2]);
    assert.deepEqual(h.parser.stats, { bytes: h.parser.stats.bytes, lines: 23, values: 10, iterations: 5 });
  });

  it('gives an incremental dimension its rate per second', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION c c incremental 1 1\n');
    for (let i = 0; i < 6; i++) collect(h, `BEGIN a.b ${i === 0 ? 0 : SEC_US}\nSET c = ${5000 + 250 * i}\nEND\n`);
    const chart = h.host.charts.get('a.b')!;
    assert.equal(chart.valueAt(0, chart.lastEntryS()), 250);
    assert.equal(chart.valueAt(0, chart.lastEntryS() - 1), 250);
  });

  it('reads values like strtoll: 1.5 is 1, hex, octal, sign; an empty value sets nothing', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION a\nDIMENSION b\nDIMENSION c\nDIMENSION d\nDIMENSION e\n');
    collect(h, 'BEGIN a.b\nSET a = 1.5\nSET b = 0x1f\nSET c = 010\nSET d = -7\nSET e = ""\nEND\n');
    const chart = h.host.charts.get('a.b')!;
    assert.deepEqual(chart.dimensions.map((d) => d.lastCollectedValue).slice(0, 4), [1, 31, 8, -7]);
    assert.deepEqual(chart.dimensions.map((d) => d.updated), [true, true, true, true, false]);
    assert.equal(h.parser.stats.values, 4);
  });

  it('takes SETs in any order, and quoted ids with spaces', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION "some 10"\nDIMENSION y\nDIMENSION z\n');
    collect(h, 'BEGIN "a.b" 0\nSET z = 3\nSET "some 10" = 1\nSET y = 2\nEND\n');
    collect(h, 'BEGIN "a.b" 1000000\nSET y = 5\nSET z = 6\nEND\n');
    const chart = h.host.charts.get('a.b')!;
    assert.deepEqual(chart.dimensions.map((d) => [d.lastCollectedValue, d.updated]), [[1, false], [5, true], [6, true]]);
  });

  it('reads the expected dimension\'s SET the same whatever its quoting, escapes or spacing', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION x\nDIMENSION "a\\"b"\nDIMENSION \'q\'\nDIMENSION w\n');
    collect(h, 'BEGIN a.b\nSET "x"=0x10\nSET "a\\"b" = 2\nSET \'q\' = "7"\nSET\tw\t=\t-3junk\nEND\n');
    const chart = h.host.charts.get('a.b')!;
    assert.deepEqual(chart.dimensions.map((d) => [d.definition.id, d.lastCollectedValue]),
      [['x', 16], ['a\\"b', 2], ['q', 7], ['w', -3]]);
    assert.equal(h.stops.length, 0);
  });

  it('passes values past 2^53 exactly, through the bigint path', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION c c incremental\n');
    const base = 2n ** 62n;
    for (let i = 0; i < 5; i++) collect(h, `BEGIN a.b ${i === 0 ? 0 : SEC_US}\nSET c = ${base + BigInt(7 * i)}\nEND\n`);
    const chart = h.host.charts.get('a.b')!;
    assert.equal(chart.valueAt(0, chart.lastEntryS()), 7);
  });

  it('switches charts through BEGIN, each chart keeping its own cursor', () => {
    const h = harness();
    h.feed('CHART a.one\nDIMENSION x\nDIMENSION y\nCHART a.two\nDIMENSION x\nDIMENSION y\n');
    for (let i = 0; i < 3; i++) {
      collect(h, `BEGIN a.one\nSET x = ${i}\nSET y = ${i + 1}\nEND\nBEGIN a.two\nSET x = ${i + 10}\nSET y = ${i + 11}\nEND\n`);
    }
    const values = ['a.one', 'a.two'].map((id) => h.host.charts.get(id)!.dimensions.map((d) => d.lastCollectedValue));
    assert.deepEqual(values, [[2, 3], [12, 13]]);
    assert.equal(h.stops.length, 0);
  });

  it('stops on BEGIN of an unknown chart, SET of an unknown dimension, SET or END without BEGIN', () => {
    const cases: [string, string][] = [
      ['BEGIN a.none\n', 'plugin test: line 1: BEGIN of chart "a.none", which does not exist (CHART must define it first) while parsing: "BEGIN a.none"'],
      ['BEGIN\n', 'plugin test: line 1: BEGIN without a chart id while parsing: "BEGIN"'],
      ['CHART a.b\nDIMENSION x\nBEGIN a.b\nSET q = 1\n', 'plugin test: line 4: SET of dimension "q", which does not exist in chart "a.b" while parsing: "SET q = 1"'],
      ['CHART a.b\nBEGIN a.b\nSET\n', 'plugin test: line 3: SET without a dimension, in chart "a.b" while parsing: "SET"'],
      ['SET x = 1\n', 'plugin test: line 1: SET without a chart: BEGIN must come first while parsing: "SET x = 1"'],
      ['END\n', 'plugin test: line 1: END without a chart: BEGIN must come first while parsing: "END"'],
      ['CHART a.b\nBEGIN a.b\nEND\nEND\n', 'plugin test: line 4: END without a chart: BEGIN must come first while parsing: "END"'],
    ];
    for (const [text, message] of cases) {
      const h = harness();
      h.feed(text);
      assert.deepEqual(h.stops.map((s) => [s.kind, s.message]), [['error', message]]);
    }
  });

  it('accepts SET and END right after CHART, as netdata does (the current chart)', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION x\nSET x = 9\nEND\n');
    assert.equal(h.host.charts.get('a.b')?.dimensions[0].lastCollectedValue, 9);
    assert.equal(h.stops.length, 0);
  });
});

describe('FLUSH, DISABLE and the streaming-only keywords', () => {
  it('FLUSH forgets the current chart', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION x\nBEGIN a.b\nFLUSH\nSET x = 1\n');
    assert.equal(h.stops[0].message, 'plugin test: line 5: SET without a chart: BEGIN must come first while parsing: "SET x = 1"');
  });

  it('DISABLE stops the parser with kind disabled and ignores later input', () => {
    const h = harness();
    h.feed('DISABLE\nCHART a.b\n');
    assert.deepEqual(h.stops, [{ kind: 'disabled', lineNumber: 1, message: 'plugin test: line 1: the plugin sent DISABLE while parsing: "DISABLE"' }]);
    h.feed('CHART a.c\n');
    assert.equal(h.host.charts.size, 0);
    assert.equal(h.parser.stopped, h.stops[0]);
  });

  it('ignores CLAIMED_ID and CHART_DEFINITION_END', () => {
    const h = harness();
    h.feed('CLAIMED_ID 11111111-2222-3333-4444-555555555555 NULL\nCHART a.b\nCHART_DEFINITION_END 0 0 0\n');
    assert.equal(h.stops.length, 0);
    assert.equal(h.host.charts.size, 1);
  });
});

describe('VARIABLE', () => {
  it('sets host variables with GLOBAL/HOST, chart ones with LOCAL/CHART, and picks by context without a scope', () => {
    const h = harness();
    h.feed('VARIABLE HOST a = 1.5\nVARIABLE GLOBAL b = 2\nVARIABLE c = 3\nCHART x.y\nVARIABLE CHART d = 4\n' +
      'VARIABLE LOCAL e = 5\nVARIABLE f = 6\nVARIABLE HOST g = 7\n');
    assert.deepEqual([...h.host.variables], [['a', 1.5], ['b', 2], ['c', 3], ['g', 7]]);
    assert.deepEqual([...h.host.charts.get('x.y')!.variables], [['d', 4], ['e', 5], ['f', 6]]);
  });

  it('logs and ignores an empty value; uses the leading number of a value with leftovers', () => {
    const h = harness();
    const lines = captureLog(() => h.feed('VARIABLE HOST a = ""\nVARIABLE HOST b = 12abc\n'));
    assert.deepEqual([...h.host.variables], [['b', 12]]);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /WARN : plugin test: line 1: HOST VARIABLE "a" has an empty value; ignored while parsing: "VARIABLE HOST a = \\"\\""\n$/);
    assert.match(lines[1], /plugin test: line 2: the value "12abc" of VARIABLE "b" has leftovers "abc"/);
    assert.equal(h.stops.length, 0);
  });

  it('stops on a chart variable without a chart and on a missing name', () => {
    const h = harness();
    h.feed('VARIABLE CHART a = 1\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: CHART VARIABLE "a" without a chart while parsing: "VARIABLE CHART a = 1"');
    const h2 = harness();
    h2.feed('VARIABLE HOST\n');
    assert.equal(h2.stops[0].message, 'plugin test: line 1: VARIABLE without a variable name while parsing: "VARIABLE HOST"');
  });
});

describe('LABEL, OVERWRITE, CLABEL, CLABEL_COMMIT', () => {
  it('collects LABELs (value words joined) and replaces the host labels on OVERWRITE', () => {
    const h = harness();
    h.feed('LABEL "_os" = 1 "Debian GNU/Linux"\nLABEL k 2 several words here\n');
    assert.equal(h.host.labels.size, 0);
    h.feed('OVERWRITE labels\n');
    assert.deepEqual([...h.host.labels], [['_os', { value: 'Debian GNU/Linux', source: 1 }], ['k', { value: 'several words here', source: 2 }]]);
    h.feed('OVERWRITE labels\n');
    assert.equal(h.host.labels.size, 0);
  });

  it('stops on a LABEL without a value', () => {
    const h = harness();
    h.feed('LABEL k 1\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: LABEL needs a name, a source and a value while parsing: "LABEL k 1"');
  });

  it('sets chart labels and removes, on commit, those not re-sent', () => {
    const h = harness();
    h.feed('CHART a.b\nCLABEL one 1 1\nCLABEL two 2 2\nCLABEL_COMMIT\n');
    const chart = h.host.charts.get('a.b')!;
    assert.deepEqual([...chart.labels], [['one', { value: '1', source: 1 }], ['two', { value: '2', source: 2 }]]);
    h.feed('CHART a.b\nCLABEL two x 4\nCLABEL_COMMIT\n');
    assert.deepEqual([...chart.labels], [['two', { value: 'x', source: 4 }]]);
  });

  it('stops on CLABEL without a chart and CLABEL_COMMIT without CLABEL', () => {
    const h = harness();
    h.feed('CLABEL a b 1\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: CLABEL without a chart: a CHART or BEGIN line must come first while parsing: "CLABEL a b 1"');
    const h2 = harness();
    h2.feed('CHART a.b\nCLABEL_COMMIT\n');
    assert.equal(h2.stops[0].message, 'plugin test: line 2: CLABEL_COMMIT without a CLABEL before it while parsing: "CLABEL_COMMIT"');
  });
});

describe('FUNCTION', () => {
  it('reports registrations, GLOBAL or not, with timeout ≤ 0 as 10 s', () => {
    const h = harness();
    h.feed('FUNCTION GLOBAL "processes" 30 "Detailed information"\nCHART a.b\nFUNCTION "f" 0 "help"\n');
    assert.deepEqual(h.functions, [
      { name: 'processes', timeoutSecs: 30, help: 'Detailed information', global: true, chartId: null },
      { name: 'f', timeoutSecs: 10, help: 'help', global: false, chartId: 'a.b' },
    ]);
  });

  it('hands FUNCTION_RESULT_BEGIN..END to the sink, body lines raw (never commands), then parses on', () => {
    const host = harness().host;
    const got: string[] = [];
    const stops: string[] = [];
    const parser = createParser({
      source: 'plugin test', host, trustedDurations: false, defaultUpdateEverySecs: 1, defaultPluginName: 'test.plugin',
      onStop: (stop) => stops.push(stop.message),
      functionResults: {
        begin: (words) => got.push(`begin ${words.join('|')}`),
        line: (bytes) => got.push(`line ${bytes.toString('utf8')}`),
        end: () => got.push('end'),
      },
    });
    const text = 'FUNCTION_RESULT_BEGIN "t1" 200 "application/json" 0\nCHART not.a.chart\n  BOGUS\n\nFUNCTION_RESULT_END\nCHART a.b\n';
    for (const byte of Buffer.from(text)) parser.feed(Buffer.from([byte]));
    assert.deepEqual(got, [
      'begin FUNCTION_RESULT_BEGIN|t1|200|application/json|0', 'line CHART not.a.chart', 'line   BOGUS', 'line ', 'end',
    ]);
    assert.deepEqual(stops, []);
    assert.deepEqual([...host.charts.keys()], ['a.b']);
  });

  it('stops at FUNCTION_RESULT_BEGIN from a source nobody calls (no sink), as at any unknown keyword', () => {
    const h = harness();
    h.feed('FUNCTION_RESULT_BEGIN t1 200 text/plain 0\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: unknown keyword "FUNCTION_RESULT_BEGIN" while parsing: "FUNCTION_RESULT_BEGIN t1 200 text/plain 0"');
  });

  it('stops when the help is missing', () => {
    const h = harness();
    h.feed('FUNCTION name 10\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: FUNCTION needs a name, a timeout and a help text while parsing: "FUNCTION name 10"');
  });
});

describe('lines', () => {
  it('ignores empty and blank lines but counts them in line numbers', () => {
    const h = harness();
    h.feed('\n  \n\r\nBOGUS x\n');
    assert.equal(h.stops[0].lineNumber, 4);
  });

  it('stops on an unknown keyword, naming source, line number, the line and the keyword', () => {
    const h = harness();
    h.feed('CHART a.b\nset x = 1\n');
    assert.deepEqual(h.stops, [{
      kind: 'error', lineNumber: 2,
      message: 'plugin test: line 2: unknown keyword "set" while parsing: "set x = 1"',
    }]);
  });

  it('cuts a long line to 200 characters in the message', () => {
    const h = harness();
    const line = `NOPE ${'x'.repeat(500)}`;
    h.feed(`${line}\n`);
    assert.equal(h.stops[0].message, `plugin test: line 1: unknown keyword "NOPE" while parsing: ${JSON.stringify(line.slice(0, 200))}...`);
  });

  it('treats a quoted keyword as unknown, like netdata', () => {
    const h = harness();
    h.feed('"CHART" a.b\n');
    assert.equal(h.stops[0].message, 'plugin test: line 1: unknown keyword "\\"CHART\\"" while parsing: "\\"CHART\\" a.b"');
  });

  it('stops with a limit on a line longer than maxLineBytes, within a chunk or across chunks', () => {
    const h = harness({ limits: { maxLineBytes: 16 } });
    h.feed('CHART a.b\nCHART a.0123456789\n');
    assert.deepEqual(h.stops.map((s) => [s.kind, s.lineNumber]), [['limit', 2]]);
    // the first maxLineBytes + 1 bytes are quoted, wherever the chunks were cut
    const message = 'plugin test: line 2: line longer than the limit of 16 bytes while parsing: "CHART a.012345678"';
    assert.equal(h.stops[0].message, message);
    const h2 = harness({ limits: { maxLineBytes: 16 } });
    h2.feed('CHART a.b\nCHART a.0123');
    h2.feed('456789');
    assert.deepEqual(h2.stops.map((s) => [s.kind, s.lineNumber, s.message]), [['limit', 2, message]]);
    assert.equal(h2.host.charts.size, 1);
  });

  it('takes a line of exactly maxLineBytes', () => {
    const h = harness({ limits: { maxLineBytes: 10 } });
    h.feed('CHART a.');
    h.feed('bc\n');
    assert.equal(h.stops.length, 0);
    assert.ok(h.host.charts.has('a.bc'));
  });

  it('drops a partial last line at end() with a warning', () => {
    const h = harness();
    h.feed('CHART a.b\nCHART a.c');
    const lines = captureLog(() => h.parser.end());
    assert.equal(h.host.charts.size, 1);
    assert.match(lines[0], /plugin test: line 2: the source closed in the middle of a line \(9 bytes\); the partial line is dropped while parsing: "CHART a.c"/);
  });
});

describe('onDataBlock', () => {
  it('hands over each BEGIN..END block as received, other lines excluded', () => {
    const h = harness({ dataBlocks: true });
    const block1 = 'BEGIN "a.b" 0\nSET "x" = 1\nVARIABLE CHART v = 1\nEND\n';
    const block2 = 'BEGIN a.b 1000000\n\nSET x = 2\nEND\n';
    h.feed(`CHART a.b\nDIMENSION x\n${block1}VARIABLE HOST h = 1\n${block2}BEGIN a.b 5\nSET x = 3\n`);
    assert.deepEqual(h.blocks, [block1, block2]);
  });

  it('drops a block cut by FLUSH', () => {
    const h = harness({ dataBlocks: true });
    h.feed('CHART a.b\nDIMENSION x\nBEGIN a.b\nSET x = 1\nFLUSH\nBEGIN a.b\nEND\n');
    assert.deepEqual(h.blocks, ['BEGIN a.b\nEND\n']);
  });
});
