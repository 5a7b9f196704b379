import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHostRegistry } from './index.js';
import type { Chart, Dimension, HostObserver } from './types.js';
import { chartDefinition, collect, dimensionDefinition, stored, testChart, testHost } from './test-fixture.js';

const SETTINGS = { memoryMode: 'ram', historyEntries: 3600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 } as const;

describe('Host', () => {
  it('finds charts by id and by full name type.name', () => {
    const host = testHost();
    const chart = host.defineChart(chartDefinition('net.eth0', { name: 'lan' }));
    assert.equal(chart.fullName, 'net.lan');
    assert.equal(host.chart('net.eth0'), chart);
    assert.equal(host.chart('net.lan'), chart);
    const unnamed = host.defineChart(chartDefinition('net.eth1'));
    assert.equal(unnamed.fullName, 'net.eth1');
  });

  it('keeps the id as the name when another chart holds the name', () => {
    const host = testHost();
    host.defineChart(chartDefinition('net.eth0', { name: 'lan' }));
    const second = host.defineChart(chartDefinition('net.eth1', { name: 'lan' }));
    assert.equal(second.fullName, 'net.eth1');
  });

  it('updates a re-sent CHART and DIMENSION in place, keeping the data', () => {
    const host = testHost();
    const chart = testChart(host, ['a']);
    collect(chart, 1000_200_000, [10]);
    collect(chart, 1001_500_000, [20]);
    const again = host.defineChart(chartDefinition('test.chart', { title: 'new title', name: 'renamed' }));
    assert.equal(again, chart);
    assert.equal(chart.definition.title, 'new title');
    assert.equal(host.chart('test.renamed'), chart);
    assert.equal(host.chart('test.chart'), chart);
    const dim = chart.defineDimension(dimensionDefinition('a', 'absolute', 10, 1));
    assert.equal(dim, chart.dimensions[0]);
    assert.equal(chart.dimensions.length, 1);
    collect(chart, 1002_500_000, [30]); // 30 * 10 / 1 = 300
    assert.deepEqual(stored(chart, 0, 1001, 1002), [20, 300]);
    assert.equal(chart.dimensions[0].definition.multiplier, 10);
  });

  it('knows the newest second any of its charts stored, without reading the charts', () => {
    const host = testHost();
    assert.equal(host.newestStoredS, 0);
    const early = host.defineChart(chartDefinition('test.early'));
    early.defineDimension(dimensionDefinition('a', 'absolute', 1, 1));
    const late = host.defineChart(chartDefinition('test.late'));
    late.defineDimension(dimensionDefinition('a', 'absolute', 1, 1));
    for (let s = 1000; s <= 1003; s++) collect(late, s * 1_000_000, [s]);
    collect(early, 1000_000_000, [1]);
    collect(early, 1001_000_000, [1]);
    assert.equal(host.newestStoredS, late.lastUpdatedUs / 1_000_000);
    assert.equal(host.newestStoredS, 1003);
    collect(early, 1002_000_000, [1]); // an older chart catching up does not move it back
    assert.equal(host.newestStoredS, 1003);
  });

  it('tells observers about definitions, completed iterations and host variables', () => {
    const host = testHost();
    const seen: string[] = [];
    const observer: HostObserver = {
      chartDefined: (c: Chart) => seen.push(`chart ${c.id}`),
      dimensionDefined: (c: Chart, d: Dimension) => seen.push(`dim ${c.id} ${d.definition.id}`),
      chartDone: (c: Chart) => seen.push(`done ${c.id} ${c.dimensions[0].updated}`),
      hostVariableSet: (name, value) => seen.push(`var ${name}=${value}`),
    };
    host.addObserver(observer);
    const chart = testChart(host, ['a']);
    collect(chart, 1000_200_000, [1]);
    host.setVariable('answer', 42);
    host.removeObserver(observer);
    collect(chart, 1001_500_000, [1]);
    assert.deepEqual(seen, ['chart test.chart', 'dim test.chart a', 'done test.chart true', 'var answer=42']);
    assert.equal(host.variables.get('answer'), 42);
  });

  it('replaces labels and updates identity and stream state', () => {
    const host = testHost();
    host.replaceLabels(new Map([['k', { value: 'v', source: 2 }]]));
    assert.deepEqual([...host.labels], [['k', { value: 'v', source: 2 }]]);
    host.updateIdentity({ hostname: 'renamed', hops: 2 });
    assert.equal(host.hostname, 'renamed');
    assert.equal(host.identity.hops, 2);
    assert.equal(host.stream.connected, true);
    host.setStreamState({ connected: false, disconnectedAtS: 1234 });
    assert.deepEqual(host.stream, { connected: false, connectedSinceS: 1000, disconnectedAtS: 1234, clientAddress: '', lastDataS: 0 });
  });
});

