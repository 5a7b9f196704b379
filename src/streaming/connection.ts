/**
 * One outgoing connection with netdata's sender behaviour (reference §2.5), knowing nothing of
 * what it carries: destinations tried in order with failover, a connect timeout, an optional
 * handshake, a send timeout, a reconnect delay, and a bounded buffer with backpressure. The
 * stream sender and the backends both use it; they log its events in their own wording.
 */
import net from 'node:net';
import type { Destination } from './destination.js';
import { startClientTls, type ClientTls } from './tls-client.js';
import type { OutboundTransport } from './transport.js';

/**
 * How a handshake ended: ready to send (through `transport` when the link negotiated one, e.g.
 * compression), or refused with a delay before this destination is tried again.
 */
export type HandshakeOutcome =
  | { ok: true; transport?: OutboundTransport | null }
  | { ok: false; reason: string; postponeSecs: number };

/** Why a ready connection closed. */
export type CloseKind = 'remote-closed' | 'error' | 'send-timeout' | 'overflow' | 'restart' | 'stopped';

/** Why a ready connection closed, for the owner's log line. */
export interface CloseReason {
  kind: CloseKind;
  message: string;
}

/** What the owner hears; every callback is optional and must not throw. */
export interface ConnectionListener {
  connecting?(destination: Destination): void;
  connectFailed?(destination: Destination, message: string): void;
  /** TCP is up; the handshake (if any) starts now. */
  connected?(destination: Destination): void;
  /** The handshake refused; the destination is skipped for `postponeSecs`. */
  refused?(destination: Destination, reason: string, postponeSecs: number): void;
  /** A destination that can never be used (udp, or SSL without TLS settings); told once. */
  unusable?(destination: Destination, message: string): void;
  /** Writes now go out. The owner may `discard()` what was left from the last connection. */
  ready?(destination: Destination): void;
  /** The buffer would exceed its size: the connection restarts (netdata 1.37). */
  overflow?(destination: Destination, allocatedBytes: number, sentBytes: number): void;
  closed?(destination: Destination, reason: CloseReason): void;
  /** Bytes the peer sent after the handshake. */
  data?(chunk: Buffer): void;
}

/** Where and how a Connection connects; fixed for its life. */
export interface ConnectionOptions {
  destinations: readonly Destination[];
  connectTimeoutMs: number;
  /** Nothing could be written for this long while data waits → close (`timeout seconds`). */
  sendTimeoutMs: number;
  /** Wait after every destination failed (`reconnect delay seconds`). */
  reconnectDelayMs: number;
  /** Most bytes waiting to be sent (`buffer size bytes`). */
  bufferSizeBytes: number;
  /**
   * How `:SSL` destinations are connected (the stream sender's `[stream]` TLS settings); without
   * it such a destination cannot be used.
   */
  tls?: ClientTls;
  /** Runs on every new socket before it is ready; it owns the socket until it resolves. */
  handshake?: (socket: net.Socket, destination: Destination) => Promise<HandshakeOutcome>;
  listener?: ConnectionListener;
}

/** Counters since the Connection was created (self-monitoring). */
export interface ConnectionStats {
  connects: number;
  /** Bytes handed to the socket (after the connection's transport, if any: compressed). */
  bytesSent: number;
  /** Bytes accepted by `write()` (before the transport). */
  bytesQueued: number;
  /** Bytes refused by `write()` (not ready and buffer full, or overflow). */
  bytesDropped: number;
  bytesDiscarded: number;
  overflows: number;
}

/** Bytes gathered before one socket write; bigger writes bypass it. */
const STAGING_BYTES = 64 * 1024;
const SEND_TIMEOUT_CHECK_MS = 1000;

