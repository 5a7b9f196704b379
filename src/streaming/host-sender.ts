/**
 * Building a host's sender from `[stream]`-style settings, shared by the local host's sender
 * (`[stream]`) and a proxy's (the receiving sections of stream.conf): where to send, with which
 * key, which charts; the timeouts, buffer, reconnect delay, resync iterations, compression and
 * its levels are `[stream]`'s (1.37 reads `enable compression` for every sender there).
 */
import type { StreamSenderConfig } from '../config/index.js';
import type { Host } from '../database/index.js';
import type { PatternMatcher } from './access.js';
import type { HostFunction } from './function-relay.js';
import { parseDestinations, type Destination } from './destination.js';
import { SenderLog } from './events.js';
import { senderIdentity } from './identity.js';
import { offeredCapabilities } from './negotiation.js';
import { forwardedPath } from './peer-loop.js';
import { hostReplaySource } from './replay-source.js';
import { Spool, spoolDirectory } from './spool.js';
import { SpoolRecorder } from './spool-recorder.js';
import { StreamSender } from './sender.js';
import { clientTls, type ClientTls } from './tls-client.js';

/** What every sender of this node shares. */
export interface SenderContext {
  /** `[stream]`: timeouts, buffer size, reconnect delay, resync iterations, default port. */
  sender: Readonly<StreamSenderConfig>;
  matches: PatternMatcher;
  programVersion: string;
  /** This node's machine GUID: the last node of the path a proxy sends (peer-loop.ts). */
  localGuid: string;
  /** This node's hostname, sent with every request as the node the host arrives through. */
  localHostname?: string;
}

/** What differs between senders. */
export interface SenderTarget {
  destinations: readonly Destination[];
  apiKey: string;
  /** A simple pattern tested against each chart's id and name. */
  sendChartsMatching: string;
  mode: 'local' | 'proxy';
  /** A proxied host's path as it arrived here; this node is added to it (peer-loop.ts). */
  receivedPath?: readonly string[];
  /** The host's functions, announced and callable upstream where the link negotiates FUNCTIONS. */
  functions?: () => readonly HostFunction[];
}

/** Parses `destination = ...` entries; each one that does not parse is logged, never thrown. */
export function senderDestinations(entries: readonly string[], context: SenderContext, log: SenderLog): Destination[] {
  const { destinations, errors } = parseDestinations(entries, context.sender.defaultPort);
  for (const message of errors) log.badDestination(message);
  return destinations;
}

/** The sender of `host` to `target`; it does nothing until `start()`. */
export function createHostSender(host: Host, target: SenderTarget, context: SenderContext): StreamSender {
  const s = context.sender;
  const spool = spoolOf(host, target, s);
  const identity = senderIdentity(host, target.apiKey, context.programVersion, offeredCapabilities({ compression: s.enableCompression }), context.localHostname);
  if (target.mode === 'proxy') identity.path = forwardedPath(target.receivedPath ?? [], context.localGuid);
  return new StreamSender({
    host,
    identity,
    destinations: target.destinations,
    timeoutSecs: s.timeoutSecs,
    bufferSizeBytes: s.bufferSizeBytes,
    reconnectDelaySecs: s.reconnectDelaySecs,
    initialClockResyncIterations: s.initialClockResyncIterations,
    sendChart: (name) => context.matches(target.sendChartsMatching, name),
    mode: target.mode,
    source: spool ?? hostReplaySource(host),
    recorder: spool ? new SpoolRecorder(spool) : undefined,
    compressionLevels: s.compressionLevels,
    tls: target.destinations.some((d) => d.ssl) ? senderTls(s, new SenderLog(host.hostname)) : undefined,
    functions: target.functions,
  });
}

/** The `[stream]` TLS settings, read once per node (and their problems logged once). */
const tlsOf = new WeakMap<Readonly<StreamSenderConfig>, ClientTls>();
function senderTls(s: Readonly<StreamSenderConfig>, log: SenderLog): ClientTls {
  let t = tlsOf.get(s);
  if (!t) {
    t = clientTls(s, (message) => log.badDestination(message));
    tlsOf.set(s, t);
  }
  return t;
}

/**
 * A host without a database streams from a spool of its own per destination set (when `[stream]
 * enable spool`), so what it collects while the parent is away can be replicated later.
 */
function spoolOf(host: Host, target: SenderTarget, s: Readonly<StreamSenderConfig>): Spool | null {
  if (host.settings.memoryMode !== 'none' || !s.enableSpool) return null;
  return Spool.open({
    directory: spoolDirectory(s.spoolDirectory, host.machineGuid, target.destinations.map((d) => d.label)),
    maxBytes: s.spoolSizeBytes,
    label: host.hostname,
  });
}
