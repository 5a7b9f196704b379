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
  DEMO_NODE_NAMES, DEMO_TOPOLOGY, netdataConf, streamConf,
  type DemoNodeName, type DemoNodeSpec, type DemoSettings, type NodePlace,
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
const STARTED_LINE = 'self-monitoring started';

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
  readonly spec: DemoNodeSpec;
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
  readonly exited: Promise<void>;
}

/** Everything `startDemo` needs besides the shared agent settings. */
export interface DemoOptions extends DemoSettings {
  /** Parent directory of the nodes' directories (`<root>/a` ... `<root>/h`). */
  root: string;
  /** Files for a node's user health.d: node → file name → content. */
  userHealth?: Partial<Record<DemoNodeName, Record<string, string>>>;
}

/** The running topology. */
export interface DemoCluster {
  readonly agents: Readonly<Record<DemoNodeName, DemoAgent>>;
  /** Stops every agent by PID (all at once) and waits for each. */
  stop(): Promise<void>;
}

/**
 * Writes every node's files, then starts the agents in `DEMO_NODE_NAMES` order, each once the
 * previous one is up. `launched` is told of each agent as soon as its process exists (so a
 * caller interrupted half-way can still stop it). On a failure every agent started is stopped.
 */
export async function startDemo(options: DemoOptions, launched?: (agent: DemoAgent) => void): Promise<DemoCluster> {
  const places = {} as Record<DemoNodeName, NodePlace>;
  for (const name of DEMO_NODE_NAMES) {
    places[name] = { dir: join(options.root, name), port: DEMO_TOPOLOGY[name].web ? await freePort() : 0 };
  }
  for (const name of DEMO_NODE_NAMES) writeNode(DEMO_TOPOLOGY[name], places, options);
  const agents: Partial<Record<DemoNodeName, DemoAgent>> = {};
  const stopAll = async (): Promise<void> => {
    await Promise.all(Object.values(agents).map((a) => a.stop()));
  };
  try {
    for (const name of DEMO_NODE_NAMES) {
      const agent = launch(DEMO_TOPOLOGY[name], places[name]);
      agents[name] = agent;
      launched?.(agent);
      await agent.waitFor(STARTED_LINE, START_TIMEOUT_MS);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { agents: agents as Record<DemoNodeName, DemoAgent>, stop: stopAll };
}

function writeNode(node: DemoNodeSpec, places: Readonly<Record<DemoNodeName, NodePlace>>, options: DemoOptions): void {
  const { dir } = places[node.name];
  mkdirSync(join(dir, 'health.d'), { recursive: true });
  writeFileSync(join(dir, 'netdata.conf'), netdataConf(node, places[node.name], options));
  writeFileSync(join(dir, 'stream.conf'), streamConf(node, places, options));
  for (const [file, text] of Object.entries(options.userHealth?.[node.name] ?? {})) {
    writeFileSync(join(dir, 'health.d', file), text);
  }
}

function launch(spec: DemoNodeSpec, place: NodePlace): DemoAgent {
  const child: ChildProcess = spawn(process.execPath, [AGENT_MAIN, '-c', join(place.dir, 'netdata.conf'), '-D'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(place.dir, 'agent.log'), { flags: 'a' });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    out = (out + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((ok) => child.once('exit', () => { log.end(); ok(); }));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const pid = child.pid ?? 0;
  return {
    spec, place, pid, exited,
    get guid() { return readGuid(place.dir); },
    url: spec.web ? `http://127.0.0.1:${place.port}/` : null,
    output: () => out,
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
