/**
 * The fault harness's input: a small JSON file naming a topology in the demo's terms (the demo
 * itself, or nodes with a demo role and the node each streams to) and the faults to inject on
 * a schedule. Read once, checked whole; every error names the file and the field.
 *
 * ```json
 * { "topology": "demo",
 *   "faults": [ { "at": 20, "fault": "restart", "node": "h" } ] }
 * ```
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEMO, nodeSpec, type DemoRole, type NodeSpec, type Topology } from './topology.js';

/** What a fault does to its node (`slow` and `cut` act on the link from the node to its parent). */
export type FaultKind = 'kill' | 'pause' | 'slow' | 'cut' | 'restart';

/** One scheduled fault. */
export interface Fault {
  /** Seconds after every agent is up. */
  readonly atSecs: number;
  readonly kind: FaultKind;
  readonly node: string;
  /**
   * How long it lasts: `pause`, `slow`, `cut` until it is undone; `kill` and `restart` until the
   * agent starts again (a `kill` without it stays down; a `restart` defaults to at once).
   */
  readonly seconds: number | null;
  /** `slow`: the delay added to every byte of the link, both ways. */
  readonly delayMs: number;
}

/** A checked harness file. */
export interface HarnessPlan {
  readonly file: string;
  readonly topology: Topology;
  readonly faults: readonly Fault[];
  /** The bundled plugins (null), or a plugins directory. */
  readonly pluginsDir: string | null;
  readonly historyEntries: number;
  readonly reconnectDelaySecs: number;
  /** Most seconds to wait, after the last fault ended, for every link and replication to finish. */
  readonly settleSecs: number;
}

/** A harness file that cannot be run: names the file and what is wrong. */
export class HarnessFileError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'HarnessFileError';
  }
}

export const MAX_FILE_BYTES = 64 * 1024;
export const MAX_NODES = 32;
export const MAX_FAULTS = 200;
/** No time in a file may pass a day. */
export const MAX_SECONDS = 86_400;
export const MAX_DELAY_MS = 60_000;
export const DEFAULT_SLOW_DELAY_MS = 500;
export const DEFAULT_HISTORY_ENTRIES = 3600;
export const DEFAULT_RECONNECT_DELAY_SECS = 1;
export const DEFAULT_SETTLE_SECS = 120;

const ROLES: readonly DemoRole[] = ['headless collector', 'proxy with db', 'headless proxy', 'central'];
const KINDS: readonly FaultKind[] = ['kill', 'pause', 'slow', 'cut', 'restart'];
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const TOP_KEYS = ['topology', 'nodes', 'faults', 'plugins', 'history', 'reconnect_delay_seconds', 'settle_seconds'];
const NODE_KEYS = ['name', 'hostname', 'role', 'send_to', 'backend'];
const FAULT_KEYS = ['at', 'fault', 'node', 'seconds', 'delay_ms'];

type Json = Record<string, unknown>;

/** Reads and checks `file`; throws `HarnessFileError`. */
export function readHarnessFile(file: string): HarnessPlan {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new HarnessFileError(file, `larger than ${MAX_FILE_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof HarnessFileError) throw err;
    throw new HarnessFileError(file, `cannot read it: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new HarnessFileError(file, `not JSON: ${(err as Error).message}`);
  }
  return parsePlan(file, doc);
}

/** Checks a parsed harness document (`file` names it in errors; relative plugin paths start beside it). */
export function parsePlan(file: string, doc: unknown): HarnessPlan {
  const fail = (message: string): never => { throw new HarnessFileError(file, message); };
  const top = object(doc, 'the file', fail);
  unknownKeys(top, TOP_KEYS, 'the file', fail);
  const topology = readTopology(top, fail);
  const faults = list(top.faults ?? [], 'faults', MAX_FAULTS, fail).map((f, i) => readFault(f, `faults[${i}]`, topology, fail));
  const plugins = top.plugins ?? 'bundled';
  if (typeof plugins !== 'string' || plugins === '') fail('plugins: "bundled" or a directory');
  return {
    file,
    topology,
    faults: [...faults].sort((a, b) => a.atSecs - b.atSecs),
    pluginsDir: plugins === 'bundled' ? null : resolve(dirname(file), plugins as string),
    historyEntries: integer(top.history, 'history', 5, MAX_SECONDS, DEFAULT_HISTORY_ENTRIES, fail),
    reconnectDelaySecs: integer(top.reconnect_delay_seconds, 'reconnect_delay_seconds', 1, 600, DEFAULT_RECONNECT_DELAY_SECS, fail),
    settleSecs: integer(top.settle_seconds, 'settle_seconds', 1, MAX_SECONDS, DEFAULT_SETTLE_SECS, fail),
  };
}

