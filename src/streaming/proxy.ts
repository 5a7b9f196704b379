/**
 * Proxies (reference §2.7): a mirrored host whose resolved settings enable it is re-streamed
 * upstream under its own hostname and GUID, with hops + 1. Its data blocks are forwarded byte
 * for byte; its definitions are regenerated from the host's charts whenever the upstream link
 * (re)connects, so it works whether or not this node keeps samples (memory mode none).
 */
import type { ReceiverHostSettings } from '../config/index.js';
import type { Host } from '../database/index.js';
import { parseDestinations } from './destination.js';
import { SenderLog } from './events.js';
import { createFanOut, type FanOut } from './fan-out.js';
import type { HostFunction } from './function-relay.js';
import type { SenderContext } from './host-sender.js';

/**
 * The links that re-stream a mirrored host which came over `receivedPath` (peer-loop.ts): one to
 * `proxy destination`, one more per `proxy also send to` parent (fan-out.ts); null when its
 * settings do not proxy it (or say too little: no usable destination or no API key, which is
 * logged). The caller starts and stops them.
 */
export function createProxySender(
  host: Host,
  settings: Readonly<ReceiverHostSettings>,
  context: SenderContext,
  receivedPath: readonly string[] = [],
  functions?: () => readonly HostFunction[],
): FanOut | null {
  if (!settings.proxyEnabled) return null;
  const usable = parseDestinations(settings.proxyDestination, context.sender.defaultPort).destinations;
  if (usable.length === 0 || !settings.proxyApiKey) {
    new SenderLog(host.hostname).badDestination('cannot enable proxy sending - proxy destination or proxy api key is missing.');
    return null;
  }
  return createFanOut(host, {
    destination: settings.proxyDestination, alsoSendTo: settings.proxyAlsoSendTo, apiKey: settings.proxyApiKey,
    sendChartsMatching: settings.proxySendChartsMatching, mode: 'proxy', receivedPath, functions,
  }, context);
}
