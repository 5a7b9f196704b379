/**
 * The first bytes of each connection decide who owns it (DESIGN "Decisions"): a `STREAM `
 * request goes to the stream receiver, with one access-log line as netdata writes for it;
 * anything else is handed to the HTTP server.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { debug, warn } from '../log.js';
import { streamRequestTarget, type AccessLog } from './access-log.js';
import { clientIp } from './patterns.js';

/** The bytes that mark a streaming request. */
const STREAM_PREFIX = 'STREAM ';
/** Close a connection that sends nothing for this long before its first request. */
export const FIRST_REQUEST_TIMEOUT_MS = 60_000;
/**
 * Longest `STREAM` request line the dispatcher waits for (to log its target) before handing the
 * connection over anyway; the receiver applies its own request limits.
 */
export const STREAM_REQUEST_LINE_MAX_BYTES = 16 * 1024;
/** Answer when streaming is not wired in (the receiver is a later part). */
export const STREAM_NOT_SUPPORTED = 'This agent does not accept streaming connections yet.\r\n';
/**
 * The status logged for a stream connection handed to the receiver. netdata logs the receiver's
 * own answer; here the receiver answers after the hand-off and logs acceptance or refusal itself.
 */
const STREAM_HANDED_OFF_STATUS = 200;

const LF = 0x0a;

/** Takes a connection whose first bytes were `STREAM `; `head` holds every byte read so far. */
export type StreamHandler = (socket: net.Socket, head: Buffer) => void;

/** What the dispatcher hands connections to. */
export interface DispatchTargets {
  httpServer: http.Server;
  streamHandler?: StreamHandler;
  accessLog: AccessLog;
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

/** The handler for every accepted TCP connection: reads its first bytes, then hands it over. */
export function createDispatcher(t: DispatchTargets): (socket: net.Socket) => void {
  return (socket) => {
    if (!t.allowConnection(socket.remoteAddress)) {
      debug(`web: connection from ${clientIp(socket.remoteAddress)} denied by [web] allow connections from`);
      socket.destroy();
      return;
    }
    socket.setTimeout(FIRST_REQUEST_TIMEOUT_MS, () => socket.destroy());
    let head = Buffer.alloc(0);
    let firstByteAt = 0n;
    const onData = (chunk: Buffer) => {
      if (head.length === 0) firstByteAt = process.hrtime.bigint();
      head = Buffer.concat([head, chunk]);
      const v = verdict(head);
      if (v === 'wait') return;
      socket.off('data', onData);
      socket.pause();
      socket.setTimeout(0);
      if (v === 'stream') {
        t.handedOff(socket);
        streamConnection(t, socket, head, firstByteAt);
        return;
      }
      socket.unshift(head);
      t.httpServer.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  };
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
