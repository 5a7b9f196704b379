/**
 * `npm run harness -- FILE [--json] [--keep DIR]`: a rehearsal of faults on loopback. Starts the
 * topology a harness file names (the demo's, or nodes in the demo's roles), puts a relay on
 * every link, injects the file's faults on their schedule (kill, pause, slow link, cut link,
 * restart), waits until every link is back and replication finished, then prints the coverage
 * ledger of every host at each top node. Exit status: 0 when no host misses a second, 2 when
 * some do (the ledger says why), 1 when the run itself failed. Progress goes to stderr, the
 * ledger to stdout. Every process started is stopped by its PID; Ctrl-C stops them too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLineCapture, type DemoBackend } from './backend.js';
import { pausedPids, runFaults, scheduleEndSecs, stopAgent } from './fault-schedule.js';
import { HarnessFileError, readHarnessFile, type HarnessPlan } from './harness-file.js';
import { formatLedgers, openGaps, readLedgers, type HostLedger } from './ledger-print.js';
import { launchAgent, REPO, STARTED_LINE, startTopology, type DemoAgent, type DemoCluster } from './nodes.js';
import { startRelay, type Relay } from './relay.js';
import type { DemoSettings } from './topology.js';

const USAGE = 'usage: node dist/demo/harness.js FILE [--json] [--keep DIR]';
/** How long a node restarted by a fault may take to be up. */
const RESTART_TIMEOUT_MS = 30_000;
/** The ledger must look complete this many polls in a row (a second apart) before it is printed. */
const SETTLED_POLLS = 3;
/** A connected host's newest entry may lag the wall clock this much (s) and still count as flowing. */
const FLOWING_LAG_SECS = 10;

interface Args { file: string; json: boolean; keep: string | null }

function parseArgs(argv: string[]): Args {
  let file: string | null = null;
  let json = false;
  let keep: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--keep') keep = argv[++i] ?? usage();
    else if (a.startsWith('-') || file !== null) usage();
    else file = a;
  }
  return { file: file ?? usage(), json, keep };
}

function usage(): never {
  process.stderr.write(`${USAGE}\n`);
  process.exit(1);
}

const log = (line: string): void => { process.stderr.write(`harness: ${line}\n`); };

function settings(plan: HarnessPlan, backendPort: number): DemoSettings {
  return {
    pluginsDirs: [plan.pluginsDir ?? join(REPO, 'plugins.d')],
    webDir: join(REPO, 'web'),
    stockHealthDir: join(REPO, 'health.d'),
    updateEverySecs: 1,
    historyEntries: plan.historyEntries,
    backend: { host: '127.0.0.1', port: backendPort, updateEverySecs: 10 },
    postponeAlarmsSecs: 60,
    reconnectDelaySecs: plan.reconnectDelaySecs,
  };
}

/** The nodes that send to nobody and have a web port: where the ledgers are read. */
function topNodes(plan: HarnessPlan): string[] {
  return plan.topology.order.filter((n) => plan.topology.nodes[n]!.sendTo === null && plan.topology.nodes[n]!.web);
}

/** The hostnames `top` should hold: itself and every node whose chain of parents reaches it. */
function hostsOf(plan: HarnessPlan, top: string): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const name of plan.topology.order) {
    const path: string[] = [];
    let at: string | null = name;
    while (at !== null && at !== top) { path.push(at); at = plan.topology.nodes[at]!.sendTo; }
    if (at === top) hosts.set(plan.topology.nodes[name]!.hostname, [...path, top]);
  }
  return hosts;
}

/** A run of the plan; `stop()` may be called at any time. */
class HarnessRun {
  readonly #plan: HarnessPlan;
  readonly #root: string;
  readonly #agents: Record<string, DemoAgent> = {};
  readonly #relays = new Map<string, Relay>();
  #cluster: DemoCluster<string> | null = null;
  #backend: DemoBackend | null = null;

  constructor(plan: HarnessPlan, root: string) {
    this.#plan = plan;
    this.#root = root;
  }

