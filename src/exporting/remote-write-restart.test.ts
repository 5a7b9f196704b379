/**
 * The disk queue through a real agent's restarts: Tributary (`src/main.js`, a fixture plugin
 * collecting every second, memory mode ram) exports by remote write to a real VictoriaMetrics
 * that is stopped meanwhile; the agent is stopped with SIGTERM and started again, then killed
 * with SIGKILL and started again, all while the receiver is away. Once VictoriaMetrics is back
 * every second of the series is there, apart from the seconds the agent was not running (plus
 * the seconds netdata's average window lags by at a stop and a start). Durations are shorter than an operator's outage; the
 * mechanism is the same. Skipped, with the reason, without VictoriaMetrics.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { agentDirs, startAgent, type RunningAgent } from '../../test/support/agent-process.js';
import { missing, VICTORIA_METRICS, VictoriaMetrics } from './test-receivers.js';

/** How long each agent run lasts while the receiver is away. */
const RUN_MS = 7000;
/**
 * Seconds before a stop and after a start that no iteration covers, the agent running or not:
 * netdata's window ends 3 update-every before the iteration (so the last 3 s before a stop are
 * never read), and after a start the plugin's first points need those 3 s too (memory mode ram
 * starts empty), plus a second for the plugin to start.
 */
const STOP_LAG_SECS = 3;
const START_LAG_SECS = 5;

const agents: RunningAgent[] = [];
const dirs: string[] = [];
after(() => {
  for (const a of agents) a.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('remote write disk queue across agent restarts', () => {
  it('delivers every second once the receiver is back, through a SIGTERM and a kill -9', async (t) => {
    const reason = missing(VICTORIA_METRICS);
    if (reason) return t.skip(reason);
    const d = agentDirs(['good'], '[global]\n\tmemory mode = ram\n\thostname = rw-node\n[web]\n\tmode = none\n');
    dirs.push(d.root);
    let vm = await VictoriaMetrics.start(path.join(d.root, 'vm'));
    t.after(() => vm.stop());
    writeFileSync(path.join(d.root, 'exporting.conf'), [
      '[prometheus_remote_write:vm]',
      '  enabled = yes',
      `  destination = 127.0.0.1:${vm.httpPort}`,
      '  remote write URL path = /api/v1/write',
      '  update every = 1',
      '  send charts matching = fixture.good',
      '',
    ].join('\n'));
    await vm.stop();

    const down: Array<[number, number]> = [];
    const run = async (): Promise<{ agent: RunningAgent; startS: number }> => {
      const startS = Math.floor(Date.now() / 1000);
      const agent = startAgent(['-c', d.config, '-D'], 'exporting agent');
      agents.push(agent);
      await agent.waitFor("EXPORTING [vm] configured");
      return { agent, startS };
    };
    let current = await run();
    const firstS = current.startS;
    await sleep(RUN_MS);
    let stopS = Math.floor(Date.now() / 1000);
    current.agent.child.kill('SIGTERM');
    assert.equal(await current.agent.exited, 0);
    current = await run();
    down.push([stopS - STOP_LAG_SECS, current.startS + START_LAG_SECS]);
    await current.agent.waitFor('found', 10000);
    await sleep(RUN_MS);
    stopS = Math.floor(Date.now() / 1000);
    process.kill(current.agent.child.pid!, 'SIGKILL');
    await current.agent.exited;
    current = await run();
    // kill -9 loses at most the turn being written: one more second
    down.push([stopS - STOP_LAG_SECS - 1, current.startS + START_LAG_SECS]);
    await sleep(RUN_MS);
    vm = await VictoriaMetrics.start(path.join(d.root, 'vm'), vm);
    await current.agent.waitFor('accepts batches again', 20000);
    await sleep(1500);
    const lastS = Math.floor(Date.now() / 1000) - 4;
    current.agent.child.kill('SIGTERM');
    await current.agent.exited;

    const [series, ...others] = await vm.export('{__name__="netdata_fixture_good_things_average"}');
    assert.equal(others.length, 0);
    assert.deepEqual(series!.metric, {
      __name__: 'netdata_fixture_good_things_average', chart: 'fixture.good', dimension: 'counter', family: 'good', instance: 'rw-node',
    });
    const seconds = new Set(series!.timestamps.map((ms) => ms / 1000));
    const missingSecs: number[] = [];
    for (let s = firstS + START_LAG_SECS; s <= lastS; s++) {
      if (!seconds.has(s) && !down.some(([from, to]) => s >= from && s <= to)) missingSecs.push(s);
    }
    assert.deepEqual(missingSecs, [], `seconds missing outside the agent's downtime ${JSON.stringify(down)}; got ${[...seconds].sort().join(' ')}`);
    assert.ok(seconds.size >= 3 * (RUN_MS / 1000 - STOP_LAG_SECS - START_LAG_SECS), `${seconds.size} seconds delivered`);
  });
});
