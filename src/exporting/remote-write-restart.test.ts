/**
 * The disk queue through a real agent's restarts: Tributary (`src/main.js`, a fixture plugin
 * collecting every second) exports by remote write to a real VictoriaMetrics that is stopped
 * meanwhile, and the agent is stopped and started again while the receiver is away. Once
 * VictoriaMetrics is back every second the agent collected is there: only the seconds between a
 * stop and the plugin's start in the next run, and the tail each memory mode does not keep, may
 * be missing.
 * - memory mode `ram`: a SIGTERM, then a kill -9 (whose unexported tail goes with the process);
 * - memory mode `map`: a kill -9, after which the journal still holds every completed iteration:
 *   only the second under way may be missing, and VictoriaMetrics holds every second the agent's
 *   own `/api/v1/data` has, with its value.
 * Durations are shorter than an operator's outage; the mechanism is the same. Skipped, with the
 * reason, without VictoriaMetrics.
 */
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { agentDirs, freePort, startAgent, type RunningAgent } from '../../test/support/agent-process.js';
import { missing, VICTORIA_METRICS, VictoriaMetrics, type ExportedSeries } from './test-receivers.js';

/** How long each agent run lasts while the receiver is away. */
const RUN_MS = 6000;
/**
 * Seconds at the end of a run that may be missing. SIGTERM: the collection under way (the final
 * iteration queues every stored second). kill -9 with `ram`: no final iteration, so the seconds
 * the stored window had not reached (3 update every) go with the process, plus the event-loop
 * turn that had not reached the queue yet. kill -9 with `map`: the collection under way only
 * (the journal keeps the rest, and the next run's first iterations export it).
 */
const SIGTERM_TAIL_SECS = 1;
const RAM_SIGKILL_TAIL_SECS = 4;
const MAP_SIGKILL_TAIL_SECS = 1;
/**
 * The fixture plugins: `good` defines its chart at once, `late` 2 s after its start (after the
 * exporting instance's first iterations). `started` is its line on stderr right before its first values.
 */
const PLUGINS = {
  good: { started: 'hello from stderr', chart: 'fixture.good', family: 'good' },
  late: { started: 'late plugin defined its chart', chart: 'fixture.late', family: 'late' },
} as const;
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

/** How a run ends, and how many seconds before the stop may be missing. */
interface Stop {
  signal: 'SIGTERM' | 'SIGKILL';
  tailSecs: number;
}

interface Outcome {
  series: ExportedSeries;
  /** Seconds from the plugin's start to a stop (less the tail allowed): every one must be delivered. */
  ran: Array<[number, number]>;
  /** The agent's own `/api/v1/data` of the chart, `[second, value]`, read before the last stop (web on). */
  stored: Array<[number, number | null]>;
}

/**
 * Runs the agent once per stop while VictoriaMetrics is away, then once more with it back, and
 * returns what VictoriaMetrics holds.
 */
async function scenario(t: TestContext, memoryMode: string, plugin: keyof typeof PLUGINS, stops: Stop[]): Promise<Outcome> {
  const { started, chart, family } = PLUGINS[plugin];
  const webPort = await freePort();
  const d = agentDirs([plugin], `[global]\n\tmemory mode = ${memoryMode}\n\thostname = rw-node\n`
    + `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${webPort}\n[health]\n\tenabled = no\n`);
  dirs.push(d.root);
  let vm = await VictoriaMetrics.start(path.join(d.root, 'vm'));
  t.after(() => vm.stop());
  writeFileSync(path.join(d.root, 'exporting.conf'), [
    '[prometheus_remote_write:vm]',
    '  enabled = yes',
    `  destination = 127.0.0.1:${vm.httpPort}`,
    '  remote write URL path = /api/v1/write',
    '  update every = 1',
    `  send charts matching = ${chart}`,
    '',
  ].join('\n'));
  await vm.stop();

  const ran: Array<[number, number]> = [];
  const run = async (): Promise<{ agent: RunningAgent; firstS: number }> => {
    const agent = startAgent(['-c', d.config, '-D'], `exporting agent (${memoryMode})`);
    agents.push(agent);
    await agent.waitFor(started);
    // the second of the plugin's first values starts the chart's timeline; the next is its first stored one
    const firstS = Math.floor(Date.now() / 1000) + 1;
    await agent.waitFor('EXPORTING [vm] configured');
    return { agent, firstS };
  };
  for (const [i, stop] of stops.entries()) {
    const current = await run();
    if (i > 0) await current.agent.waitFor('found', 10000);
    await sleep(RUN_MS);
    const stopS = Math.floor(Date.now() / 1000);
    process.kill(current.agent.child.pid!, stop.signal);
    const code = await current.agent.exited;
    if (stop.signal === 'SIGTERM') assert.equal(code, 0);
    ran.push([current.firstS, stopS - stop.tailSecs]);
  }
  const last = await run();
  await sleep(RUN_MS);
  vm = await VictoriaMetrics.start(path.join(d.root, 'vm'), vm);
  await last.agent.waitFor('accepts batches again', 20000);
  await sleep(1500);
  const stopS = Math.floor(Date.now() / 1000);
  const [firstS] = ran[0]!;
  const response = await fetch(`http://127.0.0.1:${webPort}/api/v1/data?chart=${chart}&after=${firstS - 5}&before=${stopS}`
    + '&points=0&group=average&format=json&options=seconds');
  assert.equal(response.status, 200);
  const stored = ((await response.json()) as { data: Array<[number, number | null]> }).data;
  last.agent.child.kill('SIGTERM');
  assert.equal(await last.agent.exited, 0);
  ran.push([last.firstS, stopS - LAST_RUN_TAIL_SECS]);

  const name = `netdata_${chart.replace('.', '_')}_things_average`;
  const [series, ...others] = await vm.export(`{__name__="${name}"}`);
  assert.equal(others.length, 0);
  assert.deepEqual(series!.metric, { __name__: name, chart, dimension: 'counter', family, instance: 'rw-node' });
  return { series: series!, ran, stored };
}

