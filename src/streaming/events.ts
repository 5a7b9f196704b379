/**
 * Every log line of the streaming part, in one place and in netdata's wording (reference
 * overview "tracing"), so operators' greps and runbooks keep working:
 * `STREAM <host> [send to <ip:port>]: ...`, `STREAM <host> [receive from [<ip>]:<port>]: ...`.
 */
import { error, info, warn, LogThrottle } from '../log.js';
import type { CloseReason, ConnectionListener } from './connection.js';
import type { Destination } from './destination.js';
import { isPeerRefusal } from './prompts.js';

/** The sender's lines for one host; also the connection's listener. */
export class SenderLog {
  readonly #host: string;
  readonly #throttle = new LogThrottle(10, 60_000);
  /** The last peer refusal (prompts.ts PEER_REFUSAL) of each destination since it last accepted. */
  readonly #refusedBy = new Map<string, string>();
  #notReadyShown = false;

  constructor(hostname: string) {
    this.#host = hostname;
  }

  #to(d: Destination): string {
    return `STREAM ${this.#host} [send to ${d.label}]`;
  }

  /** `STREAM host [send to ip:port]`, or `STREAM host [send]` before any destination. */
  tag(d: Destination | null): string {
    return d ? this.#to(d) : this.#send;
  }

  /** netdata's line, its capability names each followed by a space. */
  negotiated(d: Destination, capabilities: string): void {
    info(`${this.#to(d)}: established link with negotiated capabilities: ${capabilities}`);
  }

  get #send(): string {
    return `STREAM ${this.#host} [send]`;
  }

  initializing(d: Destination): void { info(`${this.#to(d)}: initializing communication...`); }
  waiting(d: Destination): void { info(`${this.#to(d)}: waiting response from remote netdata...`); }

  discarding(bytes: number): void {
    if (bytes > 0) error(`${this.#send}: discarding ${bytes} bytes of metrics already in the buffer.`);
  }

  ready(): void {
    this.#notReadyShown = false;
    info(`${this.#send}: ready - sending metrics...`);
  }

  /** Once per disconnected period, as netdata shows it. */
  notReady(): void {
    if (this.#notReadyShown) return;
    this.#notReadyShown = true;
    error(`${this.#send}: not ready - discarding collected metrics.`);
  }

  badDestination(message: string): void { error(`${this.#send}: ${message}`); }
  stopped(): void { info(`${this.#send}: sending thread stopped.`); }

  /**
   * The connection's events in netdata's words. `established` is called on ready; `data` gets
   * the bytes the parent sends back.
   */
  listener(established: (d: Destination) => void, data?: (chunk: Buffer) => void): ConnectionListener {
    return {
      data,
      connecting: (d) => info(`${this.#to(d)}: connecting...`),
      connectFailed: (d, message) => this.#throttle.log('ERROR', `${this.#to(d)}: failed to connect (${message})`),
      refused: (d, reason, postponeSecs) => {
        // a peer refuses the same copy every postpone period: once is enough to tell
        if (isPeerRefusal(reason)) {
          if (this.#refusedBy.get(d.label) === reason) return;
          this.#refusedBy.set(d.label, reason);
        }
        this.#throttle.log('ERROR', `${this.#to(d)}: ${reason} - will not connect to it again for ${postponeSecs} seconds.`);
      },
      unusable: (d, message) => error(`${this.#to(d)}: cannot use this destination: ${message}.`),
      ready: (d) => {
        this.#refusedBy.delete(d.label);
        info(`${this.#to(d)}: established communication - sending metrics...`);
        established(d);
      },
      overflow: (d, allocated, sent) =>
        error(`${this.#to(d)}: buffer full (allocated ${allocated} bytes) after sending ${sent} bytes. Restarting connection`),
      closed: (d, reason) => this.#closed(d, reason),
    };
  }

  #closed(d: Destination, reason: CloseReason): void {
    switch (reason.kind) {
      case 'stopped': return;
      case 'overflow': return; // told by overflow()
      case 'send-timeout':
        error(`${this.#to(d)}: ${reason.message.replace('could not send', 'could not send metrics')} - closing connection.`);
        return;
      case 'remote-closed':
        error(`${this.#to(d)}: connection closed by remote end - will reconnect.`);
        return;
      default:
        error(`${this.#to(d)}: connection closed (${reason.message}) - will reconnect.`);
    }
  }
}

/** `STREAM [receive from [ip]:port]` before the hostname is known, `STREAM NAME [...]` after. */
export function receiveTag(ip: string, port: number, hostname?: string): string {
  return hostname ? `STREAM ${hostname} [receive from [${ip}]:${port}]` : `STREAM [receive from [${ip}]:${port}]`;
}

