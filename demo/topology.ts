/**
 * The mix-and-match topology of netdata's streaming overview, as data: eight nodes A..H, who
 * streams to whom, and the `netdata.conf` / `stream.conf` each one runs with. Pure functions of
 * the ports and directories they are given; `nodes.ts` writes and runs them.
 *
 * ```
 *  A ─┐                       E ─┐
 *  B ─┴─> C (db, backend) ──> D (proxy, no db) <─┬─ F
 *                                │               └─ G
 *                                └──> H (db for all eight, alarms for all)
 * ```
 */
import { join } from 'node:path';

/** The one API key every receiver of the demo accepts (any `uuidgen` output does). */
export const DEMO_API_KEY = '5f0a8c2e-6b1d-4e37-9c55-2d7e1f3a9b64';

/** The nodes, in the order they are started: every receiver before its senders. */
export const DEMO_NODE_NAMES = ['h', 'd', 'c', 'a', 'b', 'e', 'f', 'g'] as const;

export type DemoNodeName = (typeof DEMO_NODE_NAMES)[number];

/** What a node is in the overview's table. */
export type DemoRole = 'headless collector' | 'proxy with db' | 'headless proxy' | 'central';

/** One node of a topology; `N` names its nodes. */
export interface NodeSpec<N extends string = string> {
  readonly name: N;
  readonly hostname: string;
  readonly role: DemoRole;
  /** `[global] memory mode`. */
  readonly memoryMode: 'none' | 'ram';
  /** Whether `[web] mode` is on (the port also takes streams). */
  readonly web: boolean;
  /** The node this one streams to (`[stream] enabled = yes`), or null. */
  readonly sendTo: N | null;
  /** Whether this node archives to the backend (`[backend] enabled = yes`). */
  readonly backend: boolean;
}

/** One node of the demo. */
export type DemoNodeSpec = NodeSpec<DemoNodeName>;

/** Nodes and the order they start in (every receiver before its senders). */
export interface Topology<N extends string = string> {
  readonly order: readonly N[];
  readonly nodes: Readonly<Record<N, NodeSpec<N>>>;
}

/** The hostname of a demo node: `demo-a` ... `demo-h`. */
export function demoHostname(name: DemoNodeName): string {
  return `demo-${name}`;
}

/** A node of `role`: headless roles keep no database, and a headless collector has no web port. */
export function nodeSpec<N extends string>(name: N, hostname: string, role: DemoRole, sendTo: N | null, backend = false): NodeSpec<N> {
  const memoryMode = role === 'headless collector' || role === 'headless proxy' ? 'none' : 'ram';
  return { name, hostname, role, memoryMode, web: role !== 'headless collector', sendTo, backend };
}

function spec(name: DemoNodeName, role: DemoRole, sendTo: DemoNodeName | null, backend = false): DemoNodeSpec {
  return nodeSpec(name, demoHostname(name), role, sendTo, backend);
}

/** The eight nodes: A, B → C → D ← E, F, G; D → H. */
export const DEMO_TOPOLOGY: Readonly<Record<DemoNodeName, DemoNodeSpec>> = Object.freeze({
  a: spec('a', 'headless collector', 'c'),
  b: spec('b', 'headless collector', 'c'),
  c: spec('c', 'proxy with db', 'd', true),
  d: spec('d', 'headless proxy', 'h'),
  e: spec('e', 'headless collector', 'd'),
  f: spec('f', 'headless collector', 'd'),
  g: spec('g', 'headless collector', 'd'),
  h: spec('h', 'central', null),
});

/** The demo as a topology. */
export const DEMO: Topology<DemoNodeName> = Object.freeze({ order: DEMO_NODE_NAMES, nodes: DEMO_TOPOLOGY });

/** The nodes that stream to `name`. */
export function sendersTo(name: string, topology: Topology = DEMO): string[] {
  return topology.order.filter((n) => topology.nodes[n]!.sendTo === name);
}

