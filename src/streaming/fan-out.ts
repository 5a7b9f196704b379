/**
 * Fan-out: this node's own host streamed to several parents at once. `[stream] destination` is
 * one link (its entries a failover list, as in netdata); every entry of `[stream] also send to`
 * is a link of its own beside it. Each link is a whole {@link StreamSender}: its own connection
 * and bounded buffer, its own negotiation, its own replication responder (the parent's
 * REPLAY_CHART requests are answered per link) and, for a host without a database, its own
 * spool, so a parent that is slow, stalled or gone never holds back another: its buffer
 * overflows or its send timeout closes it, and its spool or the database fills it later.
 */
import type { Host } from '../database/types.js';
import { SenderLog } from './events.js';
import { createHostSender, senderDestinations, type SenderContext } from './host-sender.js';
import { splitDestinations, type Destination } from './destination.js';
import type { SenderStats, StreamSender } from './sender.js';

/** Every link the local host streams over; `start()` / `stop()` bound their lives together. */
export class FanOut {
  /** The `destination` link first, then one per `also send to` parent. */
  readonly links: readonly StreamSender[];

  constructor(links: readonly StreamSender[]) {
    this.links = links;
  }

  start(): void {
    for (const link of this.links) link.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((link) => link.stop()));
  }

  /** Each link's figures, in the order of {@link links}. */
  get stats(): SenderStats[] {
    return this.links.map((link) => link.stats);
  }
}

/**
 * The local host's links from `[stream]`: `destination` as one failover link, then each
 * `also send to` destination as its own. A parent named twice would be refused as already
 * streaming on the second link, so a repeat is logged and left out.
 */
export function localFanOut(host: Host, context: SenderContext): FanOut {
  const s = context.sender;
  const log = new SenderLog(host.hostname);
  const groups: Destination[][] = [senderDestinations(s.destination, context, log)];
  const seen = new Set(groups[0]!.map((d) => d.label));
  for (const entry of s.alsoSendTo.flatMap(splitDestinations)) {
    const [destination] = senderDestinations([entry], context, log);
    if (!destination) continue;
    if (seen.has(destination.label)) {
      log.badDestination(`'also send to' names ${destination.label} again - it already has a link; ignored.`);
      continue;
    }
    seen.add(destination.label);
    groups.push([destination]);
  }
  return new FanOut(groups.map((destinations) => createHostSender(host, {
    destinations, apiKey: s.apiKey, sendChartsMatching: s.sendChartsMatching, mode: 'local',
  }, context)));
}
