/**
 * The stream receiver: takes `STREAM ...` connections from the web port, reads the request,
 * checks it (reference §2.2), finds or creates the host by machine GUID with its resolved
 * settings (reference §2.6, mirrored-host.ts) and hands the socket to a
 * {@link ReceiverSession}. Limits on connections, hosts and request size keep any number of
 * children within bounds.
 */
import type net from 'node:net';
import type { NetdataConfig, ReceiverHostSettings, StreamConfig } from '../config/index.js';
import type { Host, HostRegistry } from '../database/index.js';
import type { Parser, ParserOptions } from '../protocol/index.js';
import { checkAccess, plainAddress, type PatternMatcher } from './access.js';
import { countRefusal, DEFAULT_LIMITS } from '../limits.js';
import { receiveTag, receiverLog } from './events.js';
import { LinkCapabilities, offeredCapabilities } from './negotiation.js';
import {
  ERROR_ALREADY_STREAMING, ERROR_NOT_PERMITTED, ERROR_SAME_LOCALHOST, ERROR_TOO_BUSY,
} from './prompts.js';
import { InboundLink } from './inbound-link.js';
import type { LinkStatus } from './link-stats.js';
import { findHeadEnd, isKnownParam, parseStreamRequest, VIA_HEADER, type StreamRequest } from './request.js';
import { SPOOL_HEADER } from './spool-claim.js';
import { ReceiverSession } from './receiver-session.js';
import { MirroredFunctions, type HostFunction } from './function-relay.js';
import { cameThrough, ERROR_LOOP, isShorterPath, pathOf } from './peer-loop.js';
import { decideExisting } from './session-takeover.js';
import { hostCreatedLine, mirroredHostFor } from './mirrored-host.js';
import type { ReplicationReceiverStats } from './replication-receiver.js';
import type { FanOut } from './fan-out.js';
import type { SenderStats } from './sender.js';

/** Bounds on what children may make this node hold (DESIGN "Bad input"). */
export interface ReceiverLimits {
  /** Most mirrored hosts (connected or orphan); a new GUID beyond it is refused. */
  maxHosts: number;
  /** Most STREAM connections at once, handshaking or streaming. */
  maxConnections: number;
  /** Longest request head (request line and headers). */
  maxRequestBytes: number;
  /** Time a client has to send its whole request head. */
  requestTimeoutMs: number;
  /** A streaming child that sends nothing for this long is disconnected. */
  idleTimeoutSecs: number;
  /** A connected GUID whose last data is at most this old refuses a second connection (1.37). */
  alreadyStreamingSecs: number;
}

/** The receiver's limits unless StreamingDeps.limits overrides them. */
export const DEFAULT_RECEIVER_LIMITS: Readonly<ReceiverLimits> = Object.freeze({
  maxHosts: DEFAULT_LIMITS.hosts,
  maxConnections: DEFAULT_LIMITS.streamConnections,
  maxRequestBytes: DEFAULT_LIMITS.streamRequestBytes,
  requestTimeoutMs: 10_000,
  idleTimeoutSecs: 600,
  alreadyStreamingSecs: 30,
});

/** What the receivers need: the configuration, the registry, the parser and the proxy factory. */
export interface ReceiversOptions {
  config: NetdataConfig;
  stream: StreamConfig;
  registry: HostRegistry;
  createParser: (options: ParserOptions) => Parser;
  matches: PatternMatcher;
  limits: ReceiverLimits;
  /**
   * Builds the links that re-stream a mirrored host (proxy, fan-out.ts) that came over `path`
   * (the nodes it came through, peer-loop.ts), or null when it is not proxied.
   */
  proxyFor: (host: Host, settings: Readonly<ReceiverHostSettings>, path: readonly string[]) => FanOut | null;
  /** Told after a stream is accepted for a host (before its first line is parsed). */
  onHostConnected?: (host: Host, settings: Readonly<ReceiverHostSettings>) => void;
  /** Told when a host leaves the registry (an empty host freed when its link ended). */
  onHostRemoved?: (host: Host) => void;
  /** Told when a connection of a host's GUID from another address was refused (`ip:port` of both). */
  onIdentityConflict?: (host: Host, streamingFrom: string, refusedFrom: string) => void;
}