describe('HostRegistry', () => {
  it('finds hosts by GUID then hostname, creates mirrored hosts with their own settings', () => {
    const registry = createHostRegistry({ hostname: 'parent', machineGuid: 'guid-parent' }, SETTINGS);
    assert.equal(registry.localhost.isLocal, true);
    const child = registry.findOrCreate(
      { hostname: 'child', machineGuid: 'guid-child' },
      { ...SETTINGS, memoryMode: 'none', historyEntries: 2 },
    );
    assert.equal(child.isLocal, false);
    assert.equal(child.settings.memoryMode, 'none');
    assert.equal(child.settings.historyEntries, 5, 'history is at least 5');
    assert.equal(child.stream.connected, false);
    assert.equal(registry.findOrCreate({ hostname: 'other', machineGuid: 'guid-child' }, SETTINGS), child);
    assert.equal(registry.find('guid-child'), child);
    assert.equal(registry.find('child'), child);
    assert.equal(registry.find('parent'), registry.localhost);
    assert.equal(registry.hosts().length, 2);
    assert.equal(registry.remove('guid-parent'), false);
    assert.equal(registry.remove('guid-child'), true);
    assert.equal(registry.find('child'), undefined);
  });

  it('counts the charts and dimensions of all its hosts against its totals, and frees a removed host\'s', () => {
    const registry = createHostRegistry({ hostname: 'parent', machineGuid: 'guid-parent' }, SETTINGS, { maxCharts: 3, maxDimensions: 4 });
    testChart(registry.localhost, ['a', 'b']);
    const child = registry.findOrCreate({ hostname: 'child', machineGuid: 'guid-child' }, SETTINGS);
    const chart = testChart(child, ['c', 'd']);
    chart.defineDimension(dimensionDefinition('c'));
    const capacity = registry.localhost.capacity;
    assert.equal(child.capacity, capacity, 'one capacity for the registry');
    assert.deepEqual([capacity.charts, capacity.dimensions, capacity.roomForChart, capacity.roomForDimension], [2, 4, true, false]);
    registry.remove('guid-child');
    assert.deepEqual([capacity.charts, capacity.dimensions, capacity.roomForDimension], [1, 2, true]);
  });
});

describe('Chart options', () => {
  it('clears the obsolete option of a chart and a dimension that are collected', () => {
    const host = testHost();
    const chart = host.defineChart(
      chartDefinition('test.old', { options: { obsolete: true, detail: false, hidden: false, storeFirst: false } }),
    );
    chart.defineDimension(dimensionDefinition('a', 'absolute', 1, 1, { obsolete: true }));
    chart.defineDimension(dimensionDefinition('b', 'absolute', 1, 1, { obsolete: true }));
    collect(chart, 1000_200_000, [1, undefined]);
    assert.equal(chart.definition.options.obsolete, false);
    assert.equal(chart.dimensions[0].definition.options.obsolete, false);
    assert.equal(chart.dimensions[1].definition.options.obsolete, true, 'b was not collected');
  });

  it('shares one frozen options object among definitions with the same flags, and keeps each its own flags', () => {
    const host = testHost();
    const chart = host.defineChart(chartDefinition('test.shared'));
    const a = chart.defineDimension(dimensionDefinition('a', 'absolute', 1, 1, { hidden: true }));
    const b = chart.defineDimension(dimensionDefinition('b', 'absolute', 1, 1, { hidden: true }));
    const c = chart.defineDimension(dimensionDefinition('c', 'absolute', 1, 1));
    assert.equal(a.definition.options, b.definition.options);
    assert.notEqual(a.definition.options, c.definition.options);
    assert.ok(Object.isFrozen(a.definition.options));
    assert.deepEqual(c.definition.options, { hidden: false, noReset: false, obsolete: false });
    chart.defineDimension(dimensionDefinition('b', 'absolute', 1, 1));
    assert.equal(a.definition.options.hidden, true, 'a redefined b does not change a');
    assert.equal(b.definition.options.hidden, false);
    assert.equal(host.defineChart(chartDefinition('test.other')).definition.options, chart.definition.options);
  });

  it('keeps hidden, detail and noreset options as defined', () => {
    const host = testHost();
    const chart = host.defineChart(
      chartDefinition('test.opts', { options: { obsolete: false, detail: true, hidden: true, storeFirst: false } }),
    );
    const dim = chart.defineDimension(dimensionDefinition('a', 'incremental', 1, 1, { hidden: true, noReset: true }));
    assert.deepEqual(chart.definition.options, { obsolete: false, detail: true, hidden: true, storeFirst: false });
    assert.deepEqual(dim.definition.options, { hidden: true, noReset: true, obsolete: false });
    chart.defineDimension(dimensionDefinition('a', 'incremental'));
    assert.equal(dim.definition.options.hidden, false, 'hidden is re-evaluated on each DIMENSION');
  });
});
