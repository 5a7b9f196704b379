import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { agentDirs, eventually, isAlive, MAIN } from '../test/support/agent-process.js';
import { API_KEY, killAll, startNode } from '../test/streaming/nodes.js';
import { HEADLESS_V8_FLAGS } from './cli.js';

/** The headless collector's one-file bundle `npm run build` makes beside dist/src (scripts/bundle.mjs). */
const BUNDLE = join(dirname(MAIN), '..', 'tributary-headless.cjs');
const bundleBuilt = existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= statSync(MAIN).mtimeMs;
/** The whole agent's bundle, which `-D` loads when it is fresh. */
const AGENT_BUNDLE = join(dirname(MAIN), '..', 'tributary.cjs');
const agentBundleBuilt = existsSync(AGENT_BUNDLE) && statSync(AGENT_BUNDLE).mtimeMs >= statSync(MAIN).mtimeMs;

/** The threads of process `pid`. */
function threadCount(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

/** Starts `tributary -c <conf> -P <pidfile>` (background) and returns what it printed and the agent's PID. */
async function startInBackground(conf: string, streamConf = ''): Promise<{ said: string; pid: number; argv: string[]; log: string }> {
  const dirs = agentDirs(['good'], conf);
  writeFileSync(join(dirs.root, 'stream.conf'), streamConf);
  const pidFile = join(dirs.root, 'tributary.pid');
  const said = execFileSync(process.execPath, [MAIN, '-c', dirs.config, '-P', pidFile], { encoding: 'utf8' });
  const pid = await eventually('the pid file', async () => {
    try {
      return Number.parseInt(readFileSync(pidFile, 'utf8'), 10) || undefined;
    } catch {
      return undefined;
    }
  });
  const logFile = join(dirs.root, 'tributary.log');
  const log = await eventually('self-monitoring started', async () => {
    const text = readFileSync(logFile, 'utf8');
    return text.includes('self-monitoring started') ? text : undefined;
  });
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return { said, pid, argv, log };
}

async function stop(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  await eventually('the agent to exit', async () => (isAlive(pid) ? undefined : true));
}

describe('tributary without -D', () => {
  it('starts a headless collector in the background with the headless V8 flags and says so', async () => {
    const { said, pid, argv, log } = await startInBackground('[global]\n\tmemory mode = none\n[web]\n\tmode = none\n');
    try {
      for (const flag of HEADLESS_V8_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
      assert.match(said, new RegExp(`as a headless collector with node ${HEADLESS_V8_FLAGS.join(' ')}`));
      assert.doesNotMatch(log, /headless collector without node/);
    } finally {
      await stop(pid);
    }
  });

  it('runs a headless collector from the one-file bundle the build made, which streams to its parent',
    { skip: bundleBuilt ? false : 'no bundle built after dist/src/main.js (tsc alone; npm run build makes one)' }, async () => {
      const parent = await startNode({ hostname: 'bundle-parent', plugin: false });
      const { said, pid, argv, log } = await startInBackground('[global]\n\thostname = bundle-child\n\tmemory mode = none\n[web]\n\tmode = none\n',
        `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n\treconnect delay seconds = 1\n`);
      try {
        assert.ok(argv.includes(BUNDLE), `${BUNDLE} in ${argv.join(' ')}`);
        assert.match(said, new RegExp(`as a headless collector with node ${HEADLESS_V8_FLAGS.join(' ')}`));
        const charts = await eventually('the plugin\'s chart of the child on the parent', async () => {
          const res = await fetch(`http://127.0.0.1:${parent.port}/host/bundle-child/api/v1/charts`);
          const body = res.status === 200 ? await res.json() as { charts: Record<string, unknown> } : null;
          return body && Object.keys(body.charts).some((id) => id.startsWith('fixture.')) ? Object.keys(body.charts) : undefined;
        });
        assert.ok(charts.includes('fixture.good'), `the plugin's chart in ${charts.join(' ')}`);
        // the first start makes the GUID, the one thing of node:crypto a collector needs at start
        assert.match(log, /INFO : machine GUID [0-9a-f-]{36} created in /);
      } finally {
        await stop(pid);
        killAll();
      }
    });

  it('starts an agent with a web server or a database without them', async () => {
    const { said, pid, argv } = await startInBackground('[global]\n\tmemory mode = ram\n[web]\n\tmode = none\n');
    try {
      for (const flag of HEADLESS_V8_FLAGS) assert.ok(!argv.includes(flag), `${flag} not in ${argv.join(' ')}`);
      assert.doesNotMatch(said, /headless/);
    } finally {
      await stop(pid);
    }
  });
});

describe('tributary -D', () => {
  it('runs the agent from its one-file bundle, whose query threads answer from their own bundle as the main thread does',
    { skip: agentBundleBuilt ? false : 'no agent bundle built after dist/src/main.js (tsc alone; npm run build makes one)' }, async () => {
      const node = await startNode({ hostname: 'bundled', plugin: false, fixturePlugins: ['wide.plugin'], extraConf: '[web]\n\tquery threads = 2\n' });
      try {
        assert.match(node.output(), new RegExp(`INFO : agent loaded from ${AGENT_BUNDLE.replace(/[.]/g, '\\.')}\n`));
        const path = (t: number): string => `/api/v1/data?chart=fixture.wide&after=${t - 9}&before=${t}&format=json&options=unaligned`;
        const last = await eventually('10 s of the wide chart', async () => {
          const d = await node.api('/api/v1/data?chart=fixture.wide&after=-30&format=json&options=unaligned');
          return d.data.length >= 12 ? d.data[1][0] as number : undefined;
        });
        const alone = JSON.stringify(await node.api(path(last)));
        const before = threadCount(node.child.pid!);
        // many at once: the pool sends those of one turn to its threads
        for (let round = 0; round < 5; round++) {
          const answers = await Promise.all(Array.from({ length: 16 }, () => node.api(path(last))));
          for (const a of answers) assert.equal(JSON.stringify(a), alone);
        }
        assert.equal(threadCount(node.child.pid!) - before, 2, 'two query threads started');
        assert.doesNotMatch(node.output(), /query thread/);
      } finally {
        killAll();
      }
    });
});