/** One mirrored host's links now: what its child's link negotiated and replicated, and its upstream. */
export interface ReceivingStatus {
  capabilities: string;
  /** The algorithm the child's bytes come compressed with; null when plain. */
  compression: string | null;
  /** null when the link did not negotiate replication. */
  replication: ReplicationReceiverStats | null;
  /** The proxy sender's figures, when the host is re-streamed. */
  upstream: SenderStats | null;
}

/** Replication over every receiving link: charts waiting, seconds still to fill, points stored. */
export interface ReplicationTotals {
  pendingCharts: number;
  secondsToFill: number;
  pointsReplayed: number;
}

/** Counters over every connection since start (self-monitoring). */
export interface ReceiversStats {
  connected: number;
  accepted: number;
  refused: number;
  bytesReceived: number;
  valuesReceived: number;
}

/** Every receiving connection of this node. */
export class Receivers {
  readonly #o: ReceiversOptions;
  readonly #sessions = new Map<string, ReceiverSession>();
  readonly #pending = new Set<net.Socket>();
  readonly #settings = new Map<string, Readonly<ReceiverHostSettings>>();
  /** Each mirrored host's inbound link, across its connections, until the host is removed. */
  readonly #links = new Map<string, InboundLink>();
  readonly #functions = new Map<string, MirroredFunctions>();
  readonly #rateLimitSecs: number;
  #lastAcceptMs = 0;
  #accepted = 0;
  #refused = 0;
  #closedBytes = 0;
  #closedValues = 0;
  #closedReplayed = 0;
  #stopped = false;

  constructor(options: ReceiversOptions) {
    this.#o = options;
    this.#rateLimitSecs = options.config.web.acceptStreamingRequestEverySecs;
  }

