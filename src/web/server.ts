/**
 * One TCP port for HTTP and streaming, as in netdata: a `net.Server` per `[web] bind to` gives
 * each connection to the dispatcher; `STREAM ` goes to the stream receiver, anything else to
 * the app (app.ts) through an `http.Server` that never listens itself (DESIGN "Decisions").
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type * as stream from 'node:stream';
import type { Host, HostRegistry } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import type { NetdataConfig } from '../config/index.js';
import { debug, error, info, isDebugEnabled, warn } from '../log.js';
import { countRefusal, isDescriptorShortage } from '../limits.js';
import { AccessLog, type AccessLogSink } from './access-log.js';
import type { RegisteredFunction } from './api-function.js';
import type { HostLinkStatus } from '../streaming/index.js';
import { createLazyApp, type WebContextBase } from './lazy-app.js';
import { createDispatcher, FIRST_REQUEST_TIMEOUT_MS, type DispatchTargets, type StreamHandler } from './dispatch.js';
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
  /**
   * Receives one access-log line per request and per stream connection; null: no access log
   * (`[logs] access = none`); default: the agent log at DEBUG.
   */
  accessLog?: AccessLogSink | null;
  /** Wall clock in ms (tests pin it); default `Date.now`. */
  nowMs?: () => number;
  /**
   * A host's functions (FUNCTION): the local host's plugins', a mirrored host's registered by
   * its child through the stream; default none.
   */
  functions?: (host: Host) => readonly RegisteredFunction[];
  /** The streaming links of a host (by GUID), for `/api/v1/info`; default none. */
  linkStatus?: (machineGuid: string) => HostLinkStatus | undefined;
  /** Every streaming link of this node, for `/api/v1/topology`; default none. */
  streamLinks?: WebContext['streamLinks'];
  /** exporting.conf as read at start, for allmetrics' `[prometheus:exporter]`; default none. */
  exporting?: WebContext['exporting'];
  /**
   * How long a connection may take to its first request (TLS handshake included), in total
   * however slowly it trickles; later requests' headers get as long. Default 60 s (netdata's
   * `[web] timeout for first request`).
   */
  firstRequestTimeoutMs?: number;
  /**
   * Most connections the web server holds at once (`[web] web server max sockets`): every
   * accepted connection counts, finished request or not, until it closes or is handed to the
   * stream receiver. Default: a quarter of the open-files limit, as netdata.
   */
  maxSockets?: number;
}

/** netdata's open-files limit when it cannot read its own (`libnetdata.c`). */
const DEFAULT_OPEN_FILES_LIMIT = 1024;
/** netdata's `web server max sockets` is this share of the open-files limit (`static-threaded.c`). */
const MAX_SOCKETS_SHARE_OF_OPEN_FILES = 4;
/** Longest time a whole HTTP request (headers and body) may take once it started (Node's default). */
const REQUEST_TIMEOUT_MS = 300_000;
/** How often the HTTP server checks its requests' header and request deadlines (Node's default is 30 s). */
const REQUEST_DEADLINE_CHECK_MS = 1000;
/** File descriptors never given to connections, at least: for plugins' pipes, database files, logs. */
const MIN_DESCRIPTORS_KEPT = 64;
/** ...or this share of the open-files limit (1/8) when that is more. */
const DESCRIPTORS_KEPT_SHARE = 8;
/** Connections closed over `web server max sockets` are logged at most this often (with how many so far). */
const MAX_SOCKETS_LOG_EVERY_MS = 60_000;

/** The soft open-files limit of this process, from /proc/self/limits (netdata's default when unreadable). */
export function openFilesLimit(): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1];
    if (line === 'unlimited') return Number.MAX_SAFE_INTEGER;
    if (line) return Number(line);
  } catch {
    // no /proc: netdata's default
  }
  return DEFAULT_OPEN_FILES_LIMIT;
}

