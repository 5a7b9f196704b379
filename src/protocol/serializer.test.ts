import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  chartDefinitionLines,
  DataBlockWriter,
  formatVariableValue,
  hostVariableLines,
} from './serializer.js';
import { harness, SEC_US } from './test-harness.js';

const CAPTURE_LINES = readFileSync(
  new URL('../../../test/fixtures/captures/netdata-1.37-child-v1-first200.txt', import.meta.url),
  'utf8',
).split('\n');

/** The captured definition block of one chart: its CHART line and the DIMENSION lines after it. */
function capturedDefinition(id: string): string {
  const start = CAPTURE_LINES.findIndex((line) => line.startsWith(`CHART "${id}"`));
  let end = start + 1;
  while (CAPTURE_LINES[end].startsWith('DIMENSION')) end++;
  return CAPTURE_LINES.slice(start, end).join('\n') + '\n';
}

describe('chartDefinitionLines', () => {
  it('writes CHART and DIMENSION lines exactly as a netdata 1.37 child does', () => {
    for (const id of ['system.cpu', 'system.intr', 'system.processes', 'system.cpu_some_pressure', 'system.load']) {
      const h = harness();
      h.feed(capturedDefinition(id));
      assert.equal(chartDefinitionLines(h.host.charts.get(id)!), capturedDefinition(id));
    }
  });

  it('adds the chart variables and writes every option slot', () => {
    const h = harness();
    h.feed('CHART a.b n "t" u f c area 5 2 "obsolete detail store_first hidden" p m\n' +
      'DIMENSION d dn incremental -1 0x10 "obsolete hidden noreset"\nVARIABLE CHART v = 0.5\n');
    assert.equal(chartDefinitionLines(h.host.charts.get('a.b')!),
      'CHART "a.b" "n" "t" "u" "f" "c" "area" 5 2 "obsolete detail store_first hidden" "p" "m"\n' +
      'DIMENSION "d" "dn" "incremental" -1 16 "obsolete hidden noreset"\n' +
      'VARIABLE CHART v = 0.5000000\n');
  });

  it('writes the functions registered with the chart after its dimensions, as 1.37 announces them upstream', () => {
    const h = harness();
    h.feed('CHART a.b "" t u\nDIMENSION d\nVARIABLE CHART v = 1\n');
    const text = chartDefinitionLines(h.host.charts.get('a.b')!, false,
      [{ name: 'processes', timeoutSecs: 10, help: 'Detailed "information"' }, { name: 'other', timeoutSecs: 3, help: '' }]);
    assert.equal(text, 'CHART "a.b" "" "t" "u" "b" "a.b" "line" 1000 1 "   " "test.plugin" ""\n' +
      'DIMENSION "d" "d" "absolute" 1 1 "  "\nFUNCTION "processes" 10 "Detailed \'information\'"\nFUNCTION "other" 3 ""\n' +
      'VARIABLE CHART v = 1.0000000\n');
    // and a parent's parser reads them back as the chart's functions
    const target = harness();
    target.feed(text);
    assert.deepEqual(target.functions.map((f) => [f.name, f.timeoutSecs, f.help, f.global]),
      [['processes', 10, "Detailed 'information'", false], ['other', 3, '', false]]);
  });

  it('round-trips: a chart serialized and parsed into another host has the same definition', () => {
    const source = harness();
    source.feed('CHART "web.requests" "reqs" "Requests" "requests/s" "web" "web.req" "stacked" 42 3 "detail" "go.d.plugin" "web_log"\n' +
      'DIMENSION ok "2xx" incremental 1 1 ""\nDIMENSION bad "5xx" incremental -1 1 "hidden noreset"\n' +
      'DIMENSION "with space" "" percentage-of-absolute-row 1 100\nVARIABLE CHART limit = 123.25\n');
    const chart = source.host.charts.get('web.requests')!;
    const target = harness();
    target.feed(chartDefinitionLines(chart));
    const copy = target.host.charts.get('web.requests')!;
    assert.deepEqual(target.stops, []);
    assert.deepEqual(copy.definition, chart.definition);
    assert.deepEqual(copy.dimensions.map((d) => d.definition), chart.dimensions.map((d) => d.definition));
    assert.deepEqual([...copy.variables], [['limit', 123.25]]);
  });
});

describe('hostVariableLines and formatVariableValue', () => {
  it('writes VARIABLE HOST lines with seven decimals, as the capture shows', () => {
    const h = harness();
    h.feed('VARIABLE HOST active_processors = 2\nVARIABLE HOST neg = -1.25\n');
    assert.equal(hostVariableLines(h.host), 'VARIABLE HOST active_processors = 2.0000000\nVARIABLE HOST neg = -1.2500000\n');
    assert.deepEqual([NaN, Infinity, -Infinity, 32768, 1e21].map(formatVariableValue),
      ['nan', 'inf', '-inf', '32768.0000000', '1000000000000000000000.0000000']);
  });
});

describe('DataBlockWriter', () => {
  it('writes BEGIN, a SET per updated dimension with its collected value, and END', () => {
    const h = harness();
    h.feed('CHART a.b\nDIMENSION x\nDIMENSION "y z"\nDIMENSION w\n');
    const chart = h.host.charts.get('a.b')!;
    const writer = new DataBlockWriter(chart);
    h.clock.nowUs += SEC_US;
    h.feed('BEGIN a.b\nSET x = -12345\nSET "y z" = 9007199254740991\nEND\n');
    assert.equal(writer.format(0).toString(), 'BEGIN "a.b" 0\nSET "x" = -12345\nSET "y z" = 9007199254740991\nEND\n');
    h.clock.nowUs += SEC_US;
    h.feed('CHART a.b\nDIMENSION late\nBEGIN a.b 1000000\nSET w = 0\nSET late = 7\nEND\n');
    assert.equal(writer.format(1000000).toString(), 'BEGIN "a.b" 1000000\nSET "w" = 0\nSET "late" = 7\nEND\n');
  });

  it('round-trips: a parser fed the blocks collects the same values', () => {
    const source = harness();
    source.feed('CHART a.b\nDIMENSION x x incremental\nDIMENSION y\n');
    const target = harness();
    target.feed(chartDefinitionLines(source.host.charts.get('a.b')!));
    const writer = new DataBlockWriter(source.host.charts.get('a.b')!);
    for (let i = 0; i < 4; i++) {
      source.clock.nowUs += SEC_US;
      target.clock.nowUs += SEC_US;
      source.feed(`BEGIN a.b ${i ? SEC_US : 0}\nSET x = ${1000 * i}\nSET y = ${i}\nEND\n`);
      target.parser.feed(Buffer.from(writer.format(i ? SEC_US : 0)));
    }
    const values = (h: typeof source): number[] => {
      const chart = h.host.charts.get('a.b')!;
      return [0, 1].map((d) => chart.valueAt(d, chart.lastEntryS()));
    };
    assert.deepEqual(values(target), values(source));
    assert.deepEqual(values(target), [1000, 3]);
  });
});
