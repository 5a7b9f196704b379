/**
 * The coverage report over a real database host: held ranges walked from the stored slots, and
 * each gap's reason from the host's link periods and the chart's replication ledger.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHost, type Chart, type Host } from '../database/index.js';
import { chartLedger, linkEnded, linkStarted } from './coverage-ledger.js';
import { hostCoverage } from './coverage-report.js';
import type { SpoolClaim } from './spool-claim.js';

const DEFINITION = {
  id: 'test.values', type: 'test', name: null, title: '', units: 'n', family: 'values', context: 'test.values',
  chartType: 'line' as const, priority: 1000, updateEverySecs: 1, plugin: 'test.plugin', module: '',
  options: { obsolete: false, detail: false, hidden: false, storeFirst: false },
};

/** A mirrored host whose chart holds the seconds of `held` (inclusive ranges), one value each. */
function hostHolding(held: Array<[number, number]>, local = false): { host: Host; chart: Chart } {
  const host = createHost({ hostname: 'child', machineGuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
    { memoryMode: 'ram', historyEntries: 600, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 }, local);
  const chart = host.defineChart(DEFINITION);
  chart.defineDimension({ id: 'a', name: 'a', algorithm: 'absolute', multiplier: 1, divisor: 1,
    options: { hidden: false, noReset: false, obsolete: false } });
  chart.defineDimension({ id: 'b', name: 'b', algorithm: 'absolute', multiplier: 1, divisor: 1,
    options: { hidden: false, noReset: false, obsolete: false } });
  for (const [from, to] of held) {
    // dimension b empty: a slot is held while any dimension has a value
    for (let t = from; t <= to; t++) assert.equal(chart.storeReplayed(t, [t, NaN]), 'appended');
  }
  return { host, chart };
}

const reasons = (host: Host, nowS: number) =>
  hostCoverage(host, nowS).charts[0]!.gaps.map((g) => [g.from, g.to, g.seconds, g.reason, g.lost]);

describe('coverage report', () => {
  it('walks the held ranges and totals from the stored slots', () => {
    const { host } = hostHolding([[1000, 1009], [1015, 1019]], true);
    const report = hostCoverage(host, 1020);
    assert.equal(report.hostname, 'child');
    assert.equal(report.local, true);
    assert.deepEqual([report.first_entry, report.last_entry], [1000, 1019]);
    const chart = report.charts[0]!;
    assert.deepEqual(chart.held, [[1000, 1009], [1015, 1019]]);
    assert.equal(chart.held_seconds, 15);
    assert.deepEqual(chart.gaps, [{ from: 1010, to: 1014, seconds: 5, reason: 'not collected', lost: true }]);
    assert.deepEqual(report.totals, { held_seconds: 15, missing_seconds: 5, replicated_seconds: 0, lost_seconds: 5 });
  });

  it('names each gap of a mirrored host after the link that followed it', () => {
    const { host, chart } = hostHolding([[1000, 1009], [1015, 1019], [1025, 1029], [1033, 1034], [1040, 1049]]);
    linkStarted(host, 990, true);
    linkEnded(host, 1010);
    linkStarted(host, 1015, false); // 1010..1014: the link after did not replicate
    // 1020..1024: a gap while connected, the child sent none
    linkEnded(host, 1030);
    linkStarted(host, 1040, true); // 1030..1032 before the child's first entry, 1035..1039 after it
    host.setStreamState({ connected: true });
    const ledger = chartLedger(chart);
    ledger.childFirstS = 1033;
    ledger.replayedSlots = 12;
    assert.deepEqual(reasons(host, 1050), [
      [1010, 1014, 5, 'not connected and no replication', true],
      [1020, 1024, 5, 'not collected', true],
      [1030, 1032, 3, 'retention passed', true],
      [1035, 1039, 5, 'not collected', true],
    ]);
    const report = hostCoverage(host, 1050);
    assert.equal(report.totals.replicated_seconds, 12);
    assert.equal(report.totals.lost_seconds, 18);

    // while its replication runs, what it may still bring is pending, not lost
    ledger.replicationPending = true;
    ledger.replicationFromS = 1030;
    assert.deepEqual(reasons(host, 1050).map((g) => g[3]),
      ['not connected and no replication', 'not collected', 'replication pending', 'replication pending']);
    assert.equal(hostCoverage(host, 1050).totals.lost_seconds, 10);

    // the link ends: nothing pending any more, and the seconds since its last entry are missing
    linkEnded(host, 1050);
    host.setStreamState({ connected: false });
    assert.equal(ledger.replicationPending, false);
    const away = reasons(host, 1060);
    assert.deepEqual(away.at(-1), [1050, 1059, 10, 'not connected', false]);
    assert.equal(hostCoverage(host, 1060).connected, false);
  });

  it('names seconds before what a spooling child still had `spool full` when its spool dropped them', () => {
    /** A child away 1010..1019 whose spool, at the link after, holds from 1020 on and says `spool`. */
    const after = (spool: SpoolClaim | null): Host => {
      const { host, chart } = hostHolding([[1000, 1009], [1020, 1029]]);
      linkStarted(host, 990, true);
      linkEnded(host, 1010);
      linkStarted(host, 1025, true, spool);
      host.setStreamState({ connected: true });
      chartLedger(chart).childFirstS = 1020;
      return host;
    };
    assert.deepEqual(reasons(after({ oldestS: 1018, droppedPoints: 40, droppedUntilS: 1017 }), 1030), [[1010, 1019, 10, 'spool full', true]]);
    // a spool that dropped nothing, or only before the gap, did not lose these seconds for room; nor a netdata child
    assert.deepEqual(reasons(after({ oldestS: 1020, droppedPoints: 0, droppedUntilS: 0 }), 1030), [[1010, 1019, 10, 'retention passed', true]]);
    assert.deepEqual(reasons(after({ oldestS: 1020, droppedPoints: 9, droppedUntilS: 1005 }), 1030), [[1010, 1019, 10, 'retention passed', true]]);
    assert.deepEqual(reasons(after(null), 1030), [[1010, 1019, 10, 'retention passed', true]]);
  });

  it('reports a chart that stores nothing with no entries', () => {
    const { host } = hostHolding([]);
    const report = hostCoverage(host, 1000);
    assert.deepEqual([report.first_entry, report.last_entry, report.charts[0]!.held], [null, null, []]);
    assert.deepEqual(report.totals, { held_seconds: 0, missing_seconds: 0, replicated_seconds: 0, lost_seconds: 0 });
  });
});
