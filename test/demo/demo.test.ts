/**
 * `npm run demo`'s topology, shortened: the same eight real agents (A, B → C → D ← E, F, G;
 * D → H), each running a small deterministic plugin instead of the bundled ones, C archiving
 * every 2 s to a line capture. Checks at H every host, its hops, its values and an alarm raised
 * for a headless collector; at C, the backend lines of A, B and C. Every agent is stopped by PID.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLineCapture, type DemoBackend } from '../../demo/backend.js';
import { REPO, startDemo, type DemoAgent, type DemoCluster } from '../../demo/nodes.js';
import { DEMO_NODE_NAMES, demoHostname, expectedHopsAtH, type DemoNodeName } from '../../demo/topology.js';
import { eventually as poll } from '../support/agent-process.js';
import { SPOOL_RECENT_SLOTS } from '../../src/streaming/index.js';

/** Eight agents start on a busy machine: give each wait 30 s. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
  poll(what, probe, timeoutMs);

const CHART = 'demotest.values';

/** `const` is always 42, `counter` grows by 1 each second. */
const PLUGIN = `#!/usr/bin/env bash
trap 'exit 0' TERM PIPE
echo "CHART ${CHART} '' 'Demo test' 'n' 'demo' '${CHART}' line 1000 1 '' 'demotest.plugin' ''"
echo "DIMENSION const '' absolute 1 1"
echo "DIMENSION counter '' absolute 1 1"
n=0
while :; do
  n=$((n + 1))
  printf 'BEGIN ${CHART} 1000000\\nSET const = 42\\nSET counter = %d\\nEND\\n' "$n" || exit 0
  sleep 1
done
`;

/** An alarm that is WARNING whenever the test chart's `const` is above 0, on every host H keeps. */
const ALARM_NAME = 'demo_const_positive';
const ALARM = `
 alarm: ${ALARM_NAME}
    on: ${CHART}
lookup: average -2s unaligned of const
 every: 1s
  warn: $this > 0
  exec: /bin/true
  info: the demo plugin's const is positive
`;

const BACKEND_UPDATE_EVERY_SECS = 2;

let root = '';
let backend: DemoBackend;
let cluster: DemoCluster | undefined;
const started: DemoAgent[] = [];