/** The seconds of `ran` that `series` lacks. */
function missingSeconds(series: ExportedSeries, ran: Array<[number, number]>): number[] {
  const seconds = new Set(series.timestamps.map((ms) => ms / 1000));
  const absent: number[] = [];
  for (const [from, to] of ran) for (let s = from; s <= to; s++) if (!seconds.has(s)) absent.push(s);
  return absent;
}

describe('remote write disk queue across agent restarts', () => {
  it('memory mode ram: delivers every second once the receiver is back, through a SIGTERM and a kill -9', async (t) => {
    const reason = missing(VICTORIA_METRICS);
    if (reason) return t.skip(reason);
    const { series, ran } = await scenario(t, 'ram', 'good', [
      { signal: 'SIGTERM', tailSecs: SIGTERM_TAIL_SECS }, { signal: 'SIGKILL', tailSecs: RAM_SIGKILL_TAIL_SECS },
    ]);
    const absent = missingSeconds(series, ran);
    assert.deepEqual(absent, [], `seconds missing while the agent ran ${JSON.stringify(ran)}; got ${series.timestamps.map((ms) => ms / 1000).join(' ')}`);
    const runSecs = ran.reduce((n, [from, to]) => n + to - from + 1, 0);
    assert.ok(runSecs >= 3 * (RUN_MS / 1000 - RAM_SIGKILL_TAIL_SECS), `the runs lasted ${runSecs} seconds`);
  });

  it('memory mode map: a kill -9 loses only the second under way; every stored second is delivered with its value', async (t) => {
    const reason = missing(VICTORIA_METRICS);
    if (reason) return t.skip(reason);
    const { series, ran, stored } = await scenario(t, 'map', 'late', [{ signal: 'SIGKILL', tailSecs: MAP_SIGKILL_TAIL_SECS }]);
    const exported = new Map(series.timestamps.map((ms, i) => [ms / 1000, series.values[i]!]));
    const absent = missingSeconds(series, ran);
    assert.deepEqual(absent, [], `seconds missing while the agent ran ${JSON.stringify(ran)}; got ${[...exported.keys()].join(' ')}`);
    // the killed run's seconds came back from the journal, and went out as the agent holds them
    const [[killedFrom, killedTo], [, lastTo]] = ran as [[number, number], [number, number]];
    const values = new Map(stored.filter(([s, v]) => v !== null && s <= lastTo) as Array<[number, number]>);
    // (a query's `after` is clamped to the oldest entry, which /api/v1/data then leaves out, as netdata)
    for (let s = killedFrom + 1; s <= killedTo; s++) assert.ok(values.has(s), `second ${s} of the killed run is not stored: ${JSON.stringify(stored)}`);
    const differ = [...values].filter(([s, v]) => exported.get(s) === undefined || Math.abs(exported.get(s)! - v) > 1e-6 * Math.max(1, Math.abs(v)));
    assert.deepEqual(differ.map(([s, v]) => [s, v, exported.get(s)]), [], 'seconds whose stored value was not exported as is');
  });
});
