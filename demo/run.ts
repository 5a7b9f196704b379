/**
 * `npm run demo`: the mix-and-match setup of netdata's streaming overview on one machine.
 * A, B (headless collectors) → C (database, archives to a backend every 10 s) → D (proxy
 * without a database, also receiving the headless E, F, G) → H (database and alarms for all
 * eight hosts). Every agent runs the bundled plugins; everything lives under `var/demo/`.
 * Ctrl-C (SIGINT) or SIGTERM stops every process it started, by PID.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBackend, type DemoBackend } from './backend.js';
import { REPO, startDemo, type DemoAgent, type DemoCluster } from './nodes.js';
import { DEMO_NODE_NAMES, DEMO_TOPOLOGY, type DemoSettings } from './topology.js';

/** Where the demo keeps its nodes' directories (kept between runs: the GUIDs stay the same). */
const DEMO_ROOT = join(REPO, 'var', 'demo');
/** Backend detail, as in the overview's example: C archives every 10 seconds. */
const BACKEND_UPDATE_EVERY_SECS = 10;

function settings(backend: DemoBackend): DemoSettings {
  return {
    pluginsDirs: [join(REPO, 'plugins.d')],
    webDir: join(REPO, 'web'),
    stockHealthDir: join(REPO, 'health.d'),
    updateEverySecs: 1,
    historyEntries: 3600,
    backend: { host: '127.0.0.1', port: backend.port, updateEverySecs: BACKEND_UPDATE_EVERY_SECS },
    postponeAlarmsSecs: 60,
    reconnectDelaySecs: 5,
  };
}

function banner(cluster: DemoCluster, backend: DemoBackend): string {
  const a = cluster.agents;
  const rows = DEMO_NODE_NAMES.map((name) => {
    const agent = a[name];
    const spec = DEMO_TOPOLOGY[name];
    const to = spec.sendTo ? `→ ${DEMO_TOPOLOGY[spec.sendTo].hostname}` : '';
    return `  ${spec.hostname}  ${spec.role.padEnd(18)} pid ${String(agent.pid).padEnd(7)} ` +
      `${(agent.url ?? 'no web').padEnd(24)} ${to}`;
  });
  return [
    '',
    'Tributary demo: eight agents streaming on 127.0.0.1',
    ...rows.sort(),
    '',
    `  H, every host (use the host menu): ${a.h.url}`,
    `  C, A + B + C with a database:       ${a.c.url}`,
    `  D, the proxy (no database):         ${a.d.url}api/v1/info`,
    `  backend: ${backend.description}`,
    `           ${backend.where}`,
    `  logs:    ${DEMO_ROOT}/<a..h>/agent.log`,
    '',
    'Press Ctrl-C to stop every agent.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  mkdirSync(DEMO_ROOT, { recursive: true });
  const backend = await startBackend(join(DEMO_ROOT, 'backend'));
  const started: DemoAgent[] = [];
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping every agent...\n`);
    await Promise.all(started.map((agent) => agent.stop()));
    await backend.stop();
    process.stdout.write('stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => { void stop('SIGINT'); });
  process.on('SIGTERM', () => { void stop('SIGTERM'); });
  let cluster: DemoCluster;
  try {
    cluster = await startDemo({ root: DEMO_ROOT, ...settings(backend) }, (agent) => started.push(agent));
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    await backend.stop();
    process.exit(1);
  }
  if (stopping) return;
  process.stdout.write(banner(cluster, backend));
}

void main();
