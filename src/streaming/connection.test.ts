import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { Connection, type CloseReason, type ConnectionListener } from './connection.js';
import { parseDestination, type Destination } from './destination.js';

/** A real listener on 127.0.0.1:0 that records what each connection sent. */
async function listen(onSocket: (s: net.Socket) => void = () => undefined): Promise<{ server: net.Server; port: number; received: () => string }> {
  let text = '';
  const server = net.createServer((s) => {
    s.on('data', (d) => { text += d.toString(); });
    s.on('error', () => undefined);
    onSocket(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, received: () => text };
}

/** A port nobody listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const { server, port } = await listen();
  server.close();
  await once(server, 'close');
  return port;
}

function dest(port: number): Destination {
  return parseDestination(`127.0.0.1:${port}`, 19999);
}

function recorder(): { events: string[]; listener: ConnectionListener; wait: (e: string) => Promise<void> } {
  const events: string[] = [];
  const waiters: Array<[string, () => void]> = [];
  const push = (e: string): void => {
    events.push(e);
    for (const [name, resolve] of waiters) if (e.startsWith(name)) resolve();
  };
  return {
    events,
    wait: (e) => new Promise((resolve) => { if (events.some((x) => x.startsWith(e))) resolve(); else waiters.push([e, resolve]); }),
    listener: {
      connecting: (d) => push(`connecting ${d.port}`),
      connectFailed: (d) => push(`failed ${d.port}`),
      connected: (d) => push(`connected ${d.port}`),
      refused: (d, reason, secs) => push(`refused ${d.port} ${reason} ${secs}`),
      unusable: (d, m) => push(`unusable ${d.text} ${m}`),
      ready: (d) => push(`ready ${d.port}`),
      overflow: (d, allocated) => push(`overflow ${d.port} ${allocated > 0}`),
      closed: (d, r: CloseReason) => push(`closed ${d.port} ${r.kind}`),
    },
  };
}

const open: Array<{ stop(): Promise<void> } | net.Server> = [];
after(async () => {
  for (const o of open) {
    if (o instanceof net.Server) o.close();
    else await o.stop();
  }
});

describe('Connection', () => {
  it('fails over to the next destination when the first is dead, in order', async () => {
    const dead = await deadPort();
    const live = await listen();
    open.push(live.server);
    const r = recorder();
    const c = new Connection({
      destinations: [dest(dead), dest(live.port)],
      connectTimeoutMs: 2000, sendTimeoutMs: 5000, reconnectDelayMs: 100, bufferSizeBytes: 1024, listener: r.listener,
    });
    open.push(c);
    c.start();
    await r.wait('ready');
    assert.deepEqual(r.events, [`connecting ${dead}`, `failed ${dead}`, `connecting ${live.port}`, `connected ${live.port}`, `ready ${live.port}`]);
    c.write(Buffer.from('hello\n'));
    while (!live.received().includes('hello')) await new Promise((res) => setTimeout(res, 10));
    assert.equal(live.received(), 'hello\n');
    await c.stop();
    assert.equal(c.ready, false);
  });

  it('skips udp and SSL destinations, saying so once', async () => {
    const live = await listen();
    open.push(live.server);
    const r = recorder();
    const c = new Connection({
      destinations: [parseDestination('udp:127.0.0.1:1', 1), parseDestination('127.0.0.1:1:SSL', 1), dest(live.port)],
      connectTimeoutMs: 2000, sendTimeoutMs: 5000, reconnectDelayMs: 100, bufferSizeBytes: 1024, listener: r.listener,
    });
    c.start();
    await r.wait('ready');
    await c.stop();
    assert.deepEqual(r.events.slice(0, 2), ['unusable udp:127.0.0.1:1 udp is not supported', 'unusable 127.0.0.1:1 SSL is not supported']);
  });

  it('postpones a destination whose handshake refused and keeps trying the others', async () => {
    const a = await listen();
    const b = await listen();
    open.push(a.server, b.server);
    const r = recorder();
    const c = new Connection({
      destinations: [dest(a.port), dest(b.port)],
      connectTimeoutMs: 2000, sendTimeoutMs: 5000, reconnectDelayMs: 100, bufferSizeBytes: 1024, listener: r.listener,
      handshake: async (_s, d) => (d.port === a.port ? { ok: false, reason: 'no', postponeSecs: 60 } : { ok: true }),
    });
    c.start();
    await r.wait('ready');
    assert.deepEqual(r.events, [
      `connecting ${a.port}`, `connected ${a.port}`, `refused ${a.port} no 60`,
      `connecting ${b.port}`, `connected ${b.port}`, `ready ${b.port}`,
    ]);
    // b goes away: a is still postponed, so the next rounds try b only
    b.server.close();
    const sockets: net.Socket[] = [];
    await c.stop();
    for (const s of sockets) s.destroy();
  });

  it('reconnects after the peer closes, and the bytes left unsent can be discarded', async () => {
    let first = true;
    const live = await listen((s) => { if (first) { first = false; setTimeout(() => s.destroy(), 50); } });
    open.push(live.server);
    const r = recorder();
    let readies = 0;
    let discarded = -1;
    const c: Connection = new Connection({
      destinations: [dest(live.port)],
      connectTimeoutMs: 2000, sendTimeoutMs: 5000, reconnectDelayMs: 200, bufferSizeBytes: 1024,
      listener: { ...r.listener, ready: (d) => { if (++readies === 2) discarded = c.discard(); r.listener.ready?.(d); } },
    });
    open.push(c);
    c.start();
    await r.wait('closed');
    assert.equal(c.ready, false);
    assert.equal(c.write(Buffer.from('0123456789')), true, 'queued while down');
    assert.equal(c.queuedBytes, 10);
    while (readies < 2) await new Promise((res) => setTimeout(res, 10));
    assert.equal(discarded, 10, 'the owner discards at ready, before anything is flushed');
    assert.equal(c.queuedBytes, 0);
    assert.deepEqual(r.events.filter((e) => !e.startsWith('connect')), [`ready ${live.port}`, `closed ${live.port} remote-closed`, `ready ${live.port}`]);
    await c.stop();
  });

  it('restarts the connection when the buffer would overflow (peer not reading)', async () => {
    const held: net.Socket[] = [];
    const live = await listen((s) => { s.pause(); held.push(s); });
    open.push(live.server);
    const r = recorder();
    const c = new Connection({
      destinations: [dest(live.port)],
      connectTimeoutMs: 2000, sendTimeoutMs: 60_000, reconnectDelayMs: 100, bufferSizeBytes: 256 * 1024, listener: r.listener,
    });
    c.start();
    await r.wait('ready');
    const chunk = Buffer.alloc(32 * 1024, 0x41);
    let accepted = 0;
    for (let i = 0; i < 2000 && !r.events.some((e) => e.startsWith('overflow')); i++) {
      if (c.write(chunk)) accepted++;
      await new Promise((res) => setImmediate(res));
    }
    assert.ok(r.events.some((e) => e === `overflow ${live.port} true`), r.events.join(','));
    assert.ok(accepted >= 8, `accepted ${accepted} chunks before the overflow`);
    await r.wait('closed');
    assert.ok(r.events.includes(`closed ${live.port} overflow`));
    assert.equal(c.stats.overflows, 1);
    await c.stop();
    for (const s of held) s.destroy();
  });

  it('closes a connection that could not send for the send timeout', async () => {
    const held: net.Socket[] = [];
    const live = await listen((s) => { s.pause(); held.push(s); });
    open.push(live.server);
    const r = recorder();
    const c = new Connection({
      destinations: [dest(live.port)],
      connectTimeoutMs: 2000, sendTimeoutMs: 1500, reconnectDelayMs: 60_000, bufferSizeBytes: 64 * 1024 * 1024, listener: r.listener,
    });
    c.start();
    await r.wait('ready');
    const chunk = Buffer.alloc(1024 * 1024, 0x42);
    for (let i = 0; i < 16; i++) c.write(chunk);
    await r.wait('closed');
    assert.ok(r.events.includes(`closed ${live.port} send-timeout`), r.events.join(','));
    await c.stop();
    for (const s of held) s.destroy();
  });
});
