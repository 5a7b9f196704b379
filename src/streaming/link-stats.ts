/**
 * Per-link statistics: what one inbound link (a child's receiver session) or one outbound link
 * (a sender, per host and destination) did and does now. The links only count (a few integer
 * adds per chunk or block, where the bytes arrive or leave and the values are stored or sent);
 * rates are computed here when someone reads them, so no link has a timer and no value costs
 * anything more than before.
 */

/** A rate is measured over at least this long; reads within it repeat the last figure. */
export const MIN_RATE_WINDOW_MS = 900;

/**
 * A per-second rate of a growing counter, computed when read: each read at least
 * {@link MIN_RATE_WINDOW_MS} after the last measured one gives the counter's growth since then
 * per second; reads in between give that figure again. So any number of readers (the API, the
 * self-monitoring loop) share one window and none of them needs a timer.
 */
export class RateMeter {
  #sinceMs: number;
  #sinceCount: number;
  #rate = 0;

  constructor(nowMs: number, count = 0) {
    this.#sinceMs = nowMs;
    this.#sinceCount = count;
  }

  /** The rate (per second) with the counter at `count` now. */
  read(count: number, nowMs: number): number {
    const elapsedMs = nowMs - this.#sinceMs;
    if (elapsedMs >= MIN_RATE_WINDOW_MS) {
      // a counter that went back (a new connection's) starts a new window, never a negative rate
      this.#rate = count >= this.#sinceCount ? ((count - this.#sinceCount) * 1000) / elapsedMs : 0;
      this.#sinceMs = nowMs;
      this.#sinceCount = count;
    }
    return this.#rate;
  }
}

/** Replication on a link: idle, or charts still being replicated. */
export interface LinkReplication {
  state: 'idle' | 'replicating';
  /** Inbound: charts asked for and not finished; outbound: charts waiting for their last answer. */
  chartsPending: number;
}

/** The disk spool of a sender without a database. */
export interface LinkSpool {
  bytes: number;
  /** The oldest spooled second; null when the spool is empty. */
  oldestS: number | null;
}

/** One link now, as `/api/v1/topology` and the `netdata.streaming_*` charts show it. */
export interface LinkStatus {
  direction: 'in' | 'out';
  /** The host whose data the link carries. */
  host: string;
  machineGuid: string;
  /** `ip:port` of the child (inbound) or the destination (outbound). */
  peer: string;
  connected: boolean;
  /** When the link entered its current state (connected, or disconnected) in s; null if it never connected. */
  sinceS: number | null;
  /** Connections after the first. */
  reconnects: number;
  /** Bytes on the wire (compressed where the link is) per second. */
  bytesPerSecond: number;
  /** Values stored (inbound) or sent (outbound) per second. */
  valuesPerSecond: number;
  /** Bytes and values since the link's first connection (the charts' incremental dimensions). */
  bytesTotal: number;
  valuesTotal: number;
  compression: string | null;
  tls: boolean;
  /** What the link negotiated, as netdata prints it. */
  capabilities: string;
  /** Seconds the newest stored (inbound) or sent (outbound) second is behind now; null when none yet. */
  lagSeconds: number | null;
  replication: LinkReplication | null;
  spool: LinkSpool | null;
  /** Outbound: bytes waiting to be sent as a share of `buffer size bytes` (0..1); inbound: null. */
  bufferFill: number | null;
  /**
   * Inbound: the hostname of the node the data arrives from directly (the child itself at hops
   * 1; the proxy that forwards it beyond); null when the peer did not say. Outbound: null.
   */
  via: string | null;
}

/** Every link of a node now: inbound by the host they carry, outbound in no particular order. */
export interface StreamLinks {
  inbound: LinkStatus[];
  outbound: LinkStatus[];
}

/** Seconds `newestS` is behind `nowMs`, never negative; null when nothing was stored (0). */
export function lagSeconds(newestS: number, nowMs: number): number | null {
  if (newestS <= 0) return null;
  return Math.max(0, Math.floor(nowMs / 1000) - newestS);
}
