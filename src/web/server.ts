/**
 * One TCP port for HTTP and streaming, as in netdata: a `net.Server` per `[web] bind to` gives
 * each connection to the dispatcher; `STREAM ` goes to the stream receiver, anything else to
 * the Koa app through an `http.Server` that never listens itself (DESIGN "Decisions").
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type * as stream from 'node:stream';
import type { HostRegistry } from '../database/types.js';
import type { HealthApi } from '../health/types.js';
import type { NetdataConfig } from '../config/types.js';
import { debug, info, warn } from '../log.js';
import { AccessLog, type AccessLogSink } from './access-log.js';
import type { RegisteredFunction } from './api-function.js';
import type { HostLinkStatus } from '../streaming/index.js';
import { createApp } from './app.js';
import { createDispatcher, type DispatchTargets, type StreamHandler } from './dispatch.js';
import { bindToTlsMode, loadServerTls, redirectToHttps } from './tls.js';
import { accessMatcher } from './patterns.js';
import type { WebContext } from './web-context.js';

/** What the web server needs from the agent. */
export interface WebDeps {
  registry: HostRegistry;
  health?: HealthApi;
  /**
   * Takes a connection whose first bytes were `STREAM `, once its request line is complete;
   * `head` holds every byte read so far. Without one, such a connection is answered
   * `STREAM_NOT_SUPPORTED` and closed.
   */
  streamHandler?: StreamHandler;
  version: string;
  /** The effective `netdata.conf` text for `GET /netdata.conf`. */
  effectiveConfig: () => string;
  /** Receives one access-log line per request and per stream connection; default: the agent log at DEBUG. */
  accessLog?: AccessLogSink;
  /** Wall clock in ms (tests pin it); default `Date.now`. */
  nowMs?: () => number;
  /** Functions the local host's plugins registered (FUNCTION); default none. */
  functions?: () => readonly RegisteredFunction[];
  /** The streaming links of a host (by GUID), for `/api/v1/info`; default none. */
  linkStatus?: (machineGuid: string) => HostLinkStatus | undefined;
  /** exporting.conf as read at start, for allmetrics' `[prometheus:exporter]`; default none. */
  exporting?: WebContext['exporting'];
  /** How long a connection may take to its first request (TLS handshake included); default 60 s. */
  firstRequestTimeoutMs?: number;
}

/** A running web server; made by `createWebServer`, started and stopped by the agent. */
export interface WebServer {
  start(): Promise<void>;
  /**
   * Stops accepting connections; the open ones go on until `stop()`. The agent calls it before
   * it closes the streams, so a child that reconnects at once is refused by the system (and tries
   * again after its reconnect delay) instead of being accepted and dropped without a reply.
   */
  stopListening(): Promise<void>;
  stop(): Promise<void>;
  /** The ports actually bound (useful with `default port = 0`). */
  ports(): number[];
}

/**
 * A listen address from a `bind to` entry: `*`, `IP`, `IP:PORT`, `[IPv6]:PORT`, each maybe with
 * an access list and a TLS suffix after it (`=dashboard|streaming^SSL=optional`, see tls.ts).
 */
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
    effectiveConfig: deps.effectiveConfig,
    nowMs: deps.nowMs ?? Date.now,
    functions: deps.functions ?? (() => []),
    linkStatus: deps.linkStatus ?? (() => undefined),
    exporting: deps.exporting,
    allowDashboard: accessMatcher(config.web.allowDashboardFrom),
    allowBadges: accessMatcher(config.web.allowBadgesFrom),
    allowNetdataConf: accessMatcher(config.web.allowNetdataConfFrom),
  };
}

/** Node's default answers to a request its parser refused (`http.Server` without a `clientError` listener). */
const CLIENT_ERROR_ANSWERS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * A request the HTTP parser refused. Bytes after a request that closes its connection (a
 * second HTTP/1.0 request in the same write) are not an error of the first: it is answered
 * and the connection closes, as netdata does. Anything else gets Node's own answer.
 */
function answerClientError(err: Error & { code?: string }, socket: stream.Duplex): void {
  if (err.code === 'HPE_CLOSED_CONNECTION') return;
  if (socket.writable && !(socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    const status = CLIENT_ERROR_ANSWERS[err.code ?? ''] ?? '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy();
}

/**
 * Creates the web server for `[web]`. Nothing listens until `start()`; `stop()` closes the
 * listeners and every open connection. Must not be created when `[web] mode = none`.
 */
export function createWebServer(config: NetdataConfig, deps: WebDeps): WebServer {
  const context = webContext(config, deps);
  const accessLog = new AccessLog(deps.accessLog ?? ((line: string) => debug(`access: ${line}`)));
  const app = createApp(context, accessLog);
  app.on('error', (err: Error) => warn(`web: request failed: ${err.message}`));
  const httpServer = http.createServer(app.callback());
  httpServer.keepAliveTimeout = config.web.disconnectIdleClientsAfterSecs * 1000;
  httpServer.on('clientError', answerClientError);
  const redirectServer = http.createServer(redirectToHttps);
  redirectServer.keepAliveTimeout = httpServer.keepAliveTimeout;
  const listeners: net.Server[] = [];
  // HTTP connections only: a stream connection belongs to the receiver once handed over
  const sockets = new Set<net.Socket>();
  /** The listeners closing (set by stopListening, awaited by stop). */
  let closing: Promise<unknown> | null = null;
  const targets: DispatchTargets = {
    httpServer, redirectServer, streamHandler: deps.streamHandler, accessLog,
    tls: null, firstRequestTimeoutMs: deps.firstRequestTimeoutMs,
    allowConnection: accessMatcher(config.web.allowConnectionsFrom),
    handedOff: (socket) => sockets.delete(socket),
  };
  const onConnection = createDispatcher(targets);
  return {
    async start() {
      closing = null;
      const binds = config.web.bindTo.length ? config.web.bindTo : ['*'];
      // every entry is checked before anything listens: a bad ^SSL= suffix stops the start
      const modes = binds.map((entry) => bindToTlsMode(entry));
      targets.tls = loadServerTls(config.web);
      for (const [i, entry] of binds.entries()) {
        const { host, port } = parseBindTo(entry, config.web.defaultPort);
        const mode = modes[i]!;
        if (mode === 'force' && !targets.tls) {
          warn(`web: bind to '${entry}' is ^SSL=force but TLS is off: its plain HTTP is served, its plain streams are refused (as netdata 1.37).`);
        }
        const server = net.createServer((socket) => {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          onConnection(socket, mode);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port }, () => { server.off('error', reject); resolve(); });
        });
        listeners.push(server);
        const tlsNote = targets.tls ? (mode === 'default' ? ' (TLS; plain HTTP redirected)' : ` (TLS, ^SSL=${mode})`) : '';
        info(`web: listening on ${host ?? '*'}:${(server.address() as net.AddressInfo).port}${tlsNote}`);
      }
    },
    async stopListening() {
      // close() refuses new connections at once; its callback waits for the open ones (stop())
      closing ??= Promise.all(listeners.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
    async stop() {
      await this.stopListening();
      for (const socket of sockets) socket.destroy();
      httpServer.closeAllConnections();
      redirectServer.closeAllConnections();
      await closing;
      closing = null;
      listeners.length = 0;
      info('web: stopped');
    },
    ports() {
      return listeners.map((s) => (s.address() as net.AddressInfo).port);
    },
  };
}