/** `web server max sockets` as netdata defaults it: a quarter of the open-files limit. */
export function defaultMaxSockets(): number {
  return Math.max(1, Math.floor(openFilesLimit() / MAX_SOCKETS_SHARE_OF_OPEN_FILES));
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

function webContext(config: NetdataConfig, deps: WebDeps): WebContextBase {
  return {
    config,
    registry: deps.registry,
    health: deps.health,
    version: deps.version,
    effectiveConfig: deps.effectiveConfig,
    nowMs: deps.nowMs ?? Date.now,
    functions: deps.functions ?? (() => []),
    linkStatus: deps.linkStatus ?? (() => undefined),
    streamLinks: deps.streamLinks ?? (() => ({ inbound: [], outbound: [] })),
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
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    countRefusal('requestDeadline');
    debug('web: a request was not complete within its deadline, closing (408)');
  }
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
  const accessLog = deps.accessLog === undefined
    ? new AccessLog((line: string) => debug(`access: ${line}`), isDebugEnabled)
    : new AccessLog(deps.accessLog);
  // the API and the dashboard are loaded on the first request (lazy-app.ts)
  const app = createLazyApp(context, config.web.queryThreads, accessLog,
    (err) => warn(`web: request failed: ${err instanceof Error ? err.message : String(err)}`));
  const firstRequestMs = deps.firstRequestTimeoutMs ?? FIRST_REQUEST_TIMEOUT_MS;
  const maxSockets = deps.maxSockets ?? defaultMaxSockets();
  const httpServer = http.createServer(deadlines(firstRequestMs), app.listener);
  httpServer.keepAliveTimeout = config.web.disconnectIdleClientsAfterSecs * 1000;
  httpServer.on('clientError', answerClientError);
  const redirectServer = http.createServer(deadlines(firstRequestMs), redirectToHttps);
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
  const guard = new SocketGuard(maxSockets, openFilesLimit());
  return {
    async start() {
      closing = null;
      const binds = config.web.bindTo.length ? config.web.bindTo : ['*'];
      // every entry is checked before anything listens: a bad ^SSL= suffix stops the start
      const modes = binds.map((entry) => bindToTlsMode(entry));
      targets.tls = loadServerTls(config.web);
      // an http.Server checks its header and request deadlines only once it saw 'listening';
      // these never listen (the dispatcher gives them connections), so they are told here
      httpServer.emit('listening');
      redirectServer.emit('listening');
      for (const [i, entry] of binds.entries()) {
        const { host, port } = parseBindTo(entry, config.web.defaultPort);
        const mode = modes[i]!;
        if (mode === 'force' && !targets.tls) {
          warn(`web: bind to '${entry}' is ^SSL=force but TLS is off: its plain HTTP is served, its plain streams are refused (as netdata 1.37).`);
        }
        /** Names the port in the guard's lines; the bound port once listening (`default port = 0`). */
        let where = `${host ?? '*'}:${port}`;
        const server = net.createServer((socket) => {
          if (!guard.admit(socket, where, sockets.size)) return;
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          onConnection(socket, mode);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port }, () => { server.off('error', reject); resolve(); });
        });
        // after listen: accept errors (EMFILE, ENFILE) are answered here, never thrown
        server.on('error', (err) => guard.acceptFailed(err, where));
        listeners.push(server);
        where = `${host ?? '*'}:${(server.address() as net.AddressInfo).port}`;
        const tlsNote = targets.tls ? (mode === 'default' ? ' (TLS; plain HTTP redirected)' : ` (TLS, ^SSL=${mode})`) : '';
        info(`web: listening on ${where}${tlsNote}`);
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
      // stops their deadline checks (they never listened: the callback only hears that)
      httpServer.close(() => undefined);
      redirectServer.close(() => undefined);
      await closing;
      closing = null;
      listeners.length = 0;
      await app.close();
      info('web: stopped');
    },
    ports() {
      return listeners.map((s) => (s.address() as net.AddressInfo).port);
    },
  };
}

/**
 * The request deadlines of an HTTP server: a request's headers must be complete within
 * `headersMs` however slowly they trickle (408, then close), the whole request within
 * REQUEST_TIMEOUT_MS, checked every REQUEST_DEADLINE_CHECK_MS.
 */
