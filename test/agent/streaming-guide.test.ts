/**
 * Every example of docs/streaming.md, run as its "On one machine" section tells a reader to: the
 * blocks marked `<!-- try: EXAMPLE NODE FILE -->` are taken as written; each agent gets a
 * directory of its own with the guide's one-machine block at the end of its `netdata.conf` (this
 * repository for `/path/to/tributary`, a free port of 127.0.0.1 for 19999); every address becomes
 * 127.0.0.1 (a destination the port of the agent or backend it names, `allow from` 127.0.0.1);
 * parents start first, as `node dist/src/main.js -c DIR/netdata.conf -D`. Each example must
 * stream: the parent shows every child's host with the values of its plugins, at its hops.
 * Every agent is stopped by its PID; its directory is removed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLineCapture, type DemoBackend } from '../../demo/backend.js';
import { eventually, freePort, REPO, startAgent, type RunningAgent } from '../support/agent-process.js';

/** The guide's blocks by `EXAMPLE NODE FILE`, each without the indentation of its fence. */
function guideBlocks(): Map<string, string> {
  const text = readFileSync(join(REPO, 'docs', 'streaming.md'), 'utf8');
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(/^([ \t]*)<!-- try: (\S+) (\S+) (\S+) -->\n\1```\n([\s\S]*?)\n\1```$/gm)) {
    const indent = m[1]!;
    blocks.set(`${m[2]} ${m[3]} ${m[4]}`, m[5]!.split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n') + '\n');
  }
  return blocks;
}

const BLOCKS = guideBlocks();

function block(example: string, node: string, file: string): string {
  const text = BLOCKS.get(`${example} ${node} ${file}`);
  if (text === undefined) throw new Error(`docs/streaming.md has no block marked 'try: ${example} ${node} ${file}'`);
  return text;
}

/** One agent of an example: its two files as the guide gives them, and the address it has there. */
interface GuideNode {
  name: string;
  netdataConf: string;
  streamConf: string;
  /** The address the guide gives it (the agents streaming to it name it); none for a headless collector. */
  address?: string;
}

interface Started {
  agent: RunningAgent;
  dir: string;
  port: number;
}

const running: Started[] = [];
const backends: Array<{ backend: DemoBackend; dir: string }> = [];

after(async () => {
  await Promise.all([...running].map(stopAgent));
  for (const b of backends) {
    await b.backend.stop();
    rmSync(b.dir, { recursive: true, force: true });
  }
});

async function stopAgent(s: Started): Promise<void> {
  const { child } = s.agent;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => s.agent.kill(), 15_000);
    await s.agent.exited;
    clearTimeout(timer);
  }
  rmSync(s.dir, { recursive: true, force: true });
  running.splice(running.indexOf(s), 1);
}

/** Step 2 of "On one machine": every `ADDRESS:PORT` to 127.0.0.1 and its port here, `allow from` to 127.0.0.1. */
function onOneMachine(text: string, ports: ReadonlyMap<string, number>): string {
  return text
    .replace(/\b(\d+\.\d+\.\d+\.\d+):\d+\b/g, (whole, address: string) => {
      const port = ports.get(address);
      if (port === undefined) throw new Error(`the example names ${whole}, which is none of its agents`);
      return `127.0.0.1:${port}`;
    })
    .replace(/^(\s*allow from = ).*\d.*$/gm, '$1127.0.0.1');
}

/**
 * Runs an example: ports for the agents with an address (and `backends`), the files written as
 * the guide says, parents (the agents with an address) started first. Resolves with each
 * agent's port (0 without a web port of its own).
 */
async function runExample(nodes: GuideNode[], backendPorts: ReadonlyMap<string, number> = new Map()): Promise<Map<string, number>> {
  const ports = new Map<string, number>(backendPorts);
  const own = new Map<string, number>();
  for (const node of nodes) {
    const port = await freePort();
    own.set(node.name, port);
    if (node.address) ports.set(node.address, port);
  }
  const oneMachine = block('one-machine', 'all', 'netdata.conf');
  const ordered = [...nodes.filter((n) => n.address), ...nodes.filter((n) => !n.address)];
  for (const node of ordered) {
    const dir = mkdtempSync(join(tmpdir(), `tributary-guide-${node.name}-`));
    const tail = oneMachine.replaceAll('/path/to/tributary', REPO).replace(/default port = 19999/, `default port = ${own.get(node.name)}`);
    writeFileSync(join(dir, 'netdata.conf'), onOneMachine(node.netdataConf, ports) + tail);
    writeFileSync(join(dir, 'stream.conf'), onOneMachine(node.streamConf, ports));
    const agent = startAgent(['-c', join(dir, 'netdata.conf'), '-D'], node.name);
    running.push({ agent, dir, port: own.get(node.name)! });
    if (node.address) await eventually(`${node.name} answering`, () => api(own.get(node.name)!, '/api/v1/info'), 30_000);
  }
  return own;
}

