/**
 * The coverage ledger names seconds a headless child's spool dropped for room as `spool full`,
 * against real agents on 127.0.0.1: a child without a database and a spool of 16 KiB (about
 * ten seconds of its charts) streams to a parent with replication through a relay; the relay
 * cuts the link for longer than the spool holds; after the reconnect the parent replicates
 * what the spool still had and the ledger shows the rest as lost with reason `spool full`. A
 * request whose spool header is not one is taken, with one INFO line naming the connection; a
 * netdata 1.37 parent takes a spooling child's request with the header without a word.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { startRelay, type Relay } from '../../demo/relay.js';
import { API_KEY, eventually, freePort, killAll, newGuid, startNode, type TestNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from './netdata.js';

const CHART = 'streamtest.values';
const SPOOL_BYTES = 16 * 1024;
/** Longer than the spool holds of the child's charts (about 1.7 KB a second). */
const CUT_MS = 15000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const relays: Relay[] = [];
const nodes: TestNode[] = [];
after(async () => {
  killAll();
  await stopAllNetdata();
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(nodes.map((n) => n.exited));
  for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
});

async function started(node: Promise<TestNode>): Promise<TestNode> {
  nodes.push(await node);
  return nodes.at(-1)!;
}

async function chartCoverage(parent: TestNode, host: string): Promise<any> {
  const ledger = await parent.api(`/host/${host}/api/v1/coverage?chart=${CHART}`);
  return { ledger, chart: ledger.charts?.[0] ?? null };
}

describe('GET /api/v1/coverage of a child streaming from its spool', () => {
  it('names the seconds the full spool dropped `spool full`, and counts what it still had as replicated', async () => {
    const parent = await started(startNode({ hostname: 'spool-parent', plugin: false }));
    const relay = await startRelay(parent.port);
    relays.push(relay);
    const child = await started(startNode({
      hostname: 'spool-child', memoryMode: 'none', web: false,
      sendTo: { destination: `127.0.0.1:${relay.port}`, extra: `\tspool size bytes = ${SPOOL_BYTES}\n` },
    }));
    await eventually('the parent holds 4 s of the child', async () => {
      const { chart } = await chartCoverage(parent, 'spool-child').catch(() => ({ chart: null }));
      return chart && chart.held_seconds >= 4 ? chart : undefined;
    });
    relay.cut();
    const cutAt = Math.floor(Date.now() / 1000);
    await sleep(CUT_MS);
    relay.restore();
    const backAt = Math.floor(Date.now() / 1000);

    const done = await eventually('the child\'s replication finished', async () => {
      const { ledger, chart } = await chartCoverage(parent, 'spool-child');
      if (!ledger.connected || chart.last_entry < backAt + 3) return undefined;
      return chart.gaps.length > 0 && chart.gaps.every((g: any) => g.lost) ? chart : undefined;
    });
    assert.equal(done.gaps.length, 1, JSON.stringify(done.gaps));
    const gap = done.gaps[0];
    assert.equal(gap.reason, 'spool full', JSON.stringify(gap));
    assert.equal(gap.lost, true);
    assert.ok(gap.from >= cutAt - 1 && gap.from <= cutAt + 1, `it starts at the cut (${cutAt}): ${JSON.stringify(gap)}`);
    assert.ok(gap.to < backAt - 2, `the spool still had the last seconds of the cut (back at ${backAt}): ${JSON.stringify(gap)}`);
    assert.equal(done.lost_seconds, gap.seconds);
    assert.ok(done.replicated_seconds > 0, `what the spool still had was replicated: ${done.replicated_seconds}`);
    assert.equal(done.held.length, 2, `held before and after the gap: ${JSON.stringify(done.held)}`);
    assert.equal(done.held[1][0] - 1, gap.to);
    assert.match(child.output(), /STREAM spool-child \[spool\]: spool full/, 'the child logged that its spool dropped points');
  });

  it('takes a request whose spool header is not one, with one INFO line naming the connection', async () => {
    const parent = await started(startNode({ hostname: 'spool-bad-parent', plugin: false }));
    const socket = connect(parent.port, '127.0.0.1');
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('error', reject);
      socket.on('data', (d: string) => { text += d; if (text.length > 0) resolve(text); });
      socket.write(`STREAM key=${API_KEY}&hostname=spool-bad&machine_guid=${newGuid()}&update_every=1&os=linux&ver=1 HTTP/1.1\r\n` +
        'User-Agent: tributary/test\r\nX-Tributary-Spool: oldest=soon, dropped=many\r\n\r\n');
    });
    const ownPort = socket.localPort;
    socket.destroy();
    assert.match(reply, /^Hit me baby, push them over/, 'the link is taken');
    const lines = await eventually('the INFO line', async () => {
      const found = parent.output().split('\n').filter((l) => l.includes('X-Tributary-Spool'));
      return found.length > 0 ? found : undefined;
    });
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0]!.includes(`INFO : STREAM [receive from [127.0.0.1]:${ownPort}]: request has header ` +
      '\'X-Tributary-Spool: oldest=soon, dropped=many\', which is not a spool\'s state (ignored).'), lines[0]);
  });

  it('a netdata 1.37 parent takes the request of a child streaming from its spool without a word', { skip: netdataMissing() ?? false }, async () => {
    const nd = startNetdata({
      hostname: 'nd-spool-parent',
      port: await freePort(),
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\thealth enabled by default = no\n`,
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const child = await started(startNode({
      hostname: 'spool-to-nd', memoryMode: 'none', web: false,
      sendTo: { destination: `127.0.0.1:${nd.port}`, extra: `\tspool size bytes = ${SPOOL_BYTES}\n` },
    }));
    await eventually('rows at netdata', async () => {
      const d = await nd.api('/host/spool-to-nd/api/v1/data?chart=streamtest.values&after=-20&format=json');
      return d.data.filter((r: (number | null)[]) => r.slice(1).every((v) => v !== null)).length >= 4 ? d : undefined;
    }, 40_000);
    assert.match(child.output(), /STREAM spool-to-nd \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: .*REPLICATION/);
    assert.match(nd.log(), /STREAM spool-to-nd \[receive from \[localhost\]:\d+\]: established link/);
    assert.doesNotMatch(nd.log(), /X-Tributary|which is not used/i, 'netdata says nothing of the header');
  });
});
