/**
 * The disk queue through a real agent's restarts: Tributary (`src/main.js`, a fixture plugin
 * collecting every second, memory mode ram) exports by remote write to a real VictoriaMetrics
 * that is stopped meanwhile; the agent is stopped with SIGTERM and started again, then killed
 * with SIGKILL and started again, all while the receiver is away. Once VictoriaMetrics is back
 * every second the agent collected is there: only the seconds between a stop and the plugin's
 * start in the next run may be missing. Durations are shorter than an operator's outage; the
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
 * Seconds at the end of a run that may be missing. SIGTERM: the collection under way (the final
 * iteration queues every stored second). kill -9: no final iteration, so the seconds the stored
 * window had not reached (3 update every) go with the process (memory mode ram), plus the
 * event-loop turn that had not reached the queue yet.
 */
const SIGTERM_TAIL_SECS = 1;
const SIGKILL_TAIL_SECS = 4;
/** The plugin's line on stderr: it has started and sends its first values right after. */
const PLUGIN_STARTED = 'hello from stderr';
/**
 * The last run is checked only up to what its iterations delivered while it ran: the window's
 * lag (3 update every) and a second to deliver; its final iteration stays queued for a next start.
 */
const LAST_RUN_TAIL_SECS = 4;

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

    // seconds from the plugin's start to a stop: every one must be delivered
    const ran: Array<[number, number]> = [];
    const run = async (): Promise<{ agent: RunningAgent; firstS: number }> => {
      const agent = startAgent(['-c', d.config, '-D'], 'exporting agent');
      agents.push(agent);
      await agent.waitFor(PLUGIN_STARTED);
      // the second of the plugin's first values starts the chart's timeline; the next is its first stored one
      const firstS = Math.floor(Date.now() / 1000) + 1;
      await agent.waitFor('EXPORTING [vm] configured');
      return { agent, firstS };
    };
    let current = await run();
    await sleep(RUN_MS);
    let stopS = Math.floor(Date.now() / 1000);
    current.agent.child.kill('SIGTERM');
    assert.equal(await current.agent.exited, 0);
    ran.push([current.firstS, stopS - SIGTERM_TAIL_SECS]);
    current = await run();
    await current.agent.waitFor('found', 10000);
    await sleep(RUN_MS);
    stopS = Math.floor(Date.now() / 1000);
    process.kill(current.agent.child.pid!, 'SIGKILL');
    await current.agent.exited;
    ran.push([current.firstS, stopS - SIGKILL_TAIL_SECS]);
    current = await run();
    await sleep(RUN_MS);
    vm = await VictoriaMetrics.start(path.join(d.root, 'vm'), vm);
    await current.agent.waitFor('accepts batches again', 20000);
    await sleep(1500);
    stopS = Math.floor(Date.now() / 1000);
    current.agent.child.kill('SIGTERM');
    assert.equal(await current.agent.exited, 0);
    ran.push([current.firstS, stopS - LAST_RUN_TAIL_SECS]);

    const [series, ...others] = await vm.export('{__name__="netdata_fixture_good_things_average"}');
    assert.equal(others.length, 0);
    assert.deepEqual(series!.metric, {
      __name__: 'netdata_fixture_good_things_average', chart: 'fixture.good', dimension: 'counter', family: 'good', instance: 'rw-node',
    });
    const seconds = new Set(series!.timestamps.map((ms) => ms / 1000));
    const missingSecs: number[] = [];
    for (const [from, to] of ran) for (let s = from; s <= to; s++) if (!seconds.has(s)) missingSecs.push(s);
    assert.deepEqual(missingSecs, [], `seconds missing while the agent ran ${JSON.stringify(ran)}; got ${[...seconds].sort().join(' ')}`);
    const runSecs = ran.reduce((n, [from, to]) => n + to - from + 1, 0);
    assert.ok(runSecs >= 3 * (RUN_MS / 1000 - SIGKILL_TAIL_SECS), `the runs lasted ${runSecs} seconds`);
  });
});
