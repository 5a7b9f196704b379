import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SEC, testHost } from './database/test-fixture.js';
import { createLinkCharts, linkDimensionId, MAX_CHARTED_LINKS, type LinkFigures } from './link-charts.js';

function link(direction: 'in' | 'out', host: string, extra: Partial<LinkFigures> = {}): LinkFigures {
  return {
    direction, host, peer: '127.0.0.1:19999', valuesPerSecond: 2.5, bytesPerSecond: 2048, lagSeconds: 1,
    bufferFill: direction === 'out' ? 0.25 : null, reconnects: 3, replication: { chartsPending: 4 }, ...extra,
  };
}

describe('createLinkCharts', () => {
  it('defines nothing until a link shows', () => {
    const host = testHost();
    createLinkCharts(host, 1).collect([], 1000 * SEC);
    assert.equal([...host.charts.keys()].filter((id) => id.startsWith('netdata.streaming')).length, 0);
  });

  it('makes one dimension per link in each chart, with the link\'s figures in the chart\'s units', () => {
    const host = testHost();
    const charts = createLinkCharts(host, 1);
    const links = [link('in', 'c1'), link('out', 'p1')];
    for (let t = 1000; t <= 1003; t++) charts.collect(links, t * SEC);
    const last = (chart: string, dim: string): number => {
      const c = host.chart(`netdata.${chart}`)!;
      return c.valueAt(c.dimension(dim)!.index, c.lastEntryS());
    };
    assert.equal(linkDimensionId(links[0]!), 'in:c1');
    assert.equal(linkDimensionId(links[1]!), 'out:p1:127.0.0.1:19999');
    assert.equal(last('streaming_values', 'in:c1'), 2.5);
    assert.equal(last('streaming_bytes', 'out:p1:127.0.0.1:19999'), 2);
    assert.equal(last('streaming_lag', 'in:c1'), 1);
    assert.equal(last('streaming_reconnects', 'in:c1'), 3);
    assert.equal(last('streaming_replication', 'out:p1:127.0.0.1:19999'), 4);
    assert.equal(last('streaming_buffer', 'out:p1:127.0.0.1:19999'), 25);
    assert.equal(host.chart('netdata.streaming_buffer')!.dimension('in:c1'), undefined, 'inbound links have no send buffer');
  });

  it('retires the dimension of a link that went away (obsolete, hidden, no longer set) and brings it back', () => {
    const host = testHost();
    const charts = createLinkCharts(host, 1);
    charts.collect([link('in', 'c1'), link('in', 'c2')], 1000 * SEC);
    charts.collect([link('in', 'c1')], 1001 * SEC);
    const values = host.chart('netdata.streaming_values')!;
    const gone = values.dimension('in:c2')!;
    assert.deepEqual([gone.definition.options.obsolete, gone.definition.options.hidden], [true, true]);
    assert.ok(Number.isNaN(values.valueAt(gone.index, 1001)), 'not set once gone');
    charts.collect([link('in', 'c1'), link('in', 'c2', { valuesPerSecond: 7 })], 1002 * SEC);
    assert.equal(values.dimension('in:c2')!.definition.options.obsolete, false);
    assert.equal(values.valueAt(gone.index, 1002), 7);
  });

  it('charts at most MAX_CHARTED_LINKS links', () => {
    const host = testHost();
    const many = Array.from({ length: MAX_CHARTED_LINKS + 5 }, (_, i) => link('in', `c${i}`));
    createLinkCharts(host, 1).collect(many, 1000 * SEC);
    assert.equal(host.chart('netdata.streaming_values')!.dimensions.length, MAX_CHARTED_LINKS);
  });
});