function deadlines(headersMs: number): http.ServerOptions {
  return {
    headersTimeout: headersMs,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersMs),
    connectionsCheckingInterval: Math.min(REQUEST_DEADLINE_CHECK_MS, headersMs),
  };
}

/**
 * Decides which accepted connections the server keeps. Every connection it accepted and that is
 * still open (handed to the stream receiver or not) holds a file descriptor: past the open-files
 * limit less what the agent keeps for its own files, new connections are closed at once, before
 * the system would refuse the agent a plugin's pipe or a database file. An outage (that, or an
 * accept error EMFILE / ENFILE from the system) is logged once with the port, every refusal is
 * counted, and the first connection kept after it logs the recovery. Past `web server max
 * sockets` of the web server's own connections, new ones are closed at once too.
 */
class SocketGuard {
  /** Connections accepted and not yet closed, on every port. */
  #open = 0;
  /** Most connections open at once before new ones are refused for descriptors. */
  readonly #descriptorBudget: number;
  /** When the current descriptor outage began (ms), 0 when none. */
  #shortSinceMs = 0;
  #shortRefused = 0;
  #overLimit = 0;
  #overLimitLoggedMs = 0;

  constructor(private readonly maxSockets: number, private readonly openFiles: number) {
    this.#descriptorBudget = openFiles - descriptorsKept(openFiles);
  }

  /** Whether to keep `socket` (`httpOpen`: the web server's own connections now); closes it if not. */
  admit(socket: net.Socket, where: string, httpOpen: number): boolean {
    if (this.#open >= this.#descriptorBudget) {
      this.#startOutage(where, `${this.#open} connections are open and this process may open ${this.openFiles} files ` +
        `(${descriptorsKept(this.openFiles)} kept for its plugins, database and logs)`);
      countRefusal('descriptors');
      this.#shortRefused++;
      socket.destroy();
      return false;
    }
    if (httpOpen >= this.maxSockets) {
      this.#refuseOverLimit(socket, where);
      return false;
    }
    this.#open++;
    socket.once('close', () => { this.#open--; });
    if (this.#shortSinceMs !== 0) {
      info(`web: accepting connections on ${where} again after ${Math.round((Date.now() - this.#shortSinceMs) / 1000)} seconds ` +
        `short of file descriptors (${this.#shortRefused} refused)`);
      this.#shortSinceMs = 0;
      this.#shortRefused = 0;
    }
    return true;
  }

  acceptFailed(err: Error & { code?: string }, where: string): void {
    if (!isDescriptorShortage(err)) {
      warn(`web: accepting a connection on ${where} failed: ${err.message}`);
      return;
    }
    countRefusal('descriptors');
    this.#shortRefused++;
    this.#startOutage(where, `${err.code} (${err.code === 'EMFILE' ? 'this process has' : 'the system has'} no free file descriptors)`);
  }

  #startOutage(where: string, why: string): void {
    if (this.#shortSinceMs !== 0) return;
    this.#shortSinceMs = Date.now();
    error(`web: cannot accept connections on ${where}: ${why}; new connections are refused until some close. ` +
      'Raise the open-files limit (ulimit -n, LimitNOFILE) or lower [web] web server max sockets.');
  }

  #refuseOverLimit(socket: net.Socket, where: string): void {
    countRefusal('maxSockets');
    this.#overLimit++;
    socket.destroy();
    const now = Date.now();
    if (now - this.#overLimitLoggedMs < MAX_SOCKETS_LOG_EVERY_MS) return;
    this.#overLimitLoggedMs = now;
    warn(`web: ${this.maxSockets} connections are open (web server max sockets); closing new ones on ${where} at once ` +
      `(${this.#overLimit} so far)`);
  }
}

/** The file descriptors kept for the agent's own files out of an open-files limit. */
function descriptorsKept(openFiles: number): number {
  return Math.max(MIN_DESCRIPTORS_KEPT, Math.floor(openFiles / DESCRIPTORS_KEPT_SHARE));
}
