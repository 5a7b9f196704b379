/**
 * Calling a plugin's functions (netdata 1.37, reference §1.4): a call is written to the plugin's
 * stdin as `FUNCTION <transaction> <timeout> "<name and arguments>"`, and the plugin answers on
 * stdout with `FUNCTION_RESULT_BEGIN <transaction> <status> <content type> <expires>`, the body,
 * and `FUNCTION_RESULT_END`. Many calls may be in flight; each has its own transaction (a UUID)
 * and is settled once: by its result, its timeout, an error, or the plugin's exit.
 */
import { createRequire } from 'node:module';
import type { FunctionResultSink } from '../protocol/index.js';
import { LogThrottle } from '../log.js';
import { countRefusal, DEFAULT_LIMITS } from '../limits.js';

/** node:crypto is loaded by the first call, not at start (a collector may never be called; docs/memory.md). */
const require = createRequire(import.meta.url);

/** The answer to a call, as the API sends it on. */
export interface FunctionResult {
  status: number;
  contentType: string;
  body: string;
  /** The plugin's expiry time (s since the epoch); 0 when it gave none, or for an error. */
  expiresS: number;
}

/** Limits on calls and results; every one has a default. */
export interface FunctionCallLimits {
  /** Largest result body accepted; a larger one is discarded and the call answered with an error. */
  maxResultBytes: number;
  /** Most calls in flight per plugin; more are refused. */
  maxInFlight: number;
  /** Most call bytes waiting in the plugin's stdin; a plugin that does not read it gets no more. */
  maxPendingStdinBytes: number;
}

/** netdata 1.37 stops a plugin whose deferred result passes 10 MB; Tributary drops the result. */
export const DEFAULT_MAX_RESULT_BYTES = DEFAULT_LIMITS.functionResultBytes;
/**
 * A result body this many times `maxResultBytes` without its FUNCTION_RESULT_END is a runaway:
 * everything the plugin writes would be swallowed as body, so the plugin is stopped (netdata 1.37
 * stops it at 10 MB).
 */
export const RUNAWAY_RESULT_FACTOR = 2;
/** Calls in flight per plugin before more are refused with 503. */
export const DEFAULT_MAX_IN_FLIGHT = DEFAULT_LIMITS.functionCallsInFlight;
/** Unread call bytes allowed in a plugin's stdin pipe. */
export const DEFAULT_MAX_PENDING_STDIN_BYTES = DEFAULT_LIMITS.functionStdinBytes;

/** netdata's HTTP codes for function errors. */
export const FUNCTION_STATUS = Object.freeze({
  notFound: 404,
  /** HTTP_RESP_BACKEND_FETCH_FAILED: the plugin is not running, or the call could not be sent. */
  backendFailed: 503,
  /** HTTP_RESP_GATEWAY_TIMEOUT. */
  timeout: 504,
  /** HTTP_RESP_BACKEND_RESPONSE_INVALID: a status ≤ 0, a malformed header, a result too large. */
  invalidResponse: 591,
});

/** Result formats as netdata 1.37 maps them to content types; anything else is text/plain. */
const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  'application/json': 'application/json',
  json: 'application/json',
  'text/plain': 'text/plain',
  text: 'text/plain',
  txt: 'text/plain',
  'application/xml': 'application/xml',
  xml: 'application/xml',
  'text/html': 'text/html',
  html: 'text/html',
  prometheus: 'text/plain; version=0.0.4',
});

/** The content type netdata sends for a plugin's result format. */
export function contentTypeOf(format: string): string {
  return Object.hasOwn(CONTENT_TYPES, format) ? CONTENT_TYPES[format] : 'text/plain';
}

/** netdata's error result: `{"status":N,"error_message":"..."}`. */
export function functionError(status: number, message: string): FunctionResult {
  return { status, contentType: 'application/json', body: JSON.stringify({ status, error_message: message }), expiresS: 0 };
}

/** How a call reaches the plugin: one line to its stdin. */
export interface StdinWriter {
  /** Bytes written but not yet taken by the plugin. */
  pendingBytes(): number;
  /** Writes the line; `done` gets an error when it could not be written (EPIPE, closed). */
  write(line: string, done: (err: Error | null) => void): void;
}

interface InFlight {
  name: string;
  timer: NodeJS.Timeout;
  resolve(result: FunctionResult): void;
}

/** The result being read: its call (null when the transaction is unknown or already settled). */
interface Reading {
  call: InFlight | null;
  transaction: string;
  status: number;
  contentType: string;
  expiresS: number;
  parts: Buffer[];
  bytes: number;
}

/** The calls of one run of one plugin; its parser feeds the results in (`sink`). */
export class FunctionCalls {
  readonly #inFlight = new Map<string, InFlight>();
  readonly #limits: FunctionCallLimits;
  readonly #throttle = new LogThrottle();
  #reading: Reading | null = null;
  #closed: string | null = null;

