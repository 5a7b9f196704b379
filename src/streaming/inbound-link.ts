/**
 * The inbound link of one mirrored host, across its connections: which child session carries it
 * now (if any), how often it reconnected, and its figures when read (link-stats.ts). It reads
 * the counters the session keeps anyway (bytes per chunk, the parser's values) and adds nothing
 * to the data path.
 */
import type { Host } from '../database/index.js';
import { lagSeconds, RateMeter, type LinkStatus } from './link-stats.js';
import type { LinkCapabilities } from './negotiation.js';
import type { ReceiverSession } from './receiver-session.js';

/** Where a connection of the link comes from. */
export interface InboundPeer {
  /** `ip:port` of the child's socket. */
  address: string;
  /** The node the data arrives from directly, when known (see LinkStatus.via). */
  via: string | null;
  tls: boolean;
}

/** One host's inbound link; `attach` at every accepted connection, `detach` when it ends. */
export class InboundLink {
  readonly host: Host;
  #session: ReceiverSession | null = null;
  #peer: InboundPeer = { address: '', via: null, tls: false };
  #connections = 0;
  #sinceS: number | null = null;
  #closedBytes = 0;
  #closedValues = 0;
  #capabilities = '';
  #compression: string | null = null;
  #shownLink: LinkCapabilities | null = null;
  #shownCapabilities = '';
  #bytes: RateMeter;
  #values: RateMeter;

  constructor(host: Host, nowMs: number) {
    this.host = host;
    this.#bytes = new RateMeter(nowMs);
    this.#values = new RateMeter(nowMs);
  }

  /** The session now carrying the host, from `nowMs`. */
  attach(session: ReceiverSession, peer: InboundPeer, nowMs: number): void {
    if (this.#session) this.detach(this.#session, nowMs);
    this.#session = session;
    this.#peer = peer;
    this.#connections++;
    this.#sinceS = Math.floor(nowMs / 1000);
  }

  /** `session` ended at `nowMs`; its counts stay in the totals. Another session's end is ignored. */
  detach(session: ReceiverSession, nowMs: number): void {
    if (this.#session !== session) return;
    this.#closedBytes += session.bytesReceived;
    this.#closedValues += session.values;
    this.#capabilities = session.link?.toString().trim() ?? '';
    this.#compression = session.link?.compression ?? null;
    this.#session = null;
    this.#sinceS = Math.floor(nowMs / 1000);
  }

  /** `link`'s capability names, trimmed once per link (status is read every second). */
  #capabilitiesOf(link: LinkCapabilities | null): string {
    if (link !== this.#shownLink) {
      this.#shownLink = link;
      this.#shownCapabilities = link?.toString().trim() ?? '';
    }
    return this.#shownCapabilities;
  }

  /** The link's figures now. */
  status(nowMs: number): LinkStatus {
    const s = this.#session;
    const bytesTotal = this.#closedBytes + (s?.bytesReceived ?? 0);
    const valuesTotal = this.#closedValues + (s?.values ?? 0);
    const replication = s?.replication ?? null;
    return {
      direction: 'in',
      host: this.host.hostname,
      machineGuid: this.host.machineGuid,
      peer: this.#peer.address,
      connected: s !== null,
      sinceS: this.#sinceS,
      reconnects: Math.max(0, this.#connections - 1),
      bytesPerSecond: this.#bytes.read(bytesTotal, nowMs),
      valuesPerSecond: this.#values.read(valuesTotal, nowMs),
      bytesTotal,
      valuesTotal,
      compression: s ? s.link?.compression ?? null : this.#compression,
      tls: this.#peer.tls,
      capabilities: s ? this.#capabilitiesOf(s.link) : this.#capabilities,
      lagSeconds: lagSeconds(this.host.newestStoredS, nowMs),
      replication: replication && {
        state: replication.pendingCharts > 0 ? 'replicating' : 'idle', chartsPending: replication.pendingCharts,
      },
      spool: null,
      bufferFill: null,
      via: this.#peer.via,
    };
  }
}
