/**
 * streaming: netdata's streaming protocol both ways (reference §2). A sender streams this
 * node's charts to a parent (`[stream]`), a receiver takes children's streams from the web
 * port (`stream.conf` API key and machine GUID sections) into mirrored hosts, and a proxy
 * re-streams mirrored hosts upstream. Its only public surface.
 */
import type net from 'node:net';
import { createSimplePattern, type NetdataConfig, type ReceiverHostSettings, type StreamConfig, type SimplePattern } from '../config/index.js';
import type { Host, HostRegistry } from '../database/index.js';
import type { Parser, ParserOptions } from '../protocol/index.js';
import type { PatternMatcher } from './access.js';
import type { FanOut } from './fan-out.js';
import type { SenderContext } from './host-sender.js';
import { OrphanCleaner } from './orphans.js';
import type { HostFunction } from './function-relay.js';
import {
  DEFAULT_RECEIVER_LIMITS, Receivers, type ReceiverLimits, type ReceiversStats, type ReceivingStatus, type ReplicationTotals,
} from './receiver.js';
import type { StreamLinks } from './link-stats.js';
import type { SenderStats } from './sender.js';

export { Connection } from './connection.js';
export { parseDestinations, type Destination } from './destination.js';
export {
  CAP, PROMPT_V1, PROMPT_V2, PROMPT_VN, ERROR_SAME_LOCALHOST, ERROR_ALREADY_STREAMING, ERROR_NOT_PERMITTED, ERROR_TOO_BUSY,
  ERROR_LOOP,
} from './prompts.js';
export { PATH_HEADER } from './peer-loop.js';
export { LinkCapabilities, OFFERED_CAPABILITIES } from './negotiation.js';
export type { ReceiverLimits } from './receiver.js';
export { spoolRecentSlots, SPOOL_RECENT_SLOTS } from './spool-recorder.js';
export { hostCoverage, type HostCoverage, type ChartCoverage, type CoverageGap, type GapReason } from './coverage-report.js';
export type { LinkReplication, LinkSpool, LinkStatus, StreamLinks } from './link-stats.js';
export type { HostFunction } from './function-relay.js';

/** What createStreaming needs from the agent. */
export interface StreamingDeps {
  registry: HostRegistry;
  /** This agent's version, sent in `User-Agent`. */
  version: string;
  createParser: (options: ParserOptions) => Parser;
  /** Overrides of the receiver's limits (tests, big parents). */
  limits?: Partial<ReceiverLimits>;
  /** A child's stream was accepted for `host` with these settings (health attaches here). */
  onHostConnected?: (host: Host, settings: Readonly<ReceiverHostSettings>) => void;
  /** An orphan host was removed from the registry (health detaches here). */
  onHostRemoved?: (host: Host) => void;
  /** A connection of `host`'s GUID from another address was refused (health raises its alarm). */
  onIdentityConflict?: (host: Host, streamingFrom: string, refusedFrom: string) => void;
  /** The local host's functions (its plugins'), announced to and called by its parent. */
  localFunctions?: () => readonly HostFunction[];
}

/** Figures for the agent's self-monitoring charts. */
export interface StreamingStats {
  /** The local host's sender (its `destination` link); null when `[stream] enabled = no`. */
  sender: SenderStats | null;
  /** Every link of the local host: `destination`'s, then each `also send to` parent's. */
  links: SenderStats[];
  receivers: ReceiversStats;
  /** Replication of the children's links into this node. */
  replication: ReplicationTotals;
  /** Senders of proxied hosts now running. */
  proxies: number;
}

/**
 * A host's links as `/api/v1/info` shows them: the link from its child (mirrored hosts) and the
 * link upstream (the local host's sender, or a proxied host's).
 */
export interface HostLinkStatus {
  received: ReceivingStatus | null;
  sent: SenderStats | null;
  /** The local host's `also send to` links (fan-out.ts), beside `sent` (its `destination` link). */
  alsoSent?: SenderStats[];
}

/** The running streaming part: `start()` once, `stop()` once; requests may come in between. */
export interface Streaming {
  /** The receiver's entry: a connection whose first bytes were `STREAM `; `head` = bytes read so far. */
  handleStreamRequest(socket: net.Socket, head: Buffer): void;
  /** Starts the local host's sender (when `[stream] enabled`) and the orphan cleanup. */
  start(): Promise<void>;
  /** Closes the sender, every receiving connection and proxy, and the timers. */
  stop(): Promise<void>;
  stats(): StreamingStats;
  /** The resolved stream.conf settings a mirrored host was accepted with (health reads `healthEnabled`). */
  receiverSettings(machineGuid: string): Readonly<ReceiverHostSettings> | undefined;
  /** The links of the host with this GUID now; undefined when it has none. */
  hostStatus(machineGuid: string): HostLinkStatus | undefined;
  /**
   * Every link of this node now with its figures: each mirrored host's inbound link (connected
   * or not, until the host is removed) and every sender's (the local host's, the proxies').
   * Rates are measured between reads (link-stats.ts).
   */
  links(nowMs: number): StreamLinks;
  /**
   * Where `host` goes upstream now and whether that link is established (health's notification
   * owner); null when this node does not forward it. A proxied host whose child is gone has no
   * sender of its own: it is judged by the local host's link to the same parents.
   */
  upstreamOf(host: Host): UpstreamState | null;
  /**
   * The functions of a mirrored host, registered by its child through the stream; running only
   * while its link is up. Empty for a host this node never received.
   */
  functionsOf(machineGuid: string): HostFunction[];
}

