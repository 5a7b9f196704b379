/**
 * `GET /api/v1/coverage` against real agents on 127.0.0.1: two children stream to one parent
 * through relays; both relays cut the links for a few seconds while the children keep
 * collecting. The link without replication leaves a gap the ledger names with its seconds and
 * why; the link with replication leaves none, and the ledger counts what replication filled.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRelay, type Relay } from '../../demo/relay.js';
import { eventually, killAll, startNode, type TestNode } from './nodes.js';

const CHART = 'streamtest.values';
const KEY_NO_REPLICATION = 'aaaaaaaa-2222-3333-4444-555555555555';
const KEY_REPLICATION = 'bbbbbbbb-2222-3333-4444-555555555555';
const CUT_MS = 4000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const relays: Relay[] = [];
after(async () => {
  killAll();
  await Promise.all(relays.map((r) => r.close()));
});

/** The chart's entry of a host's ledger at the parent. */
async function chartCoverage(parent: TestNode, host: string): Promise<any> {
  const ledger = await parent.api(`/host/${host}/api/v1/coverage?chart=${CHART}`);
  assert.equal(ledger.hostname, host);
  assert.equal(ledger.charts.length, 1);
  return { ledger, chart: ledger.charts[0] };
}

describe('GET /api/v1/coverage', () => {
  it('names a gap the link could not replicate, and counts the seconds replication filled', async () => {
    const parent = await startNode({
      hostname: 'cov-parent', plugin: false,
      receive: `[${KEY_NO_REPLICATION}]\n\tenabled = yes\n\tenable replication = no\n` +
        `[${KEY_REPLICATION}]\n\tenabled = yes\n\tenable replication = yes\n`,
    });
    const plain = await startRelay(parent.port);
    const replicated = await startRelay(parent.port);
    relays.push(plain, replicated);
    await Promise.all([
      startNode({ hostname: 'cov-plain', sendTo: { destination: `127.0.0.1:${plain.port}`, apiKey: KEY_NO_REPLICATION } }),
      startNode({ hostname: 'cov-repl', sendTo: { destination: `127.0.0.1:${replicated.port}`, apiKey: KEY_REPLICATION } }),
    ]);
    for (const host of ['cov-plain', 'cov-repl']) {
      await eventually(`${host} holds 4 s`, async () => {
        const { chart } = await chartCoverage(parent, host).catch(() => ({ chart: null }));
        return chart && chart.held_seconds >= 4 ? chart : undefined;
      });
    }
    plain.cut();
    replicated.cut();
    const cutAt = Math.floor(Date.now() / 1000);
    await sleep(CUT_MS);
    const whileAway = await chartCoverage(parent, 'cov-plain');
    assert.equal(whileAway.ledger.connected, false, 'the child is not connected while the relay is cut');
    assert.equal(whileAway.chart.gaps.at(-1)?.reason, 'not connected', JSON.stringify(whileAway.chart.gaps));
    plain.restore();
    replicated.restore();

    const plainGap = await eventually('the gap of the link without replication', async () => {
      const { ledger, chart } = await chartCoverage(parent, 'cov-plain');
      if (!ledger.connected || chart.last_entry < cutAt + CUT_MS / 1000 + 3) return undefined;
      return chart.gaps.length > 0 ? { ledger, chart } : undefined;
    });
    const { ledger, chart } = plainGap;
    assert.equal(chart.gaps.length, 1, JSON.stringify(chart.gaps));
    const gap = chart.gaps[0];
    assert.equal(gap.reason, 'not connected and no replication');
    assert.equal(gap.lost, true);
    assert.equal(gap.seconds, gap.to - gap.from + 1);
    assert.ok(gap.seconds >= CUT_MS / 1000 - 1 && gap.seconds <= CUT_MS / 1000 + 4, `a gap of about the cut: ${JSON.stringify(gap)}`);
    assert.ok(gap.from >= cutAt - 1 && gap.from <= cutAt + 1, `it starts at the cut (${cutAt}): ${JSON.stringify(gap)}`);
    assert.equal(chart.missing_seconds, gap.seconds);
    assert.equal(chart.lost_seconds, gap.seconds);
    assert.equal(chart.replicated_seconds, 0);
    assert.deepEqual(chart.held.map((r: number[]) => r.length), [2, 2], 'held before and after the gap');
    assert.equal(chart.held[0][1] + 1, gap.from);
    assert.equal(chart.held[1][0] - 1, gap.to);
    assert.ok(ledger.totals.lost_seconds >= gap.seconds && ledger.totals.missing_seconds >= gap.seconds, JSON.stringify(ledger.totals));

    const filled = await eventually('the link with replication filled its gap', async () => {
      const { ledger: l, chart: c } = await chartCoverage(parent, 'cov-repl');
      if (!l.connected || c.last_entry < cutAt + CUT_MS / 1000 + 3) return undefined;
      return c.missing_seconds === 0 ? c : undefined;
    });
    assert.deepEqual(filled.gaps, []);
    assert.equal(filled.held.length, 1, `one range: ${JSON.stringify(filled.held)}`);
    assert.equal(filled.held_seconds, filled.last_entry - filled.first_entry + 1);
    assert.ok(filled.replicated_seconds >= CUT_MS / 1000 - 1, `replicated seconds counted: ${filled.replicated_seconds}`);
    assert.equal(filled.lost_seconds, 0);
    // the whole host: every chart of the child, and the same numbers without the prefix for the parent itself
    const all = await parent.api('/host/cov-repl/api/v1/coverage');
    assert.ok(all.charts.length > 1 && all.totals.replicated_seconds >= filled.replicated_seconds, JSON.stringify(all.totals));
    assert.equal(all.totals.held_seconds, all.charts.reduce((n: number, c: any) => n + c.held_seconds, 0));
    const own = await parent.api('/api/v1/coverage');
    assert.equal(own.hostname, 'cov-parent');
    assert.equal(own.local, true);
  });

  it('answers 404 for a chart the host does not have', async () => {
    const node = await startNode({ hostname: 'cov-alone', plugin: false });
    const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/coverage?chart=no.such`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /Chart is not found: no\.such/);
    await node.stop();
  });
});
