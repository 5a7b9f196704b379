/**
 * The first bytes of each connection decide who owns it (DESIGN "Decisions"): a TLS handshake
 * record is decrypted first (when the web server has a certificate) and the decrypted stream is
 * dispatched the same way; a `STREAM ` request goes to the stream receiver, with one access-log
 * line as netdata writes for it; anything else is handed to the HTTP server, or, in plain text
 * on a port that wants TLS, to the redirect to https.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { debug, error, warn } from '../log.js';
import { countRefusal, DEFAULT_LIMITS } from '../limits.js';
import { streamRequestTarget, type AccessLog } from './access-log.js';
import { clientIp } from './patterns.js';
import { nodeTls, TLS_HANDSHAKE_RECORD, type PortTlsMode } from './tls.js';

/** The bytes that mark a streaming request. */
const STREAM_PREFIX = 'STREAM ';
/**
 * Close a connection that sends nothing for this long before its first request; a TLS
 * connection must finish its handshake and its first request within it.
 */
export const FIRST_REQUEST_TIMEOUT_MS = 60_000;
/**
 * Longest `STREAM` request line the dispatcher waits for (to log its target) before handing the
 * connection over anyway; the receiver applies its own request limits.
 */
export const STREAM_REQUEST_LINE_MAX_BYTES = DEFAULT_LIMITS.streamRequestBytes;
/** Answer when streaming is not wired in (the receiver is a later part). */
export const STREAM_NOT_SUPPORTED = 'This agent does not accept streaming connections yet.\r\n';
/**
 * Answer to a plain `STREAM` on a port that takes only encrypted streams (raw bytes, as every
 * streaming reply; a sender shows it as a response it does not understand).
 */
export const STREAM_TLS_REQUIRED = 'This port accepts only encrypted streams: add :SSL to the destination.\r\n';
/**
 * The status logged for a stream connection handed to the receiver. netdata logs the receiver's
 * own answer; here the receiver answers after the hand-off and logs acceptance or refusal itself.
 */
const STREAM_HANDED_OFF_STATUS = 200;
/** Longest hostname shown from a refused plain request. */
const HOSTNAME_SHOWN_MAX = 255;

const LF = 0x0a;

/** Takes a connection whose first bytes were `STREAM `; `head` holds every byte read so far. */
export type StreamHandler = (socket: net.Socket, head: Buffer) => void;

/** What the dispatcher hands connections to. */
export interface DispatchTargets {
  httpServer: http.Server;
  /** Answers plain HTTP on a port that wants TLS (a 301 to https). */
  redirectServer: http.Server;
  streamHandler?: StreamHandler;
  accessLog: AccessLog;
  /** The web server's TLS; null: TLS is off and a handshake record goes to the HTTP server. */
  tls: tls.SecureContext | null;
  /** Default FIRST_REQUEST_TIMEOUT_MS. */
  firstRequestTimeoutMs?: number;
  /** `[web] allow connections from`. */
  allowConnection(address: string | undefined): boolean;
  /** Called when a connection leaves the web server for the receiver. */
  handedOff(socket: net.Socket): void;
}

type Verdict = 'http' | 'stream' | 'wait';

/** `stream` once a `STREAM ` request line is complete (or too long to wait for), `http` on any other start. */
function verdict(head: Buffer): Verdict {
  const n = Math.min(head.length, STREAM_PREFIX.length);
  if (head.toString('latin1', 0, n) !== STREAM_PREFIX.slice(0, n)) return 'http';
  if (n < STREAM_PREFIX.length) return 'wait';
  return head.includes(LF) || head.length >= STREAM_REQUEST_LINE_MAX_BYTES ? 'stream' : 'wait';
}

/** One accepted connection on its way to an owner. */
interface Pending {
  /** The socket as accepted. */
  readonly raw: net.Socket;
  readonly mode: PortTlsMode;
  readonly peer: string;
  /** Set when the connection is TLS: the decrypted socket. */
  secure: tls.TLSSocket | null;
  timer: NodeJS.Timeout | null;
}

/**
 * The handler for every accepted TCP connection of a port whose `bind to` entry says `mode`:
 * reads its first bytes, then hands it over.
 */
export function createDispatcher(t: DispatchTargets): (socket: net.Socket, mode: PortTlsMode) => void {
  const timeoutMs = t.firstRequestTimeoutMs ?? FIRST_REQUEST_TIMEOUT_MS;
  return (socket, mode) => {
    if (!t.allowConnection(socket.remoteAddress)) {
      debug(`web: connection from ${clientIp(socket.remoteAddress)} denied by [web] allow connections from`);
      socket.destroy();
      return;
    }
    const c: Pending = { raw: socket, mode, peer: `[${clientIp(socket.remoteAddress)}]:${socket.remotePort ?? 0}`, secure: null, timer: null };
    // one deadline for the handshake and the first request: a ClientHello that never ends is closed too
    c.timer = setTimeout(() => {
      countRefusal('requestDeadline');
      debug(`web: ${c.peer}: no ${c.secure ? 'request' : 'TLS handshake or request'} within ${timeoutMs} ms, closing`);
      (c.secure ?? socket).destroy();
    }, timeoutMs);
    c.timer.unref();
    socket.on('error', () => socket.destroy());
    socket.once('close', () => { if (c.timer) clearTimeout(c.timer); });
    readHead(socket, (head, firstByteAt) => {
      if (head[0] === TLS_HANDSHAKE_RECORD && t.tls) startTls(t, c, head);
      else route(t, c, socket, head, firstByteAt);
    });
  };
}

