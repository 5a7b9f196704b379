/**
 * The counts a sender keeps for its link's figures (link-stats.ts): values sent (one add per
 * block: the chart's dimensions), the newest second sent, and when the link went up or down.
 * The sender feeds it; the figures are made only when read.
 */
import type { Chart } from '../database/index.js';
import { lagSeconds, RateMeter, type LinkStatus } from './link-stats.js';
import type { SenderStats } from './sender.js';

/** What the sender knows of its link beyond its stats. */
export interface OutboundFacts {
  host: string;
  machineGuid: string;
  /** The current (or last, or first configured) destination's label. */
  peer: string;
  tls: boolean;
  /** Bytes waiting to be sent and the buffer's size (`buffer size bytes`). */
  queuedBytes: number;
  bufferSizeBytes: number;
}

/** One sender's link counts; lives as long as the sender. */
export class OutboundLinkCounts {
  #values = 0;
  #newestSentS = 0;
  #sinceS: number | null = null;
  readonly #bytesRate: RateMeter;
  readonly #valuesRate: RateMeter;

  constructor(nowMs: number) {
    this.#bytesRate = new RateMeter(nowMs);
    this.#valuesRate = new RateMeter(nowMs);
  }

  /** A block of `chart` went to the connection. */
  blockSent(chart: Chart): void {
    this.#values += chart.dimensions.length;
    const s = Math.floor(chart.lastUpdatedUs / 1_000_000);
    if (s > this.#newestSentS) this.#newestSentS = s;
  }

  /** The link went up or down at `nowMs`. */
  changed(nowMs: number): void {
    this.#sinceS = Math.floor(nowMs / 1000);
  }

  /** The link's figures now, from the sender's stats and facts. */
  status(stats: SenderStats, facts: OutboundFacts, nowMs: number): LinkStatus {
    const waiting = stats.replication.waitingCharts;
    const spool = stats.spool;
    return {
      direction: 'out',
      host: facts.host,
      machineGuid: facts.machineGuid,
      peer: facts.peer,
      connected: stats.connected,
      sinceS: this.#sinceS,
      reconnects: Math.max(0, stats.connects - 1),
      bytesPerSecond: this.#bytesRate.read(stats.bytesSent, nowMs),
      valuesPerSecond: this.#valuesRate.read(this.#values, nowMs),
      bytesTotal: stats.bytesSent,
      valuesTotal: this.#values,
      compression: stats.compression,
      tls: facts.tls,
      capabilities: stats.capabilities,
      lagSeconds: lagSeconds(this.#newestSentS, nowMs),
      replication: stats.capabilities.includes('REPLICATION')
        ? { state: waiting > 0 ? 'replicating' : 'idle', chartsPending: waiting } : null,
      spool: spool && { bytes: spool.bytesOnDisk, oldestS: spool.oldestS },
      bufferFill: facts.bufferSizeBytes > 0 ? Math.min(1, facts.queuedBytes / facts.bufferSizeBytes) : 0,
      via: null,
    };
  }
}