/** A host's upstream link as `Streaming.upstreamOf` tells it. */
export interface UpstreamState {
  destination: string;
  established: boolean;
}

/** A matcher that compiles each distinct pattern text once. */
function patternCache(): PatternMatcher {
  const compiled = new Map<string, SimplePattern>();
  return (pattern, subject) => {
    let p = compiled.get(pattern);
    if (!p) { p = createSimplePattern(pattern); compiled.set(pattern, p); }
    return p.matches(subject);
  };
}

/**
 * The sender side (fan-out.ts, proxy.ts: connections, spool, replication responder), loaded only
 * by a node that sends (`[stream] enabled`) or may proxy a child (`StreamConfig.mayProxy`): a
 * parent that only receives never holds it (docs/memory.md).
 */
async function loadSenders(stream: StreamConfig): Promise<typeof import('./proxy.js') & typeof import('./fan-out.js') | null> {
  if (!stream.sender.enabled && !stream.mayProxy) return null;
  const [fanOut, proxy] = await Promise.all([import('./fan-out.js'), import('./proxy.js')]);
  return { ...fanOut, ...proxy };
}

/** Builds the streaming part; nothing connects or listens until `start()` / the first request. */
export async function createStreaming(config: NetdataConfig, stream: StreamConfig, deps: StreamingDeps): Promise<Streaming> {
  const senders = await loadSenders(stream);
  const matches = patternCache();
  const registry = deps.registry;
  const senderContext: SenderContext = {
    sender: stream.sender, matches, programVersion: deps.version, localGuid: registry.localhost.machineGuid,
    localHostname: registry.localhost.hostname,
  };
  const receivers: Receivers = new Receivers({
    config,
    stream,
    registry,
    createParser: deps.createParser,
    matches,
    limits: { ...DEFAULT_RECEIVER_LIMITS, ...deps.limits },
    // without the sender side no host's settings enable a proxy (mayProxy), so there is none to make
    proxyFor: (host, settings, path) =>
      senders?.createProxySender(host, settings, senderContext, path, () => receivers.functionsOf(host.machineGuid)) ?? null,
    onHostConnected: deps.onHostConnected,
    onHostRemoved: deps.onHostRemoved,
    onIdentityConflict: deps.onIdentityConflict,
  });
  const orphans = new OrphanCleaner(registry, config.global.cleanupOrphanHostsAfterSecs,
    (guid) => receivers.isConnected(guid), (host) => {
      receivers.forget(host.machineGuid);
      deps.onHostRemoved?.(host);
    });
  const s = stream.sender;
  const fanOut: FanOut | null = s.enabled && senders ? senders.createFanOut(registry.localhost, {
    destination: s.destination, alsoSendTo: s.alsoSendTo, apiKey: s.apiKey, sendChartsMatching: s.sendChartsMatching, mode: 'local', functions: deps.localFunctions,
  }, senderContext) : null;

  return {
    handleStreamRequest: (socket, head) => receivers.handle(socket, head),
    async start() {
      orphans.start();
      fanOut?.start();
    },
    async stop() {
      orphans.stop();
      await Promise.all([fanOut?.stop(), receivers.stop()]);
    },
    stats: () => ({
      sender: fanOut?.stats ?? null, links: fanOut?.linkStats ?? [],
      receivers: receivers.stats, replication: receivers.replicationTotals(), proxies: receivers.proxies,
    }),
    receiverSettings: (guid) => receivers.settingsOf(guid),
    links: (nowMs) => ({
      inbound: receivers.links(nowMs),
      outbound: [...(fanOut?.linkStatuses(nowMs) ?? []), ...receivers.proxyLinks(nowMs)],
    }),
    functionsOf: (guid) => receivers.functionsOf(guid),
    hostStatus(guid) {
      if (guid === registry.localhost.machineGuid) {
        return fanOut ? { received: null, sent: fanOut.stats, alsoSent: fanOut.linkStats.slice(1) } : undefined;
      }
      const received = receivers.statusOf(guid);
      return received ? { received, sent: received.upstream } : undefined;
    },
    upstreamOf(host) {
      const link = (s: SenderStats): UpstreamState => ({ destination: s.destination, established: s.connected });
      // with fan-out, the host is forwarded while any of its links is up
      const anyOf = (links: readonly SenderStats[]): UpstreamState =>
        link(links.find((l) => l.connected) ?? links[0]!);
      if (host.isLocal) return fanOut ? anyOf(fanOut.linkStats) : null;
      const status = receivers.statusOf(host.machineGuid);
      if (status) return status.upstream ? link(status.upstream) : null;
      return fanOut && receivers.settingsOf(host.machineGuid)?.proxyEnabled ? anyOf(fanOut.linkStats) : null;
    },
  };
}