  async start(): Promise<void> {
    const plan = this.#plan;
    if (plan.topology.order.some((n) => plan.topology.nodes[n]!.backend)) {
      this.#backend = await startLineCapture(join(this.#root, 'backend'));
    }
    this.#cluster = await startTopology(plan.topology, {
      root: this.#root,
      ...settings(plan, this.#backend?.port ?? 0),
      uplink: async (node, parentPort) => {
        const relay = await startRelay(parentPort);
        this.#relays.set(node.name, relay);
        return relay.port;
      },
    }, (agent) => { this.#agents[agent.spec.name] = agent; });
    for (const name of plan.topology.order) {
      const a = this.#agents[name]!;
      log(`${a.spec.hostname.padEnd(12)} ${a.spec.role.padEnd(18)} pid ${String(a.pid).padEnd(8)} ${a.url ?? 'no web'}` +
        `${a.spec.sendTo ? ` → ${plan.topology.nodes[a.spec.sendTo]!.hostname} (relay :${this.#relays.get(name)!.port})` : ''}`);
    }
  }

  async faults(): Promise<void> {
    const startMs = Date.now();
    log(`every agent is up; ${this.#plan.faults.length} faults over ${scheduleEndSecs(this.#plan.faults)} s`);
    await runFaults(this.#plan.faults, {
      agent: (node) => this.#agents[node]!,
      relaunch: (node) => this.#relaunch(node),
      relay: (node) => this.#relays.get(node)!,
      log,
    }, startMs);
  }

  async #relaunch(node: string): Promise<DemoAgent> {
    const agent = launchAgent(this.#plan.topology.nodes[node]!, this.#cluster!.places[node]!);
    this.#agents[node] = agent;
    await agent.waitFor(STARTED_LINE, RESTART_TIMEOUT_MS);
    return agent;
  }

  /** Polls each top node's ledgers until every running host is connected and nothing is still to come. */
  async settle(): Promise<Map<string, HostLedger[]>> {
    const deadline = Date.now() + this.#plan.settleSecs * 1000;
    let good = 0;
    let ledgers = new Map<string, HostLedger[]>();
    let waitingFor = '';
    for (;;) {
      try {
        ledgers = await this.#readAll();
        waitingFor = this.#unsettled(ledgers);
      } catch (err) {
        waitingFor = err instanceof Error ? err.message : String(err);
      }
      good = waitingFor === '' ? good + 1 : 0;
      if (good >= SETTLED_POLLS) return ledgers;
      if (Date.now() > deadline) {
        log(`not settled after ${this.#plan.settleSecs} s: ${waitingFor}`);
        return ledgers;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async #readAll(): Promise<Map<string, HostLedger[]>> {
    const all = new Map<string, HostLedger[]>();
    for (const top of topNodes(this.#plan)) {
      const agent = this.#agents[top]!;
      if (!agent.isRunning()) continue;
      all.set(top, await readLedgers(agent.url!));
    }
    return all;
  }

  /** What the ledgers still wait for ('' = nothing). */
  #unsettled(ledgers: Map<string, HostLedger[]>): string {
    const nowS = Math.floor(Date.now() / 1000);
    for (const [top, list] of ledgers) {
      for (const [hostname, path] of hostsOf(this.#plan, top)) {
        if (!path.every((n) => this.#agents[n]!.isRunning())) continue;
        const l = list.find((x) => x.hostname === hostname);
        if (!l) return `${hostname} is not at ${top} yet`;
        if (!l.connected) return `${hostname} is not connected to ${top}`;
        if (openGaps(l) > 0) return `${hostname} at ${top} waits for replication`;
        if (l.last_entry === null || l.last_entry < nowS - FLOWING_LAG_SECS) return `${hostname} at ${top} has no recent data`;
      }
    }
    return '';
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.#agents).map((a) => stopAgent(a)));
    await Promise.all([...this.#relays.values()].map((r) => r.close()));
    await this.#backend?.stop();
    pausedPids.clear();
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const plan = readHarnessFile(resolve(args.file));
  const root = args.keep ? resolve(args.keep) : mkdtempSync(join(tmpdir(), 'tributary-harness-'));
  mkdirSync(root, { recursive: true });
  const run = new HarnessRun(plan, root);
  let stopping = false;
  const interrupt = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping every agent...`);
    void run.stop().finally(() => {
      if (!args.keep) rmSync(root, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));
  try {
    await run.start();
    await run.faults();
    log('faults done; waiting for every link and replication');
    const ledgers = await run.settle();
    const text = args.json ? `${JSON.stringify(Object.fromEntries(ledgers), null, '\t')}\n`
      : [...ledgers].map(([top, list]) => formatLedgers(plan.topology.nodes[top]!.hostname, list)).join('');
    await new Promise<void>((done) => process.stdout.write(text, () => done()));
    const complete = ledgers.size > 0 && [...ledgers.values()].every((list) => list.every((l) => l.totals.missing_seconds === 0));
    return complete ? 0 : 2;
  } finally {
    if (!stopping) {
      await run.stop();
      if (args.keep) log(`nodes' files and logs kept in ${root}/<node>/`);
      else rmSync(root, { recursive: true, force: true });
    }
  }
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`harness: ${err instanceof HarnessFileError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
