/**
 * Functions through the stream with Debian's netdata 1.37 on 127.0.0.1, in every role. A netdata
 * child running its own apps.plugin streams into a Tributary parent, which calls `processes`
 * through the link and gets the child's table. A netdata proxy passes a Tributary parent's calls
 * down to a Tributary child and the answers up. A Tributary child streams into a netdata parent,
 * which lists the child's functions; 1.37 answers function calls to its cloud link only (403
 * over HTTP), so a relay between the two captures the link and writes a call down it exactly as
 * 1.37's parent writes one (`pluginsd_execute_function_callback`): the child's answer goes up
 * on the same link, netdata reads it as a function result and the link goes on. Skipped, with
 * the reason, when netdata is not installed.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { API_KEY, eventually, freePort, removeAllNodes, startNode } from './nodes.js';
import { netdataMissing, startNetdata, stopAllNetdata } from './netdata.js';

const missing = netdataMissing();
if (missing) console.log(`# skipping the netdata functions tests: ${missing}`);

const relays = new Set<net.Server>();
after(async () => {
  await removeAllNodes();
  await stopAllNetdata();
  for (const server of relays) server.close();
});

/** A TCP relay to `port` that records both directions and can write into the parent → child one. */
interface Relay {
  port: number;
  /** Bytes from the child (child → parent), as text. */
  up(): string;
  /** Bytes from the parent (parent → child), as text. */
  down(): string;
  /** Writes `text` to the child as if the parent had sent it. */
  inject(text: string): void;
  connections(): number;
}

async function relayTo(port: number): Promise<Relay> {
  let up = '';
  let down = '';
  let toChild: net.Socket | null = null;
  let connections = 0;
  const server = net.createServer((child) => {
    connections++;
    toChild = child;
    const parent = net.connect(port, '127.0.0.1');
    child.on('data', (d) => { up += d.toString('latin1'); parent.write(d); });
    parent.on('data', (d) => { down += d.toString('latin1'); child.write(d); });
    const close = () => { child.destroy(); parent.destroy(); };
    for (const s of [child, parent]) { s.on('error', close); s.on('close', close); }
  });
  relays.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    up: () => up,
    down: () => down,
    inject: (text) => { down += text; toChild?.write(text); },
    connections: () => connections,
  };
}