function readTopology(top: Json, fail: (m: string) => never): Topology {
  if (top.topology !== undefined && top.nodes !== undefined) fail('give "topology" or "nodes", not both');
  if (top.nodes === undefined) {
    if (top.topology !== undefined && top.topology !== 'demo') fail('topology: only "demo" is known (or give "nodes")');
    return DEMO;
  }
  const nodes: Record<string, NodeSpec> = {};
  list(top.nodes, 'nodes', MAX_NODES, fail).forEach((n, i) => {
    const where = `nodes[${i}]`;
    const o = object(n, where, fail);
    unknownKeys(o, NODE_KEYS, where, fail);
    const name = o.name;
    if (typeof name !== 'string' || !NAME.test(name)) fail(`${where}.name: 1-32 of a-z, 0-9 and '-'`);
    if (Object.hasOwn(nodes, name as string)) fail(`${where}.name: "${name}" is named twice`);
    const hostname = o.hostname ?? name;
    if (typeof hostname !== 'string' || !NAME.test(hostname)) fail(`${where}.hostname: 1-32 of a-z, 0-9 and '-'`);
    if (!ROLES.includes(o.role as DemoRole)) fail(`${where}.role: one of ${ROLES.map((r) => `"${r}"`).join(', ')}`);
    const sendTo = o.send_to ?? null;
    if (sendTo !== null && typeof sendTo !== 'string') fail(`${where}.send_to: a node's name`);
    if (o.backend !== undefined) fail(`${where}.backend: the harness runs no backend`);
    nodes[name as string] = nodeSpec(name as string, hostname as string, o.role as DemoRole, sendTo as string | null);
  });
  return { order: startOrder(nodes, fail), nodes };
}

/** Receivers before their senders; every `send_to` a node with a web port; no loop. */
function startOrder(nodes: Record<string, NodeSpec>, fail: (m: string) => never): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (name: string, path: string[]): void => {
    if (placed.has(name)) return;
    if (path.includes(name)) fail(`nodes: ${[...path, name].join(' → ')} streams in a loop`);
    const to = nodes[name]!.sendTo;
    if (to !== null) {
      const parent = nodes[to];
      if (!parent) fail(`nodes: "${name}" sends to "${to}", which is not a node`);
      if (!parent!.web) fail(`nodes: "${name}" sends to "${to}", a headless collector, which takes no streams`);
      place(to, [...path, name]);
    }
    placed.add(name);
    order.push(name);
  };
  for (const name of Object.keys(nodes)) place(name, []);
  if (order.length === 0) fail('nodes: none given');
  if (!order.some((n) => nodes[n]!.sendTo === null && nodes[n]!.web)) fail('nodes: no top node with a web port to read the ledger from');
  return order;
}

function readFault(f: unknown, where: string, topology: Topology, fail: (m: string) => never): Fault {
  const o = object(f, where, fail);
  unknownKeys(o, FAULT_KEYS, where, fail);
  const kind = o.fault as FaultKind;
  if (!KINDS.includes(kind)) fail(`${where}.fault: one of ${KINDS.map((k) => `"${k}"`).join(', ')}`);
  const node = o.node;
  if (typeof node !== 'string' || !Object.hasOwn(topology.nodes, node)) fail(`${where}.node: "${String(node)}" is not a node of the topology`);
  if ((kind === 'slow' || kind === 'cut') && topology.nodes[node as string]!.sendTo === null) {
    fail(`${where}: "${node}" sends to no parent, so it has no link to ${kind}`);
  }
  const lasting = kind === 'pause' || kind === 'slow' || kind === 'cut';
  if (lasting && o.seconds === undefined) fail(`${where}.seconds: how long the ${kind} lasts`);
  const seconds = o.seconds === undefined ? (kind === 'restart' ? 0 : null)
    : integer(o.seconds, `${where}.seconds`, 0, MAX_SECONDS, 0, fail);
  if (o.delay_ms !== undefined && kind !== 'slow') fail(`${where}.delay_ms: only for "slow"`);
  return {
    atSecs: integer(o.at, `${where}.at`, 0, MAX_SECONDS, -1, fail),
    kind,
    node: node as string,
    seconds,
    delayMs: integer(o.delay_ms, `${where}.delay_ms`, 1, MAX_DELAY_MS, DEFAULT_SLOW_DELAY_MS, fail),
  };
}

function object(v: unknown, where: string, fail: (m: string) => never): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where}: expected an object`);
  return v as Json;
}

function list(v: unknown, where: string, max: number, fail: (m: string) => never): unknown[] {
  if (!Array.isArray(v)) fail(`${where}: expected a list`);
  if ((v as unknown[]).length > max) fail(`${where}: at most ${max}`);
  return v as unknown[];
}

function unknownKeys(o: Json, known: readonly string[], where: string, fail: (m: string) => never): void {
  for (const key of Object.keys(o)) if (!known.includes(key)) fail(`${where}: unknown key "${key}" (known: ${known.join(', ')})`);
}

/** An integer in [min, max]; `fallback` when absent (-1 = required). */
function integer(v: unknown, where: string, min: number, max: number, fallback: number, fail: (m: string) => never): number {
  if (v === undefined) {
    if (fallback < 0) fail(`${where}: required`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${where}: an integer from ${min} to ${max}`);
  return v as number;
}
