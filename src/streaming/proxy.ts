/**
 * Proxies (reference §2.7): a mirrored host whose resolved settings enable it is re-streamed
 * upstream under its own hostname and GUID, with hops + 1. Its data blocks are forwarded byte
 * for byte; its definitions are regenerated from the host's charts whenever the upstream link
 * (re)connects, so it works whether or not this node keeps samples (memory mode none).
 */
import type { ReceiverHostSettings } from '../config/types.js';
import type { Host } from '../database/types.js';
import { SenderLog } from './events.js';
import type { HostFunction } from './function-relay.js';
import { createHostSender, senderDestinations, type SenderContext } from './host-sender.js';
import type { StreamSender } from './sender.js';

/**
 * The sender for a mirrored host, or null when its settings do not proxy it (or say too
 * little: no destination or no API key, which is logged). The caller starts and stops it.
 */
export function createProxySender(
  host: Host,
  settings: Readonly<ReceiverHostSettings>,
  context: SenderContext,
  functions?: () => readonly HostFunction[],
): StreamSender | null {
  if (!settings.proxyEnabled) return null;
  const log = new SenderLog(host.hostname);
  const destinations = senderDestinations(settings.proxyDestination, context, log);
  if (destinations.length === 0 || !settings.proxyApiKey) {
    log.badDestination('cannot enable proxy sending - proxy destination or proxy api key is missing.');
    return null;
  }
  return createHostSender(host, {
    destinations, apiKey: settings.proxyApiKey, sendChartsMatching: settings.proxySendChartsMatching, mode: 'proxy', functions,
  }, context);
}
