/**
 * Runs the demo topology: writes each node's directory (netdata.conf, stream.conf, user
 * health.d) and starts `node dist/src/main.js -c <dir>/netdata.conf -D` for it, receivers
 * before senders. Each agent's output goes to `<dir>/agent.log`. Every agent started is
 * stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO, netdataConf, streamConf, type DemoNodeName, type DemoSettings, type NodePlace, type NodeSpec, type Topology,
} from './topology.js';

/** The repository root (this file runs from dist/demo/). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The agent's command line entry. */
export const AGENT_MAIN = join(REPO, 'dist', 'src', 'main.js');

/** How long an agent may take to start before the demo gives up. */
const START_TIMEOUT_MS = 30_000;
/** After SIGTERM, how long an agent may take to stop before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** Output kept in memory per agent for `waitFor` (the whole log is in agent.log). */
const KEPT_OUTPUT_CHARS = 1 << 20;
/** The line an agent logs when every part has started. */
export const STARTED_LINE = 'self-monitoring started';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/** One running agent of the demo. */
export interface DemoAgent {
  readonly spec: NodeSpec;
  readonly place: NodePlace;
  readonly pid: number;
  /** The machine GUID the agent runs with. */
  readonly guid: string;
  /** `http://127.0.0.1:PORT/`, or null for a node without web. */
  readonly url: string | null;
  /** Its log so far (the newest 1 MiB). */
  output(): string;
  /** Resolves when the log contains `text`; rejects after `timeoutMs`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM by PID, SIGKILL after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
  /** Whether its process has not exited yet. */
  isRunning(): boolean;
  readonly exited: Promise<void>;
}

/** Everything `startDemo` needs besides the shared agent settings. */
export interface DemoOptions<N extends string = DemoNodeName> extends DemoSettings {
  /** Parent directory of the nodes' directories (`<root>/a` ... `<root>/h`). */
  root: string;
  /** Files for a node's user health.d: node → file name → content. */
  userHealth?: Partial<Record<N, Record<string, string>>>;
  /**
   * The port a sender connects to for the link from `node` to its parent (listening on
   * `parentPort`), e.g. a relay's; default the parent's port itself.
   */
  uplink?: (node: NodeSpec<N>, parentPort: number) => Promise<number>;
}

/** The running topology. */
export interface DemoCluster<N extends string = DemoNodeName> {
  readonly agents: Readonly<Record<N, DemoAgent>>;
  /** Each node's directory and ports, to start an agent of it again (`launchAgent`). */
  readonly places: Readonly<Record<N, NodePlace>>;
  /** Stops every agent by PID (all at once) and waits for each. */
  stop(): Promise<void>;
}

/**
 * Writes every node's files, then starts the agents in `DEMO_NODE_NAMES` order, each once the
 * previous one is up. `launched` is told of each agent as soon as its process exists (so a
 * caller interrupted half-way can still stop it). On a failure every agent started is stopped.
 */
export function startDemo(options: DemoOptions, launched?: (agent: DemoAgent) => void): Promise<DemoCluster> {
  return startTopology(DEMO, options, launched);
}

/** `startDemo` for any topology of the demo's roles. */
export async function startTopology<N extends string>(topology: Topology<N>, options: DemoOptions<N>,
  launched?: (agent: DemoAgent) => void): Promise<DemoCluster<N>> {
  const places = {} as Record<N, NodePlace>;
  for (const name of topology.order) {
    places[name] = { dir: join(options.root, name), port: topology.nodes[name].web ? await freePort() : 0 };
  }
  for (const name of topology.order) {
    const sendTo = topology.nodes[name].sendTo;
    if (sendTo && options.uplink) places[name].uplinkPort = await options.uplink(topology.nodes[name], places[sendTo].port);
  }
  for (const name of topology.order) writeNode(topology, topology.nodes[name], places, options);
  const agents: Partial<Record<N, DemoAgent>> = {};
  const stopAll = async (): Promise<void> => {
    await Promise.all(Object.values<DemoAgent | undefined>(agents).map((a) => a?.stop()));
  };
  try {
    for (const name of topology.order) {
      const agent = launchAgent(topology.nodes[name], places[name]);
      agents[name] = agent;
      launched?.(agent);
      await agent.waitFor(STARTED_LINE, START_TIMEOUT_MS);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { agents: agents as Record<N, DemoAgent>, places, stop: stopAll };
}

function writeNode<N extends string>(topology: Topology<N>, node: NodeSpec<N>, places: Readonly<Record<N, NodePlace>>,
  options: DemoOptions<N>): void {
  const { dir } = places[node.name];
  mkdirSync(join(dir, 'health.d'), { recursive: true });
  writeFileSync(join(dir, 'netdata.conf'), netdataConf(node, places[node.name], options));
  writeFileSync(join(dir, 'stream.conf'), streamConf(node, places, options, topology));
  for (const [file, text] of Object.entries(options.userHealth?.[node.name] ?? {})) {
    writeFileSync(join(dir, 'health.d', file), text);
  }
}

/**
 * Starts the agent of a node whose files `startTopology` wrote (again, after it was stopped or
 * killed: same directory, GUID and port). Resolves nothing: wait for it with `waitFor`.
 */
export function launchAgent(spec: NodeSpec, place: NodePlace): DemoAgent {
  const child: ChildProcess = spawn(process.execPath, [AGENT_MAIN, '-c', join(place.dir, 'netdata.conf'), '-D'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(place.dir, 'agent.log'), { flags: 'a' });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    // 'exit' can come before the last chunks of the pipes: what arrives after the log ended is kept in `out` only.
    if (!log.writableEnded) log.write(chunk);
    out = (out + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('close', () => log.end());
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const pid = child.pid ?? 0;
  return {
    spec, place, pid, exited,
    get guid() { return readGuid(place.dir); },
    url: spec.web ? `http://127.0.0.1:${place.port}/` : null,
    output: () => out,
    isRunning: running,
    waitFor(text, timeoutMs = START_TIMEOUT_MS) {
      const found = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
      return new Promise((ok, fail) => {
        const done = (err?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) fail(err); else ok();
        };
        const check = (): void => {
          if (found()) done();
          else if (!running()) done(new Error(`${spec.hostname} exited; its log:\n${out.slice(-4000)}`));
        };
        const timer = setTimeout(() => done(new Error(
          `${spec.hostname}: timed out waiting for ${String(text)}; its log:\n${out.slice(-4000)}`)), timeoutMs);
        waiters.add(check);
        child.once('exit', check);
        check();
      });
    },
    async stop() {
      if (!running() || pid === 0) return;
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => { if (running()) process.kill(pid, 'SIGKILL'); }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readGuid(dir: string): string {
  try {
    return readFileSync(join(dir, 'lib', 'registry', 'netdata.public.unique.id'), 'utf8').trim();
  } catch {
    return '';
  }
}