  get stats(): ReceiversStats {
    let bytes = this.#closedBytes;
    let values = this.#closedValues;
    for (const s of this.#sessions.values()) { bytes += s.bytesReceived; values += s.values; }
    return { connected: this.#sessions.size, accepted: this.#accepted, refused: this.#refused, bytesReceived: bytes, valuesReceived: values };
  }

  /** Mirrored hosts being re-streamed upstream now. */
  get proxies(): number {
    let n = 0;
    for (const s of this.#sessions.values()) if (s.proxied) n++;
    return n;
  }

  /** The settings a mirrored host was accepted with (health reads `healthEnabled`). */
  settingsOf(machineGuid: string): Readonly<ReceiverHostSettings> | undefined {
    return this.#settings.get(machineGuid);
  }

  /** What the link of a mirrored host negotiated and replicated, its proxy's too; undefined when not connected. */
  statusOf(machineGuid: string): ReceivingStatus | undefined {
    const session = this.#sessions.get(machineGuid);
    if (!session) return undefined;
    return {
      capabilities: session.link?.toString().trim() ?? '',
      compression: session.link?.compression ?? null,
      replication: session.replication,
      upstream: session.proxyStats,
    };
  }

  /**
   * Replication counters summed over every receiving link now (self-monitoring); points
   * replayed also count the links that closed.
   */
  replicationTotals(): ReplicationTotals {
    const total: ReplicationTotals = { pendingCharts: 0, secondsToFill: 0, pointsReplayed: this.#closedReplayed };
    for (const session of this.#sessions.values()) {
      const r = session.replication;
      if (!r) continue;
      total.pendingCharts += r.pendingCharts;
      total.secondsToFill += r.secondsToFill;
      total.pointsReplayed += r.pointsReplayed;
    }
    return total;
  }

  /** Every mirrored host's inbound link now, connected or not. */
  links(nowMs: number): LinkStatus[] {
    return [...this.#links.values()].map((link) => link.status(nowMs));
  }

  /** The links of the proxy senders re-streaming mirrored hosts now. */
  proxyLinks(nowMs: number): LinkStatus[] {
    const links: LinkStatus[] = [];
    for (const session of this.#sessions.values()) {
      const proxy = session.proxySender;
      if (proxy) links.push(...proxy.linkStatuses(nowMs));
    }
    return links;
  }

  /** A mirrored host left the registry: its link and its functions go too. */
  forget(machineGuid: string): void {
    this.#links.delete(machineGuid);
    this.#functions.delete(machineGuid);
  }

  /** The functions the child of this GUID registered (running only while its link is up). */
  functionsOf(machineGuid: string): HostFunction[] {
    return this.#functions.get(machineGuid)?.functions() ?? [];
  }

  #functionsFor(machineGuid: string): MirroredFunctions {
    let functions = this.#functions.get(machineGuid);
    if (!functions) { functions = new MirroredFunctions(); this.#functions.set(machineGuid, functions); }
    return functions;
  }

  /** Whether a child is streaming this GUID now. */
  isConnected(machineGuid: string): boolean {
    return this.#sessions.has(machineGuid);
  }

  /** Entry point from the web port: `head` holds the bytes read so far (starting `STREAM `). */
  handle(socket: net.Socket, head: Buffer): void {
    const ip = plainAddress(socket.remoteAddress);
    const port = socket.remotePort ?? 0;
    const tag = receiveTag(ip, port);
    receiverLog.newConnection(tag);
    socket.on('error', () => undefined);
    if (this.#stopped) { socket.destroy(); return; }
    if (this.#pending.size + this.#sessions.size >= this.#o.limits.maxConnections) {
      countRefusal('streamConnections');
      this.#refuse(socket, tag, ERROR_TOO_BUSY, `too many streaming connections (limit ${this.#o.limits.maxConnections}).`);
      return;
    }
    this.#pending.add(socket);
    this.#readHead(socket, head, tag, (headEnd, buffered) => {
      this.#pending.delete(socket);
      this.#onRequest(socket, ip, port, tag, buffered, headEnd);
    });
  }

  /** Closes every receiving connection; hosts and data stay. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    const sessions = [...this.#sessions.values()];
    for (const session of sessions) session.close('this node is stopping');
    await Promise.all(sessions.map((s) => s.closed));
  }

  #readHead(socket: net.Socket, head: Buffer, tag: string, done: (headEnd: number, buffered: Buffer) => void): void {
    let buffered = head;
    const limit = this.#o.limits.maxRequestBytes;
    const timer = setTimeout(() => finish(-2), this.#o.limits.requestTimeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      check();
    };
    const onClose = (): void => finish(-3);
    const finish = (end: number): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (end >= 0) { done(end, buffered); return; }
      this.#pending.delete(socket);
      if (end === -1) {
        countRefusal('streamRequestBytes');
        this.#refuse(socket, tag, ERROR_NOT_PERMITTED, `request is larger than ${limit} bytes. Forbidding access.`);
      } else if (end === -2) {
        countRefusal('requestDeadline');
        this.#refuse(socket, tag, ERROR_NOT_PERMITTED, `no complete request within ${this.#o.limits.requestTimeoutMs} ms.`);
      }
      else { this.#refused++; receiverLog.refused(tag, 'connection closed before the request was complete.'); }
    };
    const check = (): void => {
      const end = findHeadEnd(buffered);
      if (end >= 0 && end <= limit) finish(end);
      else if (end > limit || (end < 0 && buffered.length > limit)) finish(-1);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    // the web port paused the socket when it handed it over
    socket.resume();
    check();
  }

  #onRequest(socket: net.Socket, ip: string, port: number, tag: string, buffered: Buffer, headEnd: number): void {
    let request: StreamRequest;
    try {
      request = parseStreamRequest(buffered.toString('utf8', 0, headEnd));
    } catch (err) {
      this.#refuse(socket, tag, ERROR_NOT_PERMITTED, `${err instanceof Error ? err.message : String(err)}.`);
      return;
    }
    for (const [name, value] of request.params) if (!isKnownParam(name)) receiverLog.unusedParameter(tag, name, value);
    if (request.badVia !== null) receiverLog.badVia(tag, VIA_HEADER, request.badVia);
    if (request.badSpool !== null) receiverLog.badSpool(tag, SPOOL_HEADER, request.badSpool);
    const verdict = checkAccess(request, ip, this.#o.stream, this.#o.config.web.allowStreamingFrom, this.#o.matches);
    if (!verdict.ok) { this.#refuse(socket, tag, verdict.reply, verdict.message); return; }
    const now = Date.now();
    if (this.#rateLimitSecs > 0 && now - this.#lastAcceptMs < this.#rateLimitSecs * 1000) {
      this.#refuse(socket, tag, ERROR_TOO_BUSY, `too busy to accept new streaming request. Will be allowed in ${Math.ceil((this.#lastAcceptMs + this.#rateLimitSecs * 1000 - now) / 1000)} secs.`);
      return;
    }
    const hostTag = receiveTag(ip, port, request.hostname);
    if (request.machineGuid.toLowerCase() === this.#o.registry.localhost.machineGuid.toLowerCase()) {
      this.#refuse(socket, hostTag, ERROR_SAME_LOCALHOST, 'remote host is trying to stream my localhost back.');
      return;
    }
    let path: string[];
    try {
      path = pathOf(request.pathText);
    } catch (err) {
      this.#refuse(socket, hostTag, ERROR_NOT_PERMITTED, `${err instanceof Error ? err.message : String(err)}.`);
      return;
    }
    if (cameThrough(path, this.#o.registry.localhost.machineGuid)) {
      this.#refuse(socket, hostTag, ERROR_LOOP, `machine GUID '${request.machineGuid}' came through this node already (a loop of proxies). Rejecting this connection.`, true);
      return;
    }
    if (!this.#resolveExisting(socket, hostTag, request, ip, port)) return;
    if (!this.#hasRoomFor(request.machineGuid)) {
      countRefusal('hosts');
      this.#refuse(socket, hostTag, ERROR_TOO_BUSY, `too many hosts (limit ${this.#o.limits.maxHosts}); not accepting machine GUID '${request.machineGuid}'.`);
      return;
    }
    this.#lastAcceptMs = now;
    this.#accept(socket, ip, port, hostTag, request, path, buffered.subarray(headEnd));
  }

  /**
   * Already streaming (reference §2.2): refuse, or close a dead or stale connection and go on
   * (session-takeover.ts); a refusal from another address is a machine GUID conflict.
   */
  #resolveExisting(socket: net.Socket, tag: string, request: StreamRequest, ip: string, port: number): boolean {
    const current = this.#sessions.get(request.machineGuid);
    if (!current) return true;
    const idleMs = Date.now() - current.lastDataMs;
    const idleSecs = Math.floor(idleMs / 1000);
    const settings = this.#o.stream.resolveHost(request.apiKey, request.machineGuid);
    const currentHops = current.host.identity.hops ?? 1;
    if (settings.multipleConnections !== 'deny' && isShorterPath(request.hops, currentHops)) {
      receiverLog.shorterPath(tag, request.hops, currentHops);
      current.close('a shorter path of the same host took over', false);
      return true;
    }
    if (request.hops > currentHops && idleSecs <= this.#o.limits.alreadyStreamingSecs) {
      // a peer's copy of a host this node has more directly: expected in an active-active pair
      this.#refuse(socket, tag, ERROR_ALREADY_STREAMING, `machine GUID '${request.machineGuid}' is already streaming here over ${currentHops} hop(s); this connection has ${request.hops}. Rejecting it.`, true);
      return false;
    }
    const verdict = decideExisting({
      currentIp: current.clientIp, newIp: ip, idleMs, updateEverySecs: current.host.settings.updateEverySecs,
      multipleConnections: settings.multipleConnections, alreadyStreamingSecs: this.#o.limits.alreadyStreamingSecs,
    });
    if (verdict.action === 'takeover') {
      receiverLog.takeover(tag, verdict.reason);
      current.close('a new connection of the same host took over', true);
      return true;
    }
    if (verdict.conflict) {
      this.#refuse(socket, tag, ERROR_ALREADY_STREAMING, `machine GUID '${request.machineGuid}' is already streaming here ` +
        `from ${current.clientAddress} (last data ${idleSecs} seconds ago); refusing this connection from ${ip}:${port}: ` +
        'another machine with the same GUID?');
      this.#o.onIdentityConflict?.(current.host, current.clientAddress, `${ip}:${port}`);
      return false;
    }
    this.#refuse(socket, tag, ERROR_ALREADY_STREAMING, `machine GUID '${request.machineGuid}' is already streaming here (last data ${idleSecs} seconds ago). Rejecting this connection.`);
    return false;
  }

  /**
   * A mirrored host whose link ended before it defined a chart holds nothing worth keeping: it
   * leaves the registry at once, so handshakes without data cannot fill `maxHosts` until the
   * orphan cleanup. A host with charts stays an orphan as before.
   */
  #freeIfEmpty(host: Host, tag: string): void {
    if (host.isLocal || host.charts.size > 0) return;
    if (!this.#o.registry.remove(host.machineGuid)) return;
    this.#settings.delete(host.machineGuid);
    this.forget(host.machineGuid);
    countRefusal('emptyHosts');
    receiverLog.emptyHostFreed(tag, host.hostname, host.machineGuid);
    this.#o.onHostRemoved?.(host);
  }

  #hasRoomFor(machineGuid: string): boolean {
    const hosts = this.#o.registry.hosts();
    if (hosts.some((h) => h.machineGuid === machineGuid)) return true;
    return hosts.filter((h) => !h.isLocal).length < this.#o.limits.maxHosts;
  }

  #accept(socket: net.Socket, ip: string, port: number, tag: string, request: StreamRequest, path: readonly string[], leftover: Buffer): void {
    const settings = this.#o.stream.resolveHost(request.apiKey, request.machineGuid);
    const { host, created } = mirroredHostFor(this.#o, request, settings);
    if (created) receiverLog.hostCreated(hostCreatedLine(host, settings, this.#o.config.global.directories.cache));
    this.#settings.set(host.machineGuid, settings);
    this.#accepted++;
    const session = new ReceiverSession({
      socket,
      host,
      tag,
      clientAddress: `${ip}:${port}`,
      clientIp: ip,
      createParser: this.#o.createParser,
      defaultUpdateEverySecs: host.settings.updateEverySecs,
      idleTimeoutMs: this.#o.limits.idleTimeoutSecs * 1000,
      proxy: this.#o.proxyFor(host, settings, path),
      functions: this.#functionsFor(host.machineGuid),
      spool: request.spool,
      replication: {
        enabled: settings.enableReplication,
        secondsToReplicate: settings.secondsToReplicate,
        stepSecs: settings.secondsPerReplicationStep,
      },
      onClose: (s) => {
        this.#closedBytes += s.bytesReceived;
        this.#closedValues += s.values;
        this.#closedReplayed += s.replication?.pointsReplayed ?? 0;
        this.#links.get(s.host.machineGuid)?.detach(s, Date.now());
        if (this.#sessions.get(s.host.machineGuid) === s) {
          this.#sessions.delete(s.host.machineGuid);
          s.host.setStreamState({ connected: false, disconnectedAtS: Math.floor(Date.now() / 1000) });
          this.#freeIfEmpty(s.host, s.tag);
        }
      },
    });
    this.#sessions.set(host.machineGuid, session);
    this.#linkOf(host).attach(session, {
      address: `${ip}:${port}`,
      // a child says who forwards it; without that, hops 1 is the child itself (netdata children)
      via: request.via ?? (request.hops <= 1 ? request.hostname : null),
      tls: (socket as { encrypted?: boolean }).encrypted === true,
    }, Date.now());
    this.#o.onHostConnected?.(host, settings);
    const offered = offeredCapabilities({ compression: settings.enableCompression });
    session.start(LinkCapabilities.forChild(request.version, offered, settings.compressionAlgorithmsOrder), leftover);
  }

  #linkOf(host: Host): InboundLink {
    let link = this.#links.get(host.machineGuid);
    if (!link || link.host !== host) {
      link = new InboundLink(host, Date.now());
      this.#links.set(host.machineGuid, link);
    }
    return link;
  }

  /** `expected`: a refusal a peer of an active-active pair meets by design, logged throttled at INFO. */
  #refuse(socket: net.Socket, tag: string, reply: string, message: string, expected = false): void {
    this.#refused++;
    if (expected) receiverLog.refusedPeer(tag, message);
    else receiverLog.refused(tag, message);
    // raw bytes, no status line, no newline (reference §2.2); then close
    socket.end(reply);
    socket.setTimeout(5000, () => socket.destroy());
  }
}
