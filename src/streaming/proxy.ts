/**
 * Proxies (reference §2.7): a mirrored host whose resolved settings enable it is re-streamed
 * upstream under its own hostname and GUID, with hops + 1. Its data blocks are forwarded byte
 * for byte; its definitions are regenerated from the host's charts whenever the upstream link
 * (re)connects, so it works whether or not this node keeps samples (memory mode none).
 */
import type { ReceiverHostSettings, StreamSenderConfig } from '../config/types.js';
import type { Host } from '../database/types.js';
import type { PatternMatcher } from './access.js';
import { parseDestinations } from './destination.js';
import { SenderLog } from './events.js';
import { senderIdentity } from './identity.js';
import { StreamSender } from './sender.js';

export interface ProxyContext {
  /** `[stream]`: timeouts, buffer size, reconnect delay, resync iterations. */
  sender: Readonly<StreamSenderConfig>;
  matches: PatternMatcher;
  programVersion: string;
}

/**
 * The sender for a mirrored host, or null when its settings do not proxy it (or say too
 * little: no destination or no API key, which is logged). The caller starts and stops it.
 */
export function createProxySender(
  host: Host,
  settings: Readonly<ReceiverHostSettings>,
  context: ProxyContext,
): StreamSender | null {
  if (!settings.proxyEnabled) return null;
  const { destinations, errors } = parseDestinations(settings.proxyDestination, context.sender.defaultPort);
  const log = new SenderLog(host.hostname);
  for (const message of errors) log.badDestination(message);
  if (destinations.length === 0 || !settings.proxyApiKey) {
    log.badDestination('cannot enable proxy sending - proxy destination or proxy api key is missing.');
    return null;
  }
  const pattern = settings.proxySendChartsMatching;
  return new StreamSender({
    host,
    identity: senderIdentity(host, settings.proxyApiKey, context.programVersion),
    destinations,
    timeoutSecs: context.sender.timeoutSecs,
    bufferSizeBytes: context.sender.bufferSizeBytes,
    reconnectDelaySecs: context.sender.reconnectDelaySecs,
    initialClockResyncIterations: context.sender.initialClockResyncIterations,
    sendChart: (name) => context.matches(pattern, name),
    mode: 'proxy',
  });
}
