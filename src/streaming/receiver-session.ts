/**
 * One accepted child: the prompt, then its bytes through the link's inbound transport (lz4
 * frames where it negotiated compression) into the same parser plugins use, with trusted
 * durations (reference §2.4), until the socket closes, goes idle, the transport refuses what
 * came, or the parser stops. The host and its data stay when it ends (reference §2.6).
 */
import type net from 'node:net';
import type { ReplicationSettings } from '../config/index.js';
import type { Host } from '../database/index.js';
import { ProtocolError, type Parser, type ParserOptions } from '../protocol/index.js';
import { linkEnded, linkStarted } from './coverage-ledger.js';
import { receiverLog } from './events.js';
import { LinkFunctionCalls, type MirroredFunctions } from './function-relay.js';
import type { LinkCapabilities } from './negotiation.js';
import { LinkReplicationReceiver, type ReplicationReceiverStats } from './replication-receiver.js';
import type { FanOut } from './fan-out.js';
import type { SenderStats } from './sender.js';
import type { SpoolClaim } from './spool-claim.js';
import { inboundTransport, type InboundTransport, type TransportStats } from './transport.js';

/** One accepted child's socket, host and callbacks. */
export interface SessionOptions {
  socket: net.Socket;
  host: Host;
  /** `STREAM NAME [receive from [ip]:port]`. */
  tag: string;
  clientAddress: string;
  /** The child's address without the port (the identity check compares it). */
  clientIp: string;
  createParser: (options: ParserOptions) => Parser;
  defaultUpdateEverySecs: number;
  /** Close when nothing arrives for this long. */
  idleTimeoutMs: number;
  /** The proxy's links re-streaming this host, if any; started and stopped with the session. */
  proxy: FanOut | null;
  /** How this host's gaps are filled when the link negotiates replication. */
  replication: Readonly<ReplicationSettings>;
  /** The host's functions: those its child announces on a link with FUNCTIONS are called through it. */
  functions: MirroredFunctions;
  /** The child's spool as its request told it (coverage: what it dropped is `spool full`); null when it did not. */
  spool: SpoolClaim | null;
  /** Told once, after the session ended (the owner marks the host not connected). */
  onClose: (session: ReceiverSession) => void;
}

