/**
 * One TCP port for HTTP and streaming, as in netdata: a `net.Server` per `[web] bind to` reads
 * the first bytes of each connection; `STREAM ` goes to the stream receiver, anything else to
 * the Koa app through an `http.Server` that never listens itself (DESIGN "Decisions").
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { HostRegistry } from '../database/types.js';
import type { HealthApi } from '../health/types.js';
import type { NetdataConfig } from '../config/types.js';
import { debug, info, warn } from '../log.js';
import type { AccessLogSink } from './access-log.js';
import type { RegisteredFunction } from './api-function.js';
import { readSystemFacts } from './api-info.js';
import { createApp } from './app.js';
import { accessMatcher, clientIp } from './patterns.js';
import type { WebContext } from './web-context.js';

/** The bytes that mark a streaming request. */
const STREAM_PREFIX = 'STREAM ';
/** Close a connection that sends nothing for this long before its first request. */
export const FIRST_REQUEST_TIMEOUT_MS = 60_000;
/** Answer when streaming is not wired in (the receiver is a later part). */
export const STREAM_NOT_SUPPORTED = 'This agent does not accept streaming connections yet.\r\n';

export interface WebDeps {
  registry: HostRegistry;
  health?: HealthApi;
  /** Takes a connection whose first bytes were `STREAM `; `head` holds every byte read so far. */
  streamHandler?: (socket: net.Socket, head: Buffer) => void;
  version: string;
  /** The effective `netdata.conf` text for `GET /netdata.conf`. */
  effectiveConfig: () => string;
  /** Receives one access-log line per request; default: the agent log at DEBUG. */
  accessLog?: AccessLogSink;
  /** Wall clock in ms (tests pin it); default `Date.now`. */
  nowMs?: () => number;
  /** Functions the local host's plugins registered (FUNCTION); default none. */
  functions?: () => readonly RegisteredFunction[];
}

export interface WebServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The ports actually bound (useful with `default port = 0`). */
  ports(): number[];
}

/** A listen address from a `bind to` entry: `*`, `IP`, `IP:PORT`, `[IPv6]:PORT`. */
export function parseBindTo(entry: string, defaultPort: number): { host: string | undefined; port: number } {
  const clean = entry.replace(/=.*$/, '');
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(clean);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : defaultPort };
  const m = /^([^:]*)(?::(\d+))?$/.exec(clean);
  if (!m) return { host: clean, port: defaultPort };
  const host = m[1] === '*' || m[1] === '' ? undefined : m[1];
  return { host, port: m[2] ? Number(m[2]) : defaultPort };
}

function webContext(config: NetdataConfig, deps: WebDeps): WebContext {
  return {
    config,
    registry: deps.registry,
    health: deps.health,
    version: deps.version,
    facts: readSystemFacts(),
    effectiveConfig: deps.effectiveConfig,
    nowMs: deps.nowMs ?? Date.now,
    functions: deps.functions ?? (() => []),
    allowDashboard: accessMatcher(config.web.allowDashboardFrom),
    allowBadges: accessMatcher(config.web.allowBadgesFrom),
    allowNetdataConf: accessMatcher(config.web.allowNetdataConfFrom),
  };
}

/** Reads the first bytes of a connection, then hands it to streaming or HTTP. */
function dispatcher(deps: WebDeps, httpServer: http.Server, allowConnection: (a: string | undefined) => boolean,
  handOff: (socket: net.Socket) => void) {
  return (socket: net.Socket) => {
    if (!allowConnection(socket.remoteAddress)) {
      debug(`web: connection from ${clientIp(socket.remoteAddress)} denied by [web] allow connections from`);
      socket.destroy();
      return;
    }
    socket.setTimeout(FIRST_REQUEST_TIMEOUT_MS, () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, STREAM_PREFIX.length);
      if (head.subarray(0, n).toString('latin1') === STREAM_PREFIX.slice(0, n) && n < STREAM_PREFIX.length) return;
      socket.off('data', onData);
      socket.pause();
      socket.setTimeout(0);
      if (n === STREAM_PREFIX.length && head.subarray(0, n).toString('latin1') === STREAM_PREFIX) {
        handOff(socket);
        streamConnection(deps, socket, head);
        return;
      }
      socket.unshift(head);
      httpServer.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  };
}

function streamConnection(deps: WebDeps, socket: net.Socket, head: Buffer): void {
  if (deps.streamHandler) {
    deps.streamHandler(socket, head);
    return;
  }
  warn(`STREAM [receive from [${clientIp(socket.remoteAddress)}]:${socket.remotePort}]: streaming is not supported yet, closing`);
  socket.end(STREAM_NOT_SUPPORTED);
}

/**
 * Creates the web server for `[web]`. Nothing listens until `start()`; `stop()` closes the
 * listeners and every open connection. Must not be created when `[web] mode = none`.
 */
export function createWebServer(config: NetdataConfig, deps: WebDeps): WebServer {
  const context = webContext(config, deps);
  const sink = deps.accessLog ?? ((line: string) => debug(`access: ${line}`));
  const app = createApp(context, sink);
  app.on('error', (err: Error) => warn(`web: request failed: ${err.message}`));
  const httpServer = http.createServer(app.callback());
  httpServer.keepAliveTimeout = config.web.disconnectIdleClientsAfterSecs * 1000;
  const listeners: net.Server[] = [];
  // HTTP connections only: a stream connection belongs to the receiver once handed over
  const sockets = new Set<net.Socket>();
  const onConnection = dispatcher(deps, httpServer, accessMatcher(config.web.allowConnectionsFrom),
    (socket) => sockets.delete(socket));
  return {
    async start() {
      const binds = config.web.bindTo.length ? config.web.bindTo : ['*'];
      for (const entry of binds) {
        const { host, port } = parseBindTo(entry, config.web.defaultPort);
        const server = net.createServer((socket) => {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          onConnection(socket);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port }, () => { server.off('error', reject); resolve(); });
        });
        listeners.push(server);
        info(`web: listening on ${host ?? '*'}:${(server.address() as net.AddressInfo).port}`);
      }
    },
    async stop() {
      const closing = listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const socket of sockets) socket.destroy();
      httpServer.closeAllConnections();
      await Promise.all(closing);
      listeners.length = 0;
      info('web: stopped');
    },
    ports() {
      return listeners.map((s) => (s.address() as net.AddressInfo).port);
    },
  };
}
