/**
 * A headless collector (memory mode none, spooling to its parent) paused with SIGSTOP and
 * continued with SIGCONT while its plugin keeps printing: the seconds the agent was stopped are a
 * gap, as in netdata, and everything it stored after them (the plugin's piled-up lines, then the
 * live ones) is in its spool in time order and at its parent at the same seconds with the same
 * values. The pause is a second longer than netdata's 5 update-everys, the stall after which
 * the first collection takes the real elapsed time.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../../src/streaming/spool.js';
import { eventually, killAll, startNode, type TestNode } from './nodes.js';

const dirs: string[] = [];
after(() => {
  killAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CHART = 'streamtest.values';
const PAUSE_MS = 6000;
const nowS = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every point of `chartId` in the stopped node's spool, oldest first, as [time, ...values by `labels`]. */
function spooled(node: TestNode, chartId: string, labels: readonly string[]): number[][] {
  const root = join(node.dir, 'cache', 'stream-spool');
  const [directory] = readdirSync(root);
  assert.ok(directory, `${node.hostname} has a spool under ${root}`);
  const spool = Spool.open({ directory: join(root, directory), maxBytes: 64 * 1024 * 1024, label: node.hostname });
  const points: number[][] = [];
  spool.read(chartId, 0, Number.MAX_SAFE_INTEGER, (t, ids, values) => {
    points.push([t, ...labels.map((l) => values[ids.indexOf(l)]!)]);
  });
  spool.close();
  return points;
}

describe('a paused headless collector', () => {
  it('after SIGSTOP/SIGCONT, every point it stored is spooled in order and at its parent with the same time and values', async () => {
    const parent = await startNode({ hostname: 'p-pause', plugin: false });
    dirs.push(parent.dir);
    const child = await startNode({
      hostname: 'c-pause', memoryMode: 'none', web: false, sendTo: { destination: `127.0.0.1:${parent.port}` },
    });
    dirs.push(child.dir);
    await eventually('the parent has the collector\'s chart', async () => {
      const d = await parent.api(`/host/c-pause/api/v1/data?chart=${CHART}&after=-5&format=json`).catch(() => null);
      return d?.data?.some((r: (number | null)[]) => r.slice(1).every((v) => v !== null)) ? d : undefined;
    }, 30_000);
    await sleep(2000);
    const stoppedAt = nowS();
    process.kill(child.child.pid!, 'SIGSTOP');
    await sleep(PAUSE_MS);
    process.kill(child.child.pid!, 'SIGCONT');
    const continuedAt = nowS();
    await sleep(5000);

    // the parent's copy of the collector stays on the wall clock (it trusts the durations sent)
    const recent = await parent.api(`/host/c-pause/api/v1/data?chart=${CHART}&after=-60&format=json&options=unaligned`);
    const newest = recent.data[0][0] as number;
    assert.ok(newest <= nowS() + 1, `the parent's newest point (${newest}) is not ahead of the wall clock (${nowS()})`);

    await child.stop();
    await sleep(1500); // the parent has the last block the child sent
    const labels = (recent.labels as string[]).slice(1);
    const points = spooled(child, CHART, labels);
    const after = points.filter((p) => p[0]! > stoppedAt - 3);
    assert.ok(after.some((p) => p[0]! > continuedAt + 2), `the spool has points after the pause: ${JSON.stringify(after.slice(-3))}`);
    for (let k = 1; k < points.length; k++) {
      assert.ok(points[k]![0]! > points[k - 1]![0]!, `spooled times increase: ${points[k - 1]![0]} then ${points[k]![0]}`);
    }
    assert.doesNotMatch(child.output(), /not spooling it/);

    const first = after[0]![0]!;
    const last = after[after.length - 1]![0]!;
    const d = await parent.api(`/host/c-pause/api/v1/data?chart=${CHART}&after=${first - 1}&before=${last}&format=json&options=unaligned`);
    const atParent = new Map<number, (number | null)[]>(d.data.map((r: (number | null)[]) => [r[0], r]));
    let compared = 0;
    for (const p of after) {
      const stored = p.slice(1);
      if (stored.every((v) => Number.isNaN(v))) continue; // the paused seconds: a gap at both
      const row = atParent.get(p[0]!);
      assert.ok(row, `the parent has the spooled second ${p[0]} (paused ${stoppedAt}..${continuedAt})`);
      stored.forEach((v, i) => {
        const there = row[i + 1];
        if (Number.isNaN(v)) assert.equal(there, null, `${labels[i]} at ${p[0]}: empty in the spool, so at the parent`);
        else assert.ok(there !== null && Math.abs(there! - v) <= 1e-3 * Math.max(1, Math.abs(v)), `${labels[i]} at ${p[0]}: spool ${v}, parent ${there}`);
      });
      compared++;
    }
    assert.ok(compared >= 8, `compared ${compared} seconds around the pause (${stoppedAt}..${continuedAt})`);
  });
});
