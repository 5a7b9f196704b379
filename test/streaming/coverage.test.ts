/**
 * `GET /api/v1/coverage` against real agents on 127.0.0.1: three children stream to one parent
 * through relays; the relays cut the links for a few seconds while the children keep
 * collecting. The link without replication leaves a gap the ledger names with its seconds and
 * why; the link with replication leaves none, and the ledger counts what replication filled; a
 * child whose history is shorter than the cut leaves the part it no longer held, as retention
 * passed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startRelay, type Relay } from '../../demo/relay.js';
import { eventually, killAll, startNode, type TestNode } from './nodes.js';

const CHART = 'streamtest.values';
const KEY_NO_REPLICATION = 'aaaaaaaa-2222-3333-4444-555555555555';
const KEY_REPLICATION = 'bbbbbbbb-2222-3333-4444-555555555555';
const CUT_MS = 7000;
/** The short child's history: shorter than the cut, so replication cannot reach back to it. */
const SHORT_HISTORY = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const relays: Relay[] = [];
const nodes: TestNode[] = [];
after(async () => {
  killAll();
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(nodes.map((n) => n.exited));
  for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
});

async function started(node: Promise<TestNode>): Promise<TestNode> {
  nodes.push(await node);
  return nodes.at(-1)!;
}

/** The chart's entry of a host's ledger at the parent. */
async function chartCoverage(parent: TestNode, host: string): Promise<any> {
  const ledger = await parent.api(`/host/${host}/api/v1/coverage?chart=${CHART}`);
  assert.equal(ledger.hostname, host);
  assert.equal(ledger.charts.length, 1);
  return { ledger, chart: ledger.charts[0] };
}

describe('GET /api/v1/coverage', () => {
  it('names a gap the link could not replicate, and counts the seconds replication filled', async () => {
    const parent = await started(startNode({
      hostname: 'cov-parent', plugin: false,
      receive: `[${KEY_NO_REPLICATION}]\n\tenabled = yes\n\tenable replication = no\n` +
        `[${KEY_REPLICATION}]\n\tenabled = yes\n\tenable replication = yes\n`,
    }));
    const plain = await startRelay(parent.port);
    const replicated = await startRelay(parent.port);
    const short = await startRelay(parent.port);
    relays.push(plain, replicated, short);
    await Promise.all([
      started(startNode({ hostname: 'cov-plain', sendTo: { destination: `127.0.0.1:${plain.port}`, apiKey: KEY_NO_REPLICATION } })),
      started(startNode({ hostname: 'cov-repl', sendTo: { destination: `127.0.0.1:${replicated.port}`, apiKey: KEY_REPLICATION } })),
      started(startNode({
        hostname: 'cov-short', history: SHORT_HISTORY,
        sendTo: { destination: `127.0.0.1:${short.port}`, apiKey: KEY_REPLICATION },
      })),
    ]);
    for (const host of ['cov-plain', 'cov-repl', 'cov-short']) {
      await eventually(`${host} holds 4 s`, async () => {
        const { chart } = await chartCoverage(parent, host).catch(() => ({ chart: null }));
        return chart && chart.held_seconds >= 4 ? chart : undefined;
      });
    }
    for (const relay of relays) relay.cut();
    const cutAt = Math.floor(Date.now() / 1000);
    await sleep(CUT_MS);
    const whileAway = await chartCoverage(parent, 'cov-plain');
    assert.equal(whileAway.ledger.connected, false, 'the child is not connected while the relay is cut');
    assert.equal(whileAway.chart.gaps.at(-1)?.reason, 'not connected', JSON.stringify(whileAway.chart.gaps));
    for (const relay of relays) relay.restore();

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

    const passed = await eventually('the short child\'s replication finished', async () => {
      const { ledger: l, chart: c } = await chartCoverage(parent, 'cov-short');
      if (!l.connected || c.last_entry < cutAt + CUT_MS / 1000 + 3) return undefined;
      return c.gaps.length > 0 && c.gaps.every((g: any) => g.lost) ? c : undefined;
    });
    assert.equal(passed.gaps.length, 1, JSON.stringify(passed.gaps));
    const old = passed.gaps[0];
    assert.equal(old.reason, 'retention passed', JSON.stringify(old));
    assert.ok(old.from >= cutAt - 1 && old.from <= cutAt + 1, `it starts at the cut (${cutAt}): ${JSON.stringify(old)}`);
    assert.ok(old.seconds >= CUT_MS / 1000 - SHORT_HISTORY - 1 && old.seconds < CUT_MS / 1000 + 2, JSON.stringify(old));
    assert.ok(passed.replicated_seconds >= SHORT_HISTORY - 2, `what the child still held was replicated: ${passed.replicated_seconds}`);

    const own = await parent.api('/api/v1/coverage');
    assert.equal(own.hostname, 'cov-parent');
    assert.equal(own.local, true);
  });

  it('answers 404 for a chart the host does not have', async () => {
    const node = await started(startNode({ hostname: 'cov-alone', plugin: false }));
    const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/coverage?chart=no.such`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /Chart is not found: no\.such/);
    await node.stop();
  });
});