/** The receiver's lines; `tag` comes from receiveTag(). */
export const receiverLog = {
  newConnection: (tag: string): void => info(`${tag}: new client connection.`),
  refused: (tag: string, message: string): void => error(`${tag}: ${message}`),
  /** A peer's redundant or looping copy of a host (peer-loop.ts): expected, so INFO and throttled. */
  refusedPeer: (tag: string, message: string): void => peerThrottle.log('INFO', `${tag}: ${message}`),
  shorterPath: (tag: string, hops: number, currentHops: number): void =>
    info(`${tag}: this host is already streaming here over ${currentHops} hops; this connection has ${hops}, so it takes over.`),
  unusedParameter: (tag: string, name: string, value: string): void =>
    info(`${tag}: request has parameter '${name}' = '${value}', which is not used.`),
  badVia: (tag: string, header: string, value: string): void =>
    info(`${tag}: request has header '${header}: ${value}', which is not a usable node name (ignored).`),
  badSpool: (tag: string, header: string, value: string): void =>
    info(`${tag}: request has header '${header}: ${value}', which is not a spool's state (ignored).`),
  initializing: (tag: string): void => info(`${tag}: initializing communication...`),
  negotiated: (tag: string, capabilities: string): void =>
    info(`${tag}: established link with negotiated capabilities: ${capabilities}`),
  receiving: (tag: string): void => info(`${tag}: receiving metrics...`),
  takeover: (tag: string, why: string): void =>
    warn(`${tag}: the previous connection of this host is dead: ${why}; closing it and accepting this one.`),
  disconnected: (tag: string, updates: number, reason: string, isError: boolean): void =>
    (isError ? error : info)(`${tag}: disconnected (completed ${updates} updates): ${reason}.`),
  hostCreated: (fields: string): void => info(fields),
  orphanRemoved: (hostname: string, guid: string, secs: number): void =>
    info(`Host '${hostname}' with machine guid '${guid}' is obsolete - cleaning up (orphan for ${secs} seconds).`),
  emptyHostFreed: (tag: string, hostname: string, guid: string): void =>
    info(`${tag}: host '${hostname}' with machine guid '${guid}' defined no chart before its link ended - freeing its slot.`),
};

/**
 * Replication's lines. netdata 1.37 logs only the sender's summary at INFO; the receiver's
 * refusals are errors (data the child offered is not stored), its summary one INFO per link.
 */
export const replicationLog = {
  /** netdata's words: after every queued request was answered. */
  senderSummary: (executed: number, pending: number): void =>
    info(`REPLICATION SUMMARY: finished, executed ${executed} replication requests, ${pending} charts pending replication`),
  malformedTimings: (tag: string, chart: string, first: number, last: number, now: number): void =>
    error(`${tag}: PLUGINSD REPLAY ERROR: chart '${chart}' got a CHART_DEFINITION_END with malformed timings (first time ${first}, last time ${last}, world time ${now}).`),
  /** Per link: `throttle` is the link's, so one bad child does not silence another. */
  refusedPoint: (throttle: LogThrottle, tag: string, chart: string, problem: string): void =>
    throttle.log('ERROR', `${tag}: REPLAY ERROR: chart '${chart}': ${problem}; its RSET values are ignored.`),
  refusedState: (throttle: LogThrottle, tag: string, chart: string, problem: string): void =>
    throttle.log('ERROR', `${tag}: REPLAY ERROR: chart '${chart}': ${problem}; ignored.`),
  receiverFinished: (tag: string, charts: number, points: number, secs: number): void =>
    info(`${tag}: replication finished: ${charts} charts, ${points} points replayed in ${secs} seconds.`),
  unknownChart: (tag: string, chart: string, throttle = replicationThrottle): void =>
    throttle.log('ERROR', `${tag}: REPLAY ERROR: the parent asked to replicate chart '${chart}', which this node has not sent on this link; ignored.`),
  badRequest: (tag: string, line: string, problem: string, throttle = replicationThrottle): void =>
    throttle.log('ERROR', `${tag}: cannot understand the parent's command ${JSON.stringify(line.slice(0, 200))}: ${problem}; ignored.`),
};

const replicationThrottle = new LogThrottle(10, 60_000);
/** The refusals a pair of peers meets by design: a few lines per ten minutes over all hosts. */
const peerThrottle = new LogThrottle(5, 600_000);

/**
 * A child's lines about its parent's function calls (netdata 1.37 `execute_commands` wording for
 * an incomplete command). Errors: a call the parent made is not answered, or not as it asked.
 */
export const functionLog = {
  incomplete: (throttle: LogThrottle, tag: string, transaction: string, timeout: string, text: string): void =>
    throttle.log('ERROR', `${tag}: FUNCTION execution command is incomplete (transaction = '${transaction}', ` +
      `timeout = '${timeout}', function = '${text}'). Ignoring it.`),
  badTransaction: (throttle: LogThrottle, tag: string, line: string): void =>
    throttle.log('ERROR', `${tag}: FUNCTION with an unusable transaction (${JSON.stringify(line.slice(0, 200))}). Ignoring it.`),
  tooLarge: (throttle: LogThrottle, tag: string, transaction: string, message: string): void =>
    throttle.log('ERROR', `${tag}: FUNCTION transaction ${transaction}: ${message}`),
};