async function api(agent: DemoAgent, path: string): Promise<any> {
  const res = await fetch(`${agent.url}${path.replace(/^\//, '')}`);
  if (res.status !== 200) throw new Error(`${agent.spec.hostname} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tributary-demo-'));
  const plugins = join(root, 'plugins.d');
  mkdirSync(plugins);
  writeFileSync(join(plugins, 'demotest.plugin'), PLUGIN);
  chmodSync(join(plugins, 'demotest.plugin'), 0o755);
  mkdirSync(join(root, 'stock-health.d'));
  backend = await startLineCapture(join(root, 'backend'));
  cluster = await startDemo({
    root,
    pluginsDirs: [plugins],
    webDir: join(REPO, 'web'),
    stockHealthDir: join(root, 'stock-health.d'),
    updateEverySecs: 1,
    historyEntries: 600,
    backend: { host: '127.0.0.1', port: backend.port, updateEverySecs: BACKEND_UPDATE_EVERY_SECS },
    postponeAlarmsSecs: 0,
    reconnectDelaySecs: 1,
    userHealth: { h: { 'demo.conf': ALARM } },
  }, (agent) => started.push(agent));
});

after(async () => {
  await Promise.all(started.map((agent) => agent.stop()));
  await backend?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function agent(name: DemoNodeName): DemoAgent {
  assert.ok(cluster, 'the demo started');
  return cluster.agents[name];
}

describe('npm run demo: A, B → C → D ← E, F, G; D → H', () => {
  it('H lists all eight hosts with their GUIDs and hops (A → C → D → H is 3 hops)', async () => {
    const h = agent('h');
    const info = await eventually('eight hosts at H', async () => {
      const i = await api(h, '/api/v1/info');
      return i.mirrored_hosts.length === 8 ? i : undefined;
    });
    const status = new Map<string, any>(info.mirrored_hosts_status.map((s: any) => [s.hostname, s]));
    assert.deepEqual(
      DEMO_NODE_NAMES.map((n) => [demoHostname(n), status.get(demoHostname(n))?.hops, status.get(demoHostname(n))?.guid]),
      DEMO_NODE_NAMES.map((n) => [demoHostname(n), expectedHopsAtH()[demoHostname(n)], agent(n).guid]),
    );
    assert.deepEqual(expectedHopsAtH(), {
      'demo-a': 3, 'demo-b': 3, 'demo-c': 2, 'demo-d': 1, 'demo-e': 2, 'demo-f': 2, 'demo-g': 2, 'demo-h': 0,
    });
    assert.ok(info.mirrored_hosts_status.every((s: any) => s.reachable), 'every host is connected');
  });

  it('H holds recent values of every host: const is 42 and counter grows by 1 a second', async () => {
    const h = agent('h');
    for (const name of DEMO_NODE_NAMES) {
      const prefix = name === 'h' ? '' : `/host/${demoHostname(name)}`;
      const rows = await eventually(`3 complete rows of ${demoHostname(name)} at H`, async () => {
        const d = await api(h, `${prefix}/api/v1/data?chart=${CHART}&after=-10&format=json`);
        const full = (d.data as number[][]).filter((r) => r[1] !== null && r[2] !== null);
        return full.length >= 3 ? { labels: d.labels as string[], rows: full } : undefined;
      });
      assert.deepEqual(rows.labels, ['time', 'const', 'counter'], demoHostname(name));
      assert.ok(rows.rows[0]![0]! >= Math.floor(Date.now() / 1000) - 5, `${demoHostname(name)}: the newest row is recent`);
      for (const row of rows.rows) assert.equal(row[1], 42, `${demoHostname(name)}: const at ${row[0]}`);
      // For its first `initial clock resync iterations` (60) a child sends BEGIN with 0 µs and
      // each receiver times the collection by its own clock, so the interpolated step is ~1.
      const step = rows.rows[0]![2]! - rows.rows[1]![2]!;
      assert.ok(Math.abs(step - 1) < 0.05, `${demoHostname(name)}: counter step ${step}`);
    }
  });

  it('C keeps A, B and itself, with A and B one hop away', async () => {
    const info = await api(agent('c'), '/api/v1/info');
    assert.deepEqual(
      info.mirrored_hosts_status.map((s: any) => [s.hostname, s.hops]).sort(),
      [['demo-a', 1], ['demo-b', 1], ['demo-c', 0]],
    );
  });

  it('D, a proxy without a database, forwards every host but keeps no history (only the few recent slots its spool is fed from)', async () => {
    const d = agent('d');
    const info = await api(d, '/api/v1/info');
    assert.deepEqual([...info.mirrored_hosts].sort(), ['demo-a', 'demo-b', 'demo-c', 'demo-d', 'demo-e', 'demo-f', 'demo-g']);
    assert.equal(info['memory-mode'], 'none');
    const data = await api(d, `/host/demo-e/api/v1/data?chart=${CHART}&after=-30&format=json`);
    assert.ok((data.data as number[][]).filter((r) => r.slice(1).some((v) => v !== null)).length <= SPOOL_RECENT_SLOTS);
  });

  /** The alarm of `prefix`'s host at H once it is WARNING. */
  function warningAlarm(prefix: string, timeoutMs: number): Promise<any> {
    return eventually(`the alarm at H${prefix}`, async () => {
      const body = await api(agent('h'), `${prefix}/api/v1/alarms?all`);
      const a = body.alarms[`${CHART}.${ALARM_NAME}`];
      return a?.status === 'WARNING' ? a : undefined;
    }, timeoutMs);
  }

  it('H raises the test alarm for itself', async () => {
    const alarm = await warningAlarm('', 10_000);
    assert.equal(alarm.value, 42);
  });

  it('H raises the alarm for a headless collector (demo-a), and for every other host it receives', async () => {
    const alarm = await warningAlarm('/host/demo-a', 15_000);
    assert.equal(alarm.value, 42);
    for (const name of DEMO_NODE_NAMES.filter((n) => n !== 'h' && n !== 'a')) {
      const other = await warningAlarm(`/host/${demoHostname(name)}`, 15_000);
      assert.equal(other.value, 42, demoHostname(name));
    }
  });

  it('C archives A, B and C to the backend; nothing of the hosts it does not keep', async () => {
    const file = join(root, 'backend', 'backend-lines.txt');
    const lines = await eventually('backend lines of demo-a, demo-b and demo-c', async () => {
      const all = readFileSync(file, 'utf8').split('\n');
      const of = (host: string) => all.filter((l) => l.startsWith(`netdata.${host}.${CHART}.const `));
      return ['demo-a', 'demo-b', 'demo-c'].every((host) => of(host).length > 0) ? all : undefined;
    }, 30_000);
    for (const host of ['demo-a', 'demo-b', 'demo-c']) {
      const line = lines.find((l) => l.startsWith(`netdata.${host}.${CHART}.const `))!;
      assert.match(line, new RegExp(`^netdata\\.${host}\\.demotest\\.values\\.const 42\\.0000000 \\d{10}$`));
    }
    const hosts = new Set(lines.filter((l) => l).map((l) => l.split('.')[1]));
    assert.deepEqual([...hosts].sort(), ['demo-a', 'demo-b', 'demo-c']);
  });

  it('each side logs the streaming lines of netdata', () => {
    assert.match(agent('a').output(), /STREAM demo-a \[send to 127\.0\.0\.1:\d+\]: established communication - sending metrics\.\.\./);
    assert.match(agent('c').output(), /STREAM demo-a \[receive from \[127\.0\.0\.1\]:\d+\]: receiving metrics\.\.\./);
    assert.match(agent('c').output(), /STREAM demo-a \[send to 127\.0\.0\.1:\d+\]: established communication - sending metrics\.\.\./);
    assert.match(agent('h').output(), new RegExp(`Host 'demo-a' with guid '${agent('a').guid}' initialized, ` +
      'os: linux, update every: 1, memory mode: ram, history entries: 600, streaming: disabled, health: enabled, '));
    // D keeps no database, so no alarms for the hosts it passes on
    assert.match(agent('d').output(), new RegExp(`Host 'demo-c' with guid '${agent('c').guid}' initialized, ` +
      'os: linux, update every: 1, memory mode: none, history entries: 600, streaming: enabled, health: disabled, '));
  });
});