/**
 * A self-reconnecting connection. `start()` begins the connect loop; `write()` queues bytes
 * (copied, so the caller may reuse its buffer); `stop()` closes it for good. Bytes wait as
 * written; the transport a handshake gave (if any) encodes them only as they go to the socket,
 * so what waits can still be discarded, and the buffer's fill counts them as written until
 * then and as encoded in the socket's own buffer.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #listener: ConnectionListener;
  readonly #postponedUntilMs = new Map<Destination, number>();
  readonly #toldUnusable = new Set<Destination>();
  #staging = Buffer.allocUnsafe(STAGING_BYTES);
  #stagingBytes = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #lostAtClose = 0;
  #socket: net.Socket | null = null;
  /** The current connection's layer under the bytes; null = as written. */
  #transport: OutboundTransport | null = null;
  #destination: Destination | null = null;
  #ready = false;
  #draining = false;
  #flushScheduled = false;
  #stopped = true;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #closeCurrent: ((reason: CloseReason) => void) | null = null;
  #abortConnect: AbortController | null = null;
  readonly #stats: ConnectionStats = {
    connects: 0, bytesSent: 0, bytesQueued: 0, bytesDropped: 0, bytesDiscarded: 0, overflows: 0,
  };

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#listener = options.listener ?? {};
  }

  /** Whether writes go out now (handshake done, socket open). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The destination of the current (or last) connection. */
  get destination(): Destination | null {
    return this.#destination;
  }

  get stats(): Readonly<ConnectionStats> {
    return this.#stats;
  }

  /** Bytes waiting: staged, pending and in the socket's own buffer. */
  get queuedBytes(): number {
    return this.#stagingBytes + this.#pendingBytes + (this.#socket?.writableLength ?? 0);
  }

  /** Starts the connect loop; does nothing when already started. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  /** Closes the connection and ends the loop; resolves when the socket is closed. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#wake?.();
    this.#abortConnect?.abort();
    this.#closeCurrent?.({ kind: 'stopped', message: 'stopped' });
    await this.#loop;
  }

  /** Closes the current connection (if any); the loop connects again at once. */
  restart(message: string): void {
    this.#closeCurrent?.({ kind: 'restart', message });
  }

  /**
   * Queues `src[start..end)`. Returns false when the bytes were dropped: the buffer is full
   * (while ready this also restarts the connection, as netdata 1.37 does).
   */
  write(src: Buffer, start = 0, end = src.length): boolean {
    const n = end - start;
    if (n <= 0) return true;
    const allocated = this.queuedBytes;
    if (allocated + n > this.#options.bufferSizeBytes) return this.#overflowed(allocated, n);
    if (n > STAGING_BYTES - this.#stagingBytes) this.#stage();
    if (n > STAGING_BYTES) this.#queue(Buffer.from(src.subarray(start, end)));
    else {
      src.copy(this.#staging, this.#stagingBytes, start, end);
      this.#stagingBytes += n;
    }
    this.#stats.bytesQueued += n;
    this.#scheduleFlush();
    return true;
  }

  /** Drops everything not yet handed to the socket; returns how many bytes (plus those lost at the last close). */
  discard(): number {
    const bytes = this.#stagingBytes + this.#pendingBytes + this.#lostAtClose;
    this.#stagingBytes = 0;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#lostAtClose = 0;
    this.#stats.bytesDiscarded += bytes;
    return bytes;
  }

  #overflowed(allocated: number, n: number): boolean {
    this.#stats.bytesDropped += n;
    if (!this.#ready || !this.#destination) return false;
    this.#stats.overflows++;
    this.#listener.overflow?.(this.#destination, allocated, this.#stats.bytesSent);
    this.discard();
    this.#closeCurrent?.({ kind: 'overflow', message: `buffer full (allocated ${allocated} bytes)` });
    return false;
  }

  #stage(): void {
    if (this.#stagingBytes === 0) return;
    this.#queue(Buffer.from(this.#staging.subarray(0, this.#stagingBytes)));
    this.#stagingBytes = 0;
  }

  #queue(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || !this.#ready) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const socket = this.#socket;
    if (!this.#ready || !socket || this.#draining) return;
    this.#stage();
    const chunks = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const transport = this.#transport;
    for (let i = 0; i < chunks.length; i++) {
      const chunk = transport ? transport.encode(chunks[i]!) : chunks[i]!;
      this.#stats.bytesSent += chunk.length;
      if (!socket.write(chunk)) {
        // backpressure: the rest waits for 'drain' (still counted against the buffer size)
        this.#draining = true;
        for (let j = i + 1; j < chunks.length; j++) this.#queue(chunks[j]!);
        return;
      }
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const lastedMs = await this.#tryDestinations();
      if (this.#stopped) break;
      // a connection that broke quickly (or none at all) waits before the next round
      if (lastedMs < this.#options.reconnectDelayMs) await this.#sleep(this.#options.reconnectDelayMs);
    }
  }

  /** Tries every destination in order; returns how long a ready connection lasted (-1: none). */
  async #tryDestinations(): Promise<number> {
    for (const destination of this.#options.destinations) {
      if (this.#stopped) return -1;
      if (!this.#usable(destination)) continue;
      if ((this.#postponedUntilMs.get(destination) ?? 0) > Date.now()) continue;
      this.#listener.connecting?.(destination);
      let socket: net.Socket;
      this.#abortConnect = new AbortController();
      try {
        socket = await connectSocket(destination, this.#options.connectTimeoutMs, this.#abortConnect.signal, this.#options.tls);
      } catch (err) {
        if (this.#stopped) return -1;
        this.#listener.connectFailed?.(destination, err instanceof Error ? err.message : String(err));
        continue;
      } finally {
        this.#abortConnect = null;
      }
      if (this.#stopped) { socket.destroy(); return -1; }
      this.#destination = destination;
      this.#listener.connected?.(destination);
      const outcome = await this.#handshake(socket, destination);
      if (!outcome.ok) {
        socket.destroy();
        this.#postponedUntilMs.set(destination, Date.now() + outcome.postponeSecs * 1000);
        this.#listener.refused?.(destination, outcome.reason, outcome.postponeSecs);
        continue;
      }
      if (this.#stopped) { socket.destroy(); return -1; }
      const startedMs = Date.now();
      this.#transport = outcome.transport ?? null;
      const reason = await this.#serve(socket, destination);
      this.#listener.closed?.(destination, reason);
      return Date.now() - startedMs;
    }
    return -1;
  }

  #usable(destination: Destination): boolean {
    let problem = '';
    if (destination.ssl && !this.#options.tls) problem = 'SSL is not supported';
    else if (destination.protocol === 'udp') problem = 'udp is not supported';
    if (!problem) return true;
    if (!this.#toldUnusable.has(destination)) {
      this.#toldUnusable.add(destination);
      this.#listener.unusable?.(destination, problem);
    }
    return false;
  }

  async #handshake(socket: net.Socket, destination: Destination): Promise<HandshakeOutcome> {
    if (!this.#options.handshake) return { ok: true };
    const closeOnStop = (): void => { socket.destroy(); };
    this.#closeCurrent = closeOnStop;
    try {
      return await this.#options.handshake(socket, destination);
    } catch (err) {
      return { ok: false, reason: err instanceof Error ? err.message : String(err), postponeSecs: 0 };
    } finally {
      this.#closeCurrent = null;
    }
  }

  /** Runs one ready connection until it closes; returns why. */
  #serve(socket: net.Socket, destination: Destination): Promise<CloseReason> {
    return new Promise<CloseReason>((resolve) => {
      let reason: CloseReason | null = null;
      let lastProgressMs = Date.now();
      const close = (r: CloseReason): void => {
        reason ??= r;
        socket.destroy();
      };
      const timer = setInterval(() => {
        if (socket.writableLength === 0 && !this.#draining) lastProgressMs = Date.now();
        else if (Date.now() - lastProgressMs > this.#options.sendTimeoutMs) {
          close({ kind: 'send-timeout', message: `could not send for ${Math.round(this.#options.sendTimeoutMs / 1000)} seconds` });
        }
      }, SEND_TIMEOUT_CHECK_MS);
      timer.unref();
      socket.on('data', (chunk: Buffer) => this.#listener.data?.(chunk));
      socket.on('drain', () => {
        lastProgressMs = Date.now();
        this.#draining = false;
        this.#scheduleFlush();
      });
      socket.on('end', () => close({ kind: 'remote-closed', message: 'remote closed the connection' }));
      socket.on('error', (err) => close({ kind: 'error', message: err.message }));
      socket.on('close', () => {
        clearInterval(timer);
        this.#lostAtClose = socket.writableLength;
        this.#ready = false;
        this.#draining = false;
        this.#socket = null;
        this.#transport = null;
        this.#closeCurrent = null;
        resolve(reason ?? { kind: 'remote-closed', message: 'connection closed' });
      });
      this.#socket = socket;
      this.#closeCurrent = close;
      this.#ready = true;
      this.#stats.connects++;
      this.#listener.ready?.(destination);
      this.#scheduleFlush();
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void { clearTimeout(timer); resolve(); }
      this.#wake = done;
    }).finally(() => { this.#wake = null; });
  }
}

/**
 * Opens a socket to one destination (TLS on it for an `:SSL` one when `tls` is given); rejects
 * on error, after `timeoutMs` (for TCP, then again for the TLS handshake), or when `signal` aborts.
 */
export async function connectSocket(destination: Destination, timeoutMs: number, signal?: AbortSignal, tls?: ClientTls): Promise<net.Socket> {
  const socket = await connectTcp(destination, timeoutMs, signal);
  if (!destination.ssl || !tls) return socket;
  const onAbort = (): void => { socket.destroy(); };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await startClientTls(socket, destination, tls, timeoutMs);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function connectTcp(destination: Destination, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = destination.protocol === 'unix'
      ? net.connect({ path: destination.host })
      : net.connect({ host: scopedHost(destination), port: destination.port });
    const fail = (message: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`connection timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = (): void => fail('stopped');
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      // later errors surface as 'close'; whoever owns the socket adds its own listener
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
      socket.setKeepAlive(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      fail(err.message);
    });
  });
}

/** An IPv6 destination with `%INTERFACE` connects to the scoped address; IPv4 ignores it. */
function scopedHost(destination: Destination): string {
  return destination.interface && destination.host.includes(':')
    ? `${destination.host}%${destination.interface}`
    : destination.host;
}