async function call(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('functions through the stream with netdata 1.37', { skip: missing ?? false, concurrency: true }, () => {
  it('a Tributary parent calls `processes` of a netdata child\'s apps.plugin through the link', async () => {
    const parent = await startNode({ hostname: 'p-nd-fn', plugin: false });
    const nd = startNetdata({
      hostname: 'nd-fn-child',
      port: await freePort(),
      alsoOn: ['apps'],
      streamConf: `[stream]\n\tenabled = yes\n\tdestination = 127.0.0.1:${parent.port}\n\tapi key = ${API_KEY}\n`,
    });
    const fns = await eventually('processes announced by the netdata child', async () => {
      const f = await parent.api('/host/nd-fn-child/api/v1/functions');
      return f.processes ? f : undefined;
    }, 40_000);
    assert.deepEqual(fns.processes, {
      help: 'Detailed information on the currently running processes on this node', timeout: 10, options: 'LOCAL ',
    });
    assert.match(parent.output(), /STREAM nd-fn-child \[receive from \[127\.0\.0\.1\]:\d+\]: established link with negotiated capabilities: .*FUNCTIONS /);
    // listed with every chart the child registered it with, as the child lists it
    const withProcesses = (charts: any) => Object.keys(charts.charts).filter((id) => charts.charts[id].functions?.processes).sort();
    const same = await eventually('the same charts with processes at the parent', async () => {
      const [atChild, atParent] = await Promise.all([nd.api('/api/v1/charts'), parent.api('/host/nd-fn-child/api/v1/charts')]);
      const ids = withProcesses(atChild);
      return JSON.stringify(withProcesses(atParent)) === JSON.stringify(ids) ? ids : undefined;
    }, 20_000);
    assert.ok(same.length > 1, `${same.length} charts of apps.plugin carry the function`);

    const r = await call(parent.port, '/host/nd-fn-child/api/v1/function?function=processes');
    assert.equal(r.status, 200, r.body.slice(0, 300));
    assert.equal(r.type, 'application/json');
    const table = JSON.parse(r.body);
    assert.equal(table.status, 200);
    assert.equal(table.type, 'table');
    const columns = table.columns as Record<string, { index: number; name: string; type: string }>;
    assert.deepEqual([columns.Pid?.name, columns.Pid?.type], ['Process ID', 'integer']);
    assert.equal(table.data[0].length, Object.keys(columns).length, 'a cell per column');
    const netdata = table.data.find((row: unknown[]) => Number(row[columns.Pid.index]) === nd.child.pid);
    assert.ok(netdata, 'the child\'s table lists the netdata child itself');
    assert.equal(netdata[columns.Cmd.index], 'netdata');

    const help = await call(parent.port, '/host/nd-fn-child/api/v1/function?function=processes%20help');
    assert.equal(help.status, 200, 'arguments go down to the plugin');
    assert.match(help.body, /apps\.plugin/);
  });

  it('a call from a Tributary parent goes down a netdata 1.37 proxy to a Tributary child, and the answer comes up', async () => {
    const top = await startNode({ hostname: 'p-top-ndpx', plugin: false });
    const nd = startNetdata({
      hostname: 'nd-fn-proxy',
      port: await freePort(),
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\thealth enabled by default = no\n` +
        `\tdefault proxy enabled = yes\n\tdefault proxy destination = 127.0.0.1:${top.port}\n\tdefault proxy api key = ${API_KEY}\n`,
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const child = await startNode({
      hostname: 'c-fn-ndpx', plugin: false, fixturePlugins: ['functions.plugin'],
      sendTo: { destination: `127.0.0.1:${nd.port}` },
      extraConf: '[plugin:functions]\n\tcommand options = local\n',
    });
    const fns = await eventually('the child\'s functions at the top, through netdata', async () => {
      const f = await top.api('/host/c-fn-ndpx/api/v1/functions');
      return f['fn-fast'] && f['fn-slow'] ? f : undefined;
    }, 40_000);
    assert.deepEqual(fns['fn-fast'], { help: 'answers at once', timeout: 5, options: 'LOCAL ' });
    const r = await call(top.port, '/host/c-fn-ndpx/api/v1/function?function=fn-fast%20via%20netdata&timeout=4');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { status: 200, echo: 'fn-fast via netdata', timeout: 4 });
    const slow = await call(top.port, '/host/c-fn-ndpx/api/v1/function?function=fn-slow');
    assert.equal(slow.status, 200);
    assert.equal(slow.type, 'text/plain');
    assert.match(slow.body, /^slow answer\nfor fn-slow\n/);
    await child.stop();
  });

  it('a netdata parent lists a Tributary child\'s functions, and a call written down the link as 1.37 writes it is answered up', async () => {
    const nd = startNetdata({
      hostname: 'nd-fn-parent',
      port: await freePort(),
      streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\thealth enabled by default = no\n`,
    });
    await eventually('netdata answering', () => nd.api('/api/v1/info'), 30_000);
    const relay = await relayTo(nd.port);
    const child = await startNode({
      hostname: 'c-fn-nd', plugin: false, fixturePlugins: ['functions.plugin'],
      sendTo: { destination: `127.0.0.1:${relay.port}`, extra: '\tenable compression = no\n' },
      extraConf: '[plugin:functions]\n\tcommand options = local\n',
    });
    await child.waitFor(/STREAM c-fn-nd \[send to 127\.0\.0\.1:\d+\]: established link with negotiated capabilities: VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION /, 20_000);
    // netdata took the FUNCTION lines of the chart's definition
    const info = await eventually('the child\'s functions at netdata', async () => {
      const i = await nd.api('/host/c-fn-nd/api/v1/info');
      return i.functions?.['fn-fast'] ? i : undefined;
    }, 20_000);
    assert.deepEqual(info.functions['fn-fast'], { help: 'answers at once', timeout: 5, options: 'LOCAL ' });
    assert.match(relay.up(), /\nFUNCTION "fn-fast" 5 "answers at once"\n/);
    const chart = await nd.api('/host/c-fn-nd/api/v1/chart?chart=fixture.functions');
    assert.ok(chart.functions['fn-fast'], 'netdata lists it with its chart');
    assert.equal((await call(nd.port, '/host/c-fn-nd/api/v1/function?function=fn-fast')).status, 403,
      '1.37 calls functions for its cloud link only');

    const transaction = randomUUID();
    const upBefore = relay.up().length;
    relay.inject(`FUNCTION ${transaction} 10 "fn-fast from netdata"\n`);
    const answer = new RegExp(`FUNCTION_RESULT_BEGIN "${transaction}" 200 "application/json" 0\\n(.*)\\nFUNCTION_RESULT_END\\n`);
    await eventually('the answer going up', async () => answer.test(relay.up().slice(upBefore)) || undefined, 10_000);
    assert.deepEqual(JSON.parse(answer.exec(relay.up().slice(upBefore))![1]), { status: 200, echo: 'fn-fast from netdata', timeout: 10 });
    // netdata read it as a function result (of a call it did not make) and the link goes on
    await eventually('netdata reading the result', async () => nd.log().includes(
      `got a FUNCTION_RESULT_BEGIN for transaction '${transaction}', but the transaction is not found.`) || undefined, 10_000);
    const lastEntry = async () => (await nd.api('/host/c-fn-nd/api/v1/chart?chart=fixture.functions')).last_entry as number;
    const before = await lastEntry();
    await eventually('the child\'s chart goes on at netdata', async () => await lastEntry() > before + 1 || undefined, 10_000);
    assert.equal(relay.connections(), 1, 'the link never reconnected');
  });
});
