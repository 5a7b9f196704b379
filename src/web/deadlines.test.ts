/**
 * The web server's deadlines and its connection limit, on real sockets: a request that
 * trickles one byte at a time is closed at its total deadline (an HTTP one with a 408, a
 * `STREAM` one before it reaches the receiver), and connections past `web server max sockets`,
 * finished request or not, are closed at once while the open ones are served.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { createHostRegistry } from '../database/index.js';
import { loadNetdataConfig } from '../config/index.js';
import { refusalCounts } from '../limits.js';
import { createWebServer, defaultMaxSockets, openFilesLimit, type WebServer } from './server.js';

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
/** The deadline under test, short so the test is. */
const DEADLINE_MS = 1500;
/** A trickling client writes one byte this often: each byte is within any per-byte timeout. */
const TRICKLE_EVERY_MS = 200;

const servers: WebServer[] = [];
const sockets: net.Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const server of servers) await server.stop();
});

async function start(maxSockets?: number): Promise<{ port: number; streams: string[] }> {
  const registry = createHostRegistry(
    { hostname: 'deadline-test', machineGuid: '11111111-2222-3333-4444-555555555555', os: 'linux', timezone: 'UTC' },
    { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const config = loadNetdataConfig(null, [
    ['global', 'hostname', 'deadline-test'],
    ['web', 'bind to', '127.0.0.1:0'],
    ['directories', 'web', path.join(REPO_ROOT, 'web')],
    ['web', 'ssl key', '/nonexistent/key.pem'],
    ['web', 'ssl certificate', '/nonexistent/cert.pem'],
  ]);
  const streams: string[] = [];
  const server = createWebServer(config, {
    registry, version: 'v1.37.1-tributary', effectiveConfig: () => '', accessLog: () => undefined,
    firstRequestTimeoutMs: DEADLINE_MS, maxSockets,
    streamHandler: (socket, head) => { streams.push(head.toString('latin1')); socket.end('ok'); },
  });
  servers.push(server);
  await server.start();
  return { port: server.ports()[0]!, streams };
}

/** Connects and writes `text` one byte every TRICKLE_EVERY_MS (then nothing); resolves with what came back and when it closed. */
function trickle(port: number, text: string): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    const t0 = Date.now();
    let reply = '';
    let i = 0;
    const timer = setInterval(() => { if (i < text.length && socket.writable) socket.write(text[i++]!); }, TRICKLE_EVERY_MS);
    socket.on('data', (d: Buffer) => { reply += d.toString('latin1'); });
    socket.on('error', () => undefined);
    socket.on('close', () => { clearInterval(timer); resolve({ reply, closedAfterMs: Date.now() - t0 }); });
  });
}

/** A GET that completes, as a real client sends it. */
async function get(port: number, url: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`);
  await res.arrayBuffer();
  return res.status;
}

describe('web server deadlines and max sockets', () => {
  it('closes an HTTP request whose headers trickle at its total deadline, with a 408', async () => {
    const { port } = await start();
    const before = refusalCounts().requestDeadline;
    const { reply, closedAfterMs } = await trickle(port, `GET /api/v1/info HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(200)}\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 408 Request Timeout/);
    assert.ok(closedAfterMs >= DEADLINE_MS - 100 && closedAfterMs < DEADLINE_MS + 2500, `closed after ${closedAfterMs} ms`);
    assert.equal(refusalCounts().requestDeadline, before + 1);
    assert.equal(await get(port, '/api/v1/info'), 200, 'the server answers after');
  });

  it('closes a STREAM request line that trickles at the first-request deadline, before any hand-off', async () => {
    const { port, streams } = await start();
    const { reply, closedAfterMs } = await trickle(port, `STREAM key=x&hostname=${'h'.repeat(100)} HTTP/1.1\r\n\r\n`);
    assert.equal(reply, '');
    assert.ok(closedAfterMs >= DEADLINE_MS - 100 && closedAfterMs < DEADLINE_MS + 1000, `closed after ${closedAfterMs} ms`);
    assert.deepEqual(streams, []);
  });

  it('counts unfinished requests toward max sockets and closes connections past it at once', async () => {
    const max = 5;
    const { port } = await start(max);
    const before = refusalCounts().maxSockets;
    const idle: net.Socket[] = [];
    for (let i = 0; i < max; i++) {
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      idle.push(s);
      s.on('error', () => undefined);
      s.write(i % 2 ? 'GET /api/v1/in' : 'STRE');
      await new Promise((r) => s.once('connect', r));
    }
    await new Promise((r) => setTimeout(r, 100));
    const extra = net.connect(port, '127.0.0.1');
    sockets.push(extra);
    extra.on('error', () => undefined);
    await new Promise((r) => extra.once('close', r));
    assert.equal(refusalCounts().maxSockets, before + 1);
    await assert.rejects(get(port, '/api/v1/info'), 'refused while full');
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await get(port, '/api/v1/info'), 200, 'served once connections closed');
  });

  it('defaults max sockets to a quarter of the open-files limit, as netdata', () => {
    assert.equal(defaultMaxSockets(), Math.floor(openFilesLimit() / 4));
    assert.ok(openFilesLimit() > 0);
  });
});
