/**
 * Fan-out: one host streamed to several parents at once. `destination` (`[stream]`, or a
 * receiving section's `proxy destination`) is one link, its entries a failover list as in
 * netdata; every entry of `also send to` (`proxy also send to`) is a link of its own beside it.
 * Each link is a whole {@link StreamSender}: its own connection and bounded buffer, its own
 * negotiation, its own replication responder (the parent's REPLAY_CHART requests are answered
 * per link) and, for a host without a database, its own spool, so a parent that is slow,
 * stalled or gone never holds back another: its buffer overflows or its send timeout closes
 * it, and its spool or the database fills it later.
 */
import type { Chart, Host } from '../database/index.js';
import { SenderLog } from './events.js';
import { createHostSender, senderDestinations, type SenderContext, type SenderTarget } from './host-sender.js';
import { splitDestinations, type Destination } from './destination.js';
import type { LinkStatus } from './link-stats.js';
import type { SenderStats, StreamSender } from './sender.js';

/**
 * Every link one host streams over; `start()` / `stop()` bound their lives together. A proxy's
 * hold, release and forwarded blocks go to every link, each deciding for itself.
 */
export class FanOut {
  /** The `destination` link first, then one per `also send to` parent. */
  readonly links: readonly StreamSender[];

  constructor(links: readonly StreamSender[]) {
    this.links = links;
  }

  /** Starts every link (each observes the host and connects on its own). */
  start(): void {
    for (const link of this.links) link.start();
  }

  /** Stops every link; resolves when all their sockets are closed. */
  async stop(): Promise<void> {
    await Promise.all(this.links.map((link) => link.stop()));
  }

  /** The `destination` link's figures (what netdata's single sender shows). */
  get stats(): SenderStats {
    return this.links[0]!.stats;
  }

  /** Each link's figures, in the order of {@link links}. */
  get linkStats(): SenderStats[] {
    return this.links.map((link) => link.stats);
  }

  /** Each link's status for the topology and the streaming charts (link-stats.ts), in the order of {@link links}. */
  linkStatuses(nowMs: number): LinkStatus[] {
    return this.links.map((link) => link.linkStatus(nowMs));
  }

  /** A proxy's child is replaying `chart`: every link holds it back (StreamSender.holdChart). */
  holdChart(chart: Chart): void {
    for (const link of this.links) link.holdChart(chart);
  }

  /** The replay of `chart` is done: every link exposes it again. */
  releaseChart(chart: Chart): void {
    for (const link of this.links) link.releaseChart(chart);
  }

  /** A proxy's data block, copied into each link that is ready for it. */
  forwardBlock(block: Buffer, chart: Chart): void {
    for (const link of this.links) link.forwardBlock(block, chart);
  }
}

/** What a host's links are built from: the failover list, the extra parents, and the rest of the target. */
export interface FanOutTarget extends Omit<SenderTarget, 'destinations'> {
  /** `destination` / `proxy destination`, as written. */
  destination: readonly string[];
  /** `also send to` / `proxy also send to`, as written. */
  alsoSendTo: readonly string[];
}

/**
 * The links of `host`: `destination` as one failover link (with no usable entry it says so at
 * its start and sends nothing), then each `also send to` destination as its own. A parent named
 * twice would be refused as already streaming on the second link, so a repeat is logged and
 * left out.
 */
export function createFanOut(host: Host, target: FanOutTarget, context: SenderContext): FanOut {
  const log = new SenderLog(host.hostname);
  const first = senderDestinations(target.destination, context, log);
  const groups: Destination[][] = [first];
  const seen = new Set(first.map((d) => d.label));
  for (const entry of target.alsoSendTo.flatMap(splitDestinations)) {
    const [destination] = senderDestinations([entry], context, log);
    if (!destination) continue;
    if (seen.has(destination.label)) {
      log.badDestination(`'also send to' names ${destination.label} again - it already has a link; ignored.`);
      continue;
    }
    seen.add(destination.label);
    groups.push([destination]);
  }
  const { apiKey, sendChartsMatching, mode, receivedPath, functions } = target;
  return new FanOut(groups.map((destinations) => createHostSender(host, {
    destinations, apiKey, sendChartsMatching, mode, receivedPath, functions,
  }, context)));
}