/** Where a node's files live and what it listens on. */
export interface NodePlace {
  /** The node's directory: netdata.conf, stream.conf, health.d/, cache, lib, log. */
  dir: string;
  /** Its web/stream port on 127.0.0.1; 0 for `web = none`. */
  port: number;
  /** The port its sender connects to instead of its parent's (a relay on the link); default the parent's. */
  uplinkPort?: number;
}

/** The backend a node archives to, and the agents' shared settings. */
export interface DemoSettings {
  /** Plugin directories every agent runs (quoted into `plugins directory`). */
  pluginsDirs: string[];
  /** The dashboard's files. */
  webDir: string;
  /** Stock alarms (`[directories] stock health config`). */
  stockHealthDir: string;
  updateEverySecs: number;
  historyEntries: number;
  /** The graphite line receiver C archives to. */
  backend: { host: string; port: number; updateEverySecs: number };
  /** `postpone alarms on connect seconds` for the hosts H receives (netdata's default is 60). */
  postponeAlarmsSecs: number;
  /** Senders' `reconnect delay seconds`. */
  reconnectDelaySecs: number;
}

/** The node's `netdata.conf`. */
export function netdataConf(node: NodeSpec, place: NodePlace, s: DemoSettings): string {
  const lines = [
    `# ${node.hostname}: ${node.role} (Tributary demo)`,
    '[global]',
    `\thostname = ${node.hostname}`,
    `\tmemory mode = ${node.memoryMode}`,
    `\thistory = ${s.historyEntries}`,
    `\tupdate every = ${s.updateEverySecs}`,
    `\tplugins directory = ${s.pluginsDirs.map((d) => `"${d}"`).join(' ')}`,
    `\tcache directory = ${join(place.dir, 'cache')}`,
    `\tlib directory = ${join(place.dir, 'lib')}`,
    `\tlog directory = ${join(place.dir, 'log')}`,
    `\tweb files directory = ${s.webDir}`,
    '[directories]',
    `\tstock health config = ${s.stockHealthDir}`,
    '[web]',
    ...(node.web ? ['\tbind to = 127.0.0.1', `\tdefault port = ${place.port}`] : ['\tmode = none']),
  ];
  if (node.backend) {
    lines.push('[backend]', '\tenabled = yes', '\ttype = graphite',
      `\tdestination = ${s.backend.host}:${s.backend.port}`, '\tdata source = average',
      '\tprefix = netdata', `\tupdate every = ${s.backend.updateEverySecs}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The node's `stream.conf`: `[stream]` when it sends, the API key section when it receives. */
export function streamConf(node: NodeSpec, places: Readonly<Record<string, NodePlace>>, s: DemoSettings,
  topology: Topology = DEMO): string {
  const lines = [`# ${node.hostname}: ${node.role} (Tributary demo)`];
  if (node.sendTo) {
    const port = places[node.name]!.uplinkPort ?? places[node.sendTo]!.port;
    lines.push('[stream]', '\tenabled = yes', `\tdestination = 127.0.0.1:${port}`,
      `\tapi key = ${DEMO_API_KEY}`, `\treconnect delay seconds = ${s.reconnectDelaySecs}`);
  }
  if (sendersTo(node.name, topology).length > 0) {
    lines.push(`[${DEMO_API_KEY}]`, '\ttype = api', '\tenabled = yes', '\tallow from = 127.0.0.1',
      `\tdefault memory mode = ${node.memoryMode}`, `\tdefault history = ${s.historyEntries}`);
    if (node.sendTo) lines.push('\tdefault proxy enabled = yes');
    if (node.role === 'central') {
      lines.push('\thealth enabled by default = yes',
        `\tdefault postpone alarms on connect seconds = ${s.postponeAlarmsSecs}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The hops H should report for each host: 0 for itself, and one per agent the host's data
 * passed through on the way (A → C → D → H is 3).
 */
export function expectedHopsAtH(): Record<string, number> {
  const hops: Record<string, number> = {};
  for (const name of DEMO_NODE_NAMES) {
    let n = 0;
    for (let at: DemoNodeName | null = name; at !== 'h' && at !== null; at = DEMO_TOPOLOGY[at].sendTo) n++;
    hops[demoHostname(name)] = n;
  }
  return hops;
}