  /**
   * `onRunaway` is told (once, with the message to log) when a result body passes
   * {@link RUNAWAY_RESULT_FACTOR} times the limit without its end: the plugin must be stopped.
   */
  constructor(readonly source: string, readonly stdin: StdinWriter, limits: Partial<FunctionCallLimits> = {},
    readonly onRunaway: (message: string) => void = () => {}) {
    this.#limits = {
      maxResultBytes: DEFAULT_MAX_RESULT_BYTES, maxInFlight: DEFAULT_MAX_IN_FLIGHT,
      maxPendingStdinBytes: DEFAULT_MAX_PENDING_STDIN_BYTES, ...limits,
    };
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Calls `text` (a registered name, maybe with arguments, sanitized by the web part so it holds
   * no quote or newline) with a timeout in
   * seconds; never rejects: every failure is an error result.
   */
  call(text: string, timeoutSecs: number): Promise<FunctionResult> {
    if (this.#closed !== null) return Promise.resolve(functionError(FUNCTION_STATUS.backendFailed, this.#closed));
    if (this.#inFlight.size >= this.#limits.maxInFlight) {
      countRefusal('functionCalls');
      return Promise.resolve(functionError(FUNCTION_STATUS.backendFailed,
        `${this.source} has ${this.#inFlight.size} function calls in flight already; try again later.`));
    }
    if (this.stdin.pendingBytes() > this.#limits.maxPendingStdinBytes) {
      countRefusal('functionCalls');
      return Promise.resolve(functionError(FUNCTION_STATUS.backendFailed,
        `Failed to send request to the collector: ${this.source} is not reading its standard input.`));
    }
    const transaction = (require('node:crypto') as typeof import('node:crypto')).randomUUID();
    return new Promise<FunctionResult>((resolve) => {
      const timer = setTimeout(() => {
        if (!this.#inFlight.delete(transaction)) return;
        resolve(functionError(FUNCTION_STATUS.timeout, 'Timeout while waiting for a response from the collector.'));
      }, timeoutSecs * 1000);
      this.#inFlight.set(transaction, { name: text, timer, resolve });
      this.stdin.write(`FUNCTION ${transaction} ${timeoutSecs} "${text}"\n`, (err) => {
        if (err) this.#settle(transaction, functionError(FUNCTION_STATUS.backendFailed,
          `Failed to communicate with collector: ${this.source} (${err.message}).`));
      });
    });
  }

  /** The plugin is gone: every call in flight is answered with `message` (503), and later ones too. */
  close(message: string): void {
    this.#closed = message;
    this.#reading = null;
    for (const transaction of [...this.#inFlight.keys()]) {
      this.#settle(transaction, functionError(FUNCTION_STATUS.backendFailed, message));
    }
  }

  /** What the plugin's parser gives the results to. */
  readonly sink: FunctionResultSink = {
    begin: (words) => this.#begin(words),
    line: (bytes) => this.#line(bytes),
    end: () => this.#end(),
  };

  #settle(transaction: string, result: FunctionResult): void {
    const call = this.#inFlight.get(transaction);
    if (!call) return;
    this.#inFlight.delete(transaction);
    clearTimeout(call.timer);
    call.resolve(result);
  }

  #begin(words: readonly string[]): void {
    const [, transaction = '', status = '', format = '', expires = ''] = words;
    const call = this.#inFlight.get(transaction) ?? null;
    this.#reading = {
      call, transaction, status: 0, contentType: contentTypeOf(format), expiresS: 0, parts: [], bytes: 0,
    };
    if (!call) {
      this.#throttle.log('ERROR', `${this.source}: got a FUNCTION_RESULT_BEGIN for transaction '${transaction}', ` +
        'but the transaction is not found; its result is dropped.');
      return;
    }
    const code = /^\d+$/.test(status) ? Number(status) : 0;
    if (code <= 0 || format === '' || !/^-?\d+$/.test(expires)) {
      this.#fail(`${this.source} answered '${call.name}' with a malformed FUNCTION_RESULT_BEGIN ` +
        `(status '${status}', content type '${format}', expires '${expires}'); its result is dropped.`);
      return;
    }
    this.#reading.status = code;
    this.#reading.expiresS = Number(expires);
  }

  #line(bytes: Buffer): void {
    const reading = this.#reading;
    if (reading === null) return;
    reading.bytes += bytes.length + 1;
    if (reading.bytes > RUNAWAY_RESULT_FACTOR * this.#limits.maxResultBytes) {
      this.#reading = null;
      this.onRunaway(`${this.source} sent more than ${RUNAWAY_RESULT_FACTOR * this.#limits.maxResultBytes} bytes of ` +
        `a function result (transaction '${reading.transaction}') without FUNCTION_RESULT_END`);
      return;
    }
    if (reading.call === null) return;
    if (reading.bytes > this.#limits.maxResultBytes) {
      countRefusal('functionCalls');
      this.#fail(`${this.source} answered '${reading.call.name}' with a result larger than the limit of ` +
        `${this.#limits.maxResultBytes} bytes; it is dropped.`);
      return;
    }
    reading.parts.push(Buffer.from(bytes), NEWLINE);
  }

  #end(): void {
    const reading = this.#reading;
    this.#reading = null;
    if (reading === null || reading.call === null) return;
    this.#settle(reading.transaction, {
      status: reading.status, contentType: reading.contentType,
      body: Buffer.concat(reading.parts).toString('utf8'), expiresS: reading.expiresS,
    });
  }

  /** Answers the call being read with an error now; the rest of its body is discarded. */
  #fail(message: string): void {
    const reading = this.#reading!;
    this.#throttle.log('ERROR', message);
    this.#settle(reading.transaction, functionError(FUNCTION_STATUS.invalidResponse, message));
    reading.call = null;
    reading.parts = [];
  }
}

const NEWLINE = Buffer.from('\n');
