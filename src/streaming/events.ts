/**
 * Every log line of the streaming part, in one place and in netdata's wording (reference
 * overview "tracing"), so operators' greps and runbooks keep working:
 * `STREAM <host> [send to <ip:port>]: ...`, `STREAM <host> [receive from [<ip>]:<port>]: ...`.
 */
import { error, info, warn, LogThrottle } from '../log.js';
import type { CloseReason, ConnectionListener } from './connection.js';
import type { Destination } from './destination.js';

/** The sender's lines for one host; also the connection's listener. */
export class SenderLog {
  readonly #host: string;
  readonly #throttle = new LogThrottle(10, 60_000);
  #notReadyShown = false;

  constructor(hostname: string) {
    this.#host = hostname;
  }

  #to(d: Destination): string {
    return `STREAM ${this.#host} [send to ${d.label}]`;
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

  /** The connection's events in netdata's words. `established` is called on ready. */
  listener(established: (d: Destination) => void): ConnectionListener {
    return {
      connecting: (d) => info(`${this.#to(d)}: connecting...`),
      connectFailed: (d, message) => this.#throttle.log('ERROR', `${this.#to(d)}: failed to connect (${message})`),
      refused: (d, reason, postponeSecs) =>
        this.#throttle.log('ERROR', `${this.#to(d)}: ${reason} - will not connect to it again for ${postponeSecs} seconds.`),
      unusable: (d, message) => error(`${this.#to(d)}: cannot use this destination: ${message}.`),
      ready: (d) => {
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
  unusedParameter: (tag: string, name: string, value: string): void =>
    info(`${tag}: request has parameter '${name}' = '${value}', which is not used.`),
  initializing: (tag: string): void => info(`${tag}: initializing communication...`),
  receiving: (tag: string): void => info(`${tag}: receiving metrics...`),
  takeover: (tag: string, idleSecs: number): void =>
    warn(`${tag}: the previous connection of this host sent nothing for ${idleSecs} seconds; closing it and accepting this one.`),
  disconnected: (tag: string, updates: number, reason: string, isError: boolean): void =>
    (isError ? error : info)(`${tag}: disconnected (completed ${updates} updates): ${reason}.`),
  hostCreated: (fields: string): void => info(fields),
  orphanRemoved: (hostname: string, guid: string, secs: number): void =>
    info(`Host '${hostname}' with machine guid '${guid}' is obsolete - cleaning up (orphan for ${secs} seconds).`),
};
