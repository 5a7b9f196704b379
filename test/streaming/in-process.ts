/**
 * A streaming part in this process, built from the real config loader, host registry and
 * parser, behind a real listener on 127.0.0.1:0, plus a raw client that sends a request and
 * reads the reply bytes. Log lines are captured.
 */
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetdataConfig, loadStreamConfig, type ConfigOverride } from '../../src/config/index.js';
import { createHostRegistry, type HostRegistry } from '../../src/database/index.js';
import { createParser } from '../../src/protocol/index.js';
import { setLogSink } from '../../src/log.js';
import { createStreaming, type ReceiverLimits, type Streaming } from '../../src/streaming/index.js';

export const PARENT_GUID = '0000aaaa-1111-2222-3333-444455556666';

export interface Parent {
  streaming: Streaming;
  registry: HostRegistry;
  port: number;
  close(): Promise<void>;
}

/** Every log line written since this module loaded (the sink is set once, for the whole file). */
const captured: string[] = [];
setLogSink((line) => { captured.push(line); });

export function logLines(): string[] {
  return captured;
}

/** A parent with `streamConf` as its stream.conf and `overrides` as `-W set`. */
export async function startParent(
  streamConf: string,
  overrides: ConfigOverride[] = [],
  limits: Partial<ReceiverLimits> = {},
): Promise<Parent> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-receiver-'));
  writeFileSync(join(dir, 'netdata.conf'), `[global]\n\thostname = parent\n\tmemory mode = ram\n\thistory = 60\n` +
    `\tcache directory = ${join(dir, 'cache')}\n\tlib directory = ${join(dir, 'lib')}\n\tlog directory = ${join(dir, 'log')}\n`);
  writeFileSync(join(dir, 'stream.conf'), streamConf);
  const config = loadNetdataConfig(join(dir, 'netdata.conf'), overrides);
  const stream = loadStreamConfig(join(dir, 'stream.conf'), config);
  const registry = createHostRegistry(
    { hostname: 'parent', machineGuid: PARENT_GUID, hops: 0 },
    { memoryMode: 'ram', historyEntries: 60, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
  );
  const streaming = await createStreaming(config, stream, { registry, version: 'v-test', createParser, limits });
  await streaming.start();
  const server = net.createServer((socket) => streaming.handleStreamRequest(socket, Buffer.alloc(0)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    streaming,
    registry,
    port: (server.address() as net.AddressInfo).port,
    async close() {
      await streaming.stop();
      server.close();
    },
  };
}

export interface RawClient {
  socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  /** Resolves with the reply once `bytes` arrived or the socket closed. */
  reply(bytes?: number): Promise<string>;
}

/** Connects (from `localAddress`, default the system's choice) and writes `request` (a whole STREAM request head, or any bytes). */
export async function connect(port: number, request: string | Buffer, localAddress?: string): Promise<RawClient> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  await once(socket, 'connect');
  let text = '';
  const waiters = new Set<() => void>();
  socket.on('data', (d) => { text += d.toString('latin1'); for (const w of waiters) w(); });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => { for (const w of waiters) w(); resolve(); }));
  socket.write(request);
  return {
    socket,
    received: () => text,
    closed,
    reply(bytes = Infinity) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (text.length >= bytes || socket.destroyed || socket.readyState === 'closed') {
            waiters.delete(check);
            resolve(text);
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** A version-1 request head as netdata 1.10 sends it, with extra `&k=v` fields. */
export function request(fields: Record<string, string>, headers: Record<string, string> = {}): string {
  const query = Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('&');
  const more = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `STREAM ${query} HTTP/1.1\r\nUser-Agent: netdata/v1.10.0\r\nAccept: */*\r\n${more}\r\n`;
}

/** Waits until `probe()` is true (polling every 20 ms), or throws after `timeoutMs`. */
export async function until(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