/** Lives from the prompt to the disconnect; `close()` may be called at any time. */
export class ReceiverSession {
  readonly host: Host;
  readonly tag: string;
  readonly #options: SessionOptions;
  readonly #socket: net.Socket;
  #parser: Parser | null = null;
  #transport: InboundTransport | null = null;
  #replication: LinkReplicationReceiver | null = null;
  #link: LinkCapabilities | null = null;
  #functionCalls: LinkFunctionCalls | null = null;
  #lastDataMs = Date.now();
  #idleTimer: NodeJS.Timeout | null = null;
  /** The whole second last written to the host's stream state (once a second at most). */
  #lastDataS = 0;
  #reason = '';
  #reasonIsError = false;
  #closed = false;
  #bytes = 0;
  #resolveClosed!: () => void;
  /** Resolves once the session ended and its proxy sender stopped. */
  readonly closed = new Promise<void>((resolve) => { this.#resolveClosed = resolve; });

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#socket = options.socket;
    this.host = options.host;
    this.tag = options.tag;
  }

  /** When the child last sent anything (ms since the epoch). */
  get lastDataMs(): number {
    return this.#lastDataMs;
  }

  /** `ip:port` of the child. */
  get clientAddress(): string {
    return this.#options.clientAddress;
  }

  /** The child's address without the port. */
  get clientIp(): string {
    return this.#options.clientIp;
  }

  /** Whether this session re-streams its host upstream. */
  get proxied(): boolean {
    return this.#options.proxy !== null;
  }

  /** Bytes as they came on the socket (compressed, where the link is). */
  get bytesReceived(): number {
    return this.#bytes;
  }

  /** What the link's transport took and gave (wire and plain bytes, frames); null before `start()`. */
  get transport(): Readonly<TransportStats> | null {
    return this.#transport?.stats ?? null;
  }

  /** Values (SET) taken so far. */
  get values(): number {
    return this.#parser?.stats.values ?? 0;
  }

  /** What the link negotiated; null before `start()`. */
  get link(): LinkCapabilities | null {
    return this.#link;
  }

  /** The link's replication counters; null when it did not negotiate replication. */
  get replication(): ReplicationReceiverStats | null {
    return this.#replication?.stats ?? null;
  }

  /** The links re-streaming this host; null when it is not re-streamed. */
  get proxySender(): FanOut | null {
    return this.#options.proxy;
  }

  /** The proxy sender's figures; null when the host is not re-streamed. */
  get proxyStats(): SenderStats | null {
    return this.#options.proxy?.stats ?? null;
  }

  /** Completed iterations (END) so far. */
  get updates(): number {
    return this.#parser?.stats.iterations ?? 0;
  }

  /**
   * Writes the prompt of what `link` negotiated and starts feeding the parser; `leftover` are
   * bytes read past the request.
   */
  start(link: LinkCapabilities, leftover: Buffer): void {
    const { socket, host, tag } = this.#options;
    this.#link = link;
    receiverLog.initializing(tag);
    host.setStreamState({ connected: true, connectedSinceS: Math.floor(Date.now() / 1000), clientAddress: this.#options.clientAddress });
    linkStarted(host, Math.floor(Date.now() / 1000), link.replication && this.#options.replication.enabled, this.#options.spool);
    const proxy = this.#options.proxy;
    const replication = link.replication ? new LinkReplicationReceiver({
      tag,
      settings: this.#options.replication,
      send: (line) => { socket.write(line); },
      onChartStarted: (chart) => proxy?.holdChart(chart),
      onChartFinished: (chart) => proxy?.releaseChart(chart),
    }) : null;
    this.#replication = replication;
    const calls = link.functions ? this.#linkCalls() : null;
    this.#functionCalls = calls;
    this.#parser = this.#options.createParser({
      replication: replication ?? undefined,
      source: tag,
      host,
      trustedDurations: true,
      defaultUpdateEverySecs: this.#options.defaultUpdateEverySecs,
      defaultPluginName: '',
      onDataBlock: proxy ? (block, chart) => proxy.forwardBlock(block, chart) : undefined,
      onFunction: calls ? (fn) => this.#options.functions.register(fn, calls) : undefined,
      functionResults: calls?.sink,
      onStop: (stop) => this.close(`${stop.kind === 'disabled' ? 'child sent DISABLE' : stop.message}`, stop.kind !== 'disabled'),
    });
    const parser = this.#parser;
    this.#transport = inboundTransport(link, (plain) => parser.feed(plain));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err) => this.close(`socket error: ${err.message}`, true));
    socket.on('close', () => this.#finish());
    this.#watchIdle(this.#options.idleTimeoutMs);
    socket.write(link.prompt());
    receiverLog.negotiated(tag, link.toString());
    proxy?.start();
    receiverLog.receiving(tag);
    if (leftover.length > 0) this.#onData(leftover);
  }

  /**
   * Closes the link once nothing has come for `idleTimeoutMs` (0: never): one timer that wakes
   * when the last data would be that old. The socket's own timeout would do the same, but Node
   * re-arms it on every read, which a parent pays on every chunk of every child.
   */
  #watchIdle(delayMs: number): void {
    const timeoutMs = this.#options.idleTimeoutMs;
    if (timeoutMs <= 0 || this.#closed) return;
    this.#idleTimer = setTimeout(() => {
      const idleMs = Date.now() - this.#lastDataMs;
      if (idleMs < timeoutMs) this.#watchIdle(timeoutMs - idleMs);
      else this.close(`nothing received for ${Math.round(timeoutMs / 1000)} seconds`, true);
    }, delayMs);
    this.#idleTimer.unref();
  }

  /** Function calls go down this socket; a result that never ends closes the link (it would swallow the metrics). */
  #linkCalls(): LinkFunctionCalls {
    const socket = this.#socket;
    return new LinkFunctionCalls(this.tag, {
      pendingBytes: () => socket.writableLength,
      write: (line, done) => {
        if (socket.destroyed) { done(new Error('the link is closed')); return; }
        socket.write(line, (err) => done(err ?? null));
      },
    }, {}, (message) => this.close(message, true));
  }

  /** Ends the session (first reason wins); the host stays, marked not connected. */
  close(reason: string, isError = false): void {
    if (!this.#reason) {
      this.#reason = reason;
      this.#reasonIsError = isError;
    }
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#lastDataMs = Date.now();
    const nowS = Math.floor(this.#lastDataMs / 1000);
    if (nowS !== this.#lastDataS) {
      this.#lastDataS = nowS;
      this.host.setStreamState({ lastDataS: nowS });
    }
    this.#bytes += chunk.length;
    try {
      this.#transport?.push(chunk);
    } catch (err) {
      this.#failed(err);
    }
  }

  #onEnd(): void {
    try {
      this.#transport?.end();
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.close('remote end closed the connection');
  }

  /** Bad bytes for the transport close the link with its reason; anything else is a bug of ours. */
  #failed(err: unknown): void {
    // the parser never throws for bad input: drop this child, keep the agent
    if (err instanceof ProtocolError) this.close(err.message, true);
    else this.close(`internal error: ${err instanceof Error ? err.message : String(err)}`, true);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    if (this.#parser && !this.#parser.stopped) this.#parser.end();
    this.#functionCalls?.close(`The link of ${this.host.hostname} closed before its child answered (${this.#reason || 'connection closed'}).`);
    receiverLog.disconnected(this.tag, this.updates, this.#reason || 'connection closed', this.#reasonIsError);
    linkEnded(this.host, Math.floor(Date.now() / 1000));
    this.#options.onClose(this);
    const proxy = this.#options.proxy;
    if (proxy) void proxy.stop().finally(() => this.#resolveClosed());
    else this.#resolveClosed();
  }
}