async function api(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** Waits until the agent on `port` has `hostname` connected at `hops`, with values of system.cpu in its last seconds. */
async function streams(port: number, hostname: string, hops: number): Promise<void> {
  await eventually(`${hostname} streaming to the agent on port ${port}`, async () => {
    const info = await api(port, '/api/v1/info');
    const status = (info.mirrored_hosts_status as Array<{ hostname: string; reachable: boolean; hops: number }>)
      .find((h) => h.hostname === hostname);
    if (!status?.reachable) return undefined;
    assert.equal(status.hops, hops, `${hostname}'s hops`);
    const data = await api(port, `/host/${hostname}/api/v1/data?chart=system.cpu&after=-5&format=json`);
    return data.data.some((row: Array<number | null>) => row.slice(1).some((v) => v !== null)) ? true : undefined;
  }, 60_000);
}

async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stopAgent));
}

const headlessChild = (): GuideNode => ({
  name: 'web-01', netdataConf: block('headless', 'child', 'netdata.conf'), streamConf: block('headless', 'child', 'stream.conf'),
});
const headlessParent = (address: string, streamConf = block('headless', 'parent', 'stream.conf')): GuideNode => ({
  name: 'parent', netdataConf: block('headless', 'parent', 'netdata.conf'),
  streamConf, address,
});

describe('docs/streaming.md, every example on one machine', () => {
  it('headless collector: the child streams to its parent', async () => {
    const ports = await runExample([headlessChild(), headlessParent('10.11.12.1')]);
    await streams(ports.get('parent')!, 'web-01', 1);
    await stopAll();
  });

  it('database replication: the child keeps its own database and streams to its parent', async () => {
    const child: GuideNode = {
      name: 'db-01', netdataConf: block('database', 'child', 'netdata.conf'), streamConf: block('headless', 'child', 'stream.conf'),
    };
    const ports = await runExample([child, headlessParent('10.11.12.1', block('database', 'parent', 'stream.conf'))]);
    await streams(ports.get('parent')!, 'db-01', 1);
    const own = await api(ports.get('db-01')!, '/api/v1/data?chart=system.cpu&after=-5&format=json');
    assert.ok(own.data.length > 0, 'the child serves its own charts');
    await stopAll();
  });

  it('headless proxy: a child streams through the proxy to the parent', async () => {
    const proxy: GuideNode = {
      name: 'dmz-proxy', netdataConf: block('proxy', 'proxy', 'netdata.conf'), streamConf: block('proxy', 'proxy', 'stream.conf'),
      address: '10.11.12.1',
    };
    const ports = await runExample([headlessChild(), proxy, headlessParent('10.20.0.1')]);
    await streams(ports.get('parent')!, 'dmz-proxy', 1);
    await streams(ports.get('parent')!, 'web-01', 2);
    await stopAll();
  });

  it('mix and match: A -> C (backend) -> D <- E, D -> H', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-guide-backend-'));
    const capture = await startLineCapture(dir);
    backends.push({ backend: capture, dir });
    const collector = (hostname: string, destination: string): GuideNode => ({
      name: hostname,
      netdataConf: block('mix', 'a', 'netdata.conf').replace('hostname = demo-a', `hostname = ${hostname}`),
      streamConf: block('mix', 'a', 'stream.conf').replace('destination = 10.0.1.3:19999', `destination = ${destination}`),
    });
    const agent = (name: string, address: string): GuideNode => ({
      name, netdataConf: block('mix', name, 'netdata.conf'), streamConf: block('mix', name, 'stream.conf'), address,
    });
    const ports = await runExample([
      collector('demo-a', '10.0.1.3:19999'), collector('demo-e', '10.0.2.4:19999'),
      agent('c', '10.0.1.3'), agent('d', '10.0.2.4'), agent('h', '10.0.3.8'),
    ], new Map([['10.0.9.9', capture.port]]));
    const h = ports.get('h')!;
    await streams(h, 'demo-d', 1);
    await streams(h, 'demo-c', 2);
    await streams(h, 'demo-e', 2);
    await streams(h, 'demo-a', 3);
    await eventually('C archiving A to its backend', async () =>
      (readFileSync(capture.where, 'utf8').match(/^netdata\.demo-a\.system\.cpu\./m) ? true : undefined), 60_000);
    await stopAll();
  });
});