/** Reads until the first bytes give a verdict, then calls `done` with them, the socket paused. */
function readHead(socket: net.Socket, done: (head: Buffer, firstByteAt: bigint) => void): void {
  let head: Buffer = Buffer.alloc(0);
  let firstByteAt = 0n;
  const onData = (chunk: Buffer): void => {
    if (head.length === 0) firstByteAt = process.hrtime.bigint();
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head[0] !== TLS_HANDSHAKE_RECORD && verdict(head) === 'wait') return;
    socket.off('data', onData);
    socket.pause();
    done(head, firstByteAt);
  };
  socket.on('data', onData);
}

/** Terminates TLS on the connection; the decrypted stream is read and routed as a plain one. */
function startTls(t: DispatchTargets, c: Pending, head: Buffer): void {
  c.raw.unshift(head);
  const secure = new (nodeTls().TLSSocket)(c.raw, { isServer: true, secureContext: t.tls! });
  c.secure = secure;
  let handshakeDone = false;
  secure.on('error', (err: Error) => {
    if (!handshakeDone) warn(`web: ${c.peer}: TLS handshake failed, closing: ${err.message.trim()}`);
    secure.destroy();
  });
  secure.once('secure', () => {
    handshakeDone = true;
    readHead(secure, (decrypted, firstByteAt) => route(t, c, secure, decrypted, firstByteAt));
  });
}

/** Hands a connection (plain, or decrypted when `c.secure`) to its owner by its first bytes. */
function route(t: DispatchTargets, c: Pending, socket: net.Socket, head: Buffer, firstByteAt: bigint): void {
  if (c.timer) clearTimeout(c.timer);
  c.timer = null;
  const encrypted = c.secure !== null;
  if (verdict(head) === 'stream') {
    t.handedOff(c.raw);
    // 1.37 refuses a plain STREAM on a force port, and fails one on a port with a certificate
    if (!encrypted && (c.mode === 'force' || (c.mode === 'default' && t.tls))) refusePlainStream(t, c, head);
    else streamConnection(t, socket, head, firstByteAt);
    return;
  }
  socket.unshift(head);
  const target = !encrypted && t.tls && c.mode !== 'optional' ? t.redirectServer : t.httpServer;
  target.emit('connection', socket);
  socket.resume();
}

function refusePlainStream(t: DispatchTargets, c: Pending, head: Buffer): void {
  const target = streamRequestTarget(head, STREAM_PREFIX.length);
  const hostname = /(?:^|[?&])hostname=([^&\s]*)/.exec(target)?.[1]?.slice(0, HOSTNAME_SHOWN_MAX) ?? 'not available';
  const why = c.mode === 'force' ? 'this port is ^SSL=force' : 'this port has TLS on and no ^SSL=optional';
  error(`STREAM [receive from ${c.peer}]: refusing an unencrypted stream from child with hostname '${hostname}' (${why}); ` +
    'enable SSL on the child (destination HOST:PORT:SSL).');
  t.accessLog.write({
    id: t.accessLog.nextId(), ip: clientIp(c.raw.remoteAddress), port: c.raw.remotePort ?? 0, mode: 'STREAM',
    sentBytes: STREAM_TLS_REQUIRED.length, sizeBytes: STREAM_TLS_REQUIRED.length, prepMs: 0, sentMs: 0, totalMs: 0,
    status: 403, url: target,
  });
  c.raw.end(STREAM_TLS_REQUIRED);
}

function streamConnection(t: DispatchTargets, socket: net.Socket, head: Buffer, firstByteAt: bigint): void {
  if (!t.streamHandler) {
    warn(`STREAM [receive from [${clientIp(socket.remoteAddress)}]:${socket.remotePort}]: streaming is not supported yet, closing`);
    socket.end(STREAM_NOT_SUPPORTED);
    return;
  }
  const prepMs = Number(process.hrtime.bigint() - firstByteAt) / 1e6;
  t.accessLog.write({
    id: t.accessLog.nextId(), ip: clientIp(socket.remoteAddress), port: socket.remotePort ?? 0, mode: 'STREAM',
    sentBytes: 0, sizeBytes: 0, prepMs, sentMs: 0, totalMs: prepMs, status: STREAM_HANDED_OFF_STATUS,
    url: streamRequestTarget(head, STREAM_PREFIX.length),
  });
  t.streamHandler(socket, head);
}
