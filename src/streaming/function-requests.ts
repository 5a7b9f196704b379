/**
 * A child's side of functions through the stream (netdata 1.37 `sender.c execute_commands`,
 * docs/functions.md): the parent writes `FUNCTION <transaction> <timeout> "<name and
 * arguments>"` down the link; the child calls that function of the host it streams (a local
 * plugin's, or, on a proxy, its own child's through the next link) and writes the answer up as
 * `FUNCTION_RESULT_BEGIN "<transaction>" <status> "<format>" <expires>`, the body, and
 * `FUNCTION_RESULT_END`. An answer is sent only on the connection its call came on.
 */
import { LogThrottle } from '../log.js';
import { findFunction, FUNCTION_STATUS, functionError, sanitizeFunctionText, type FunctionResult } from '../collectors/index.js';
import { functionLog } from './events.js';
import type { HostFunction } from './function-relay.js';

/** netdata's FUNCTION timeout when the parent gives none or one ≤ 0. */
const DEFAULT_TIMEOUT_SECS = 10;
/** Longest wait a parent may ask for (s); more is cut to it. */
const MAX_TIMEOUT_SECS = 3600;
/** A transaction is a UUID in 1.37; anything that could break the answer's line is refused. */
const TRANSACTION = /^[A-Za-z0-9_.:-]{1,100}$/;
/** 1.37 answers every call it cannot route with this message and the lookup's status. */
const NOT_ROUTED = 'Failed to route request to collector';

/** Result formats as 1.37 names a content type in FUNCTION_RESULT_BEGIN (`functions_content_type_to_format`). */
const FORMATS: Readonly<Record<string, string>> = Object.freeze({
  'application/json': 'application/json',
  'text/plain': 'text/plain',
  'application/xml': 'application/xml',
  'text/plain; version=0.0.4': 'prometheus',
  'text/html': 'html',
});

/** What the answers need from the sender. */
export interface FunctionRequestsOptions {
  /** The functions of the host this sender streams, now. */
  functions: () => readonly HostFunction[];
  /** `STREAM host [send to ip:port]` for the log. */
  tag: () => string;
  /** Queues bytes upstream on the current connection. */
  write: (bytes: Buffer) => void;
  /** Bytes the current connection's buffer can still take. */
  room: () => number;
  /** Whether the connection is up (an answer for a link that dropped is not queued). */
  connected: () => boolean;
}

/** Answers the parent's FUNCTION commands of one sender; `reset()` at every connection. */
export class FunctionRequests {
  readonly #o: FunctionRequestsOptions;
  readonly #throttle = new LogThrottle();
  #connection = 0;
  #received = 0;
  #answered = 0;

  constructor(options: FunctionRequestsOptions) {
    this.#o = options;
  }

  /** Calls received and answers sent since start. */
  get stats(): { received: number; answered: number } {
    return { received: this.#received, answered: this.#answered };
  }

  /** A new connection: answers of calls that came on an earlier one are dropped. */
  reset(): void {
    this.#connection++;
  }

  /** `FUNCTION <transaction> <timeout> "<text>"` from the parent (its words, keyword first). */
  request(words: readonly string[], line: string): void {
    const [, transaction = '', timeout = '', text = ''] = words;
    if (transaction === '' || timeout === '' || text === '') {
      functionLog.incomplete(this.#throttle, this.#o.tag(), transaction, timeout, text);
      return;
    }
    if (!TRANSACTION.test(transaction)) {
      functionLog.badTransaction(this.#throttle, this.#o.tag(), line);
      return;
    }
    this.#received++;
    const connection = this.#connection;
    void this.#call(sanitizeFunctionText(text), timeoutSecs(timeout)).then((result) => {
      if (connection === this.#connection && this.#o.connected()) this.#answer(transaction, result);
    });
  }

  #call(text: string, timeoutSecs: number): Promise<FunctionResult> {
    const fn = text === '' ? undefined : findFunction(text, this.#o.functions());
    if (!fn) return Promise.resolve(functionError(FUNCTION_STATUS.notFound, NOT_ROUTED));
    if (!fn.running) return Promise.resolve(functionError(FUNCTION_STATUS.backendFailed, NOT_ROUTED));
    return fn.call(text, timeoutSecs);
  }

  /** The answer goes up whole, or, when the link's buffer cannot take it, an error in its place. */
  #answer(transaction: string, result: FunctionResult): void {
    let bytes = answerBytes(transaction, result);
    if (bytes.length > this.#o.room()) {
      const message = `The result of ${bytes.length} bytes does not fit in the stream's send buffer.`;
      functionLog.tooLarge(this.#throttle, this.#o.tag(), transaction, message);
      bytes = answerBytes(transaction, functionError(FUNCTION_STATUS.invalidResponse, message));
      if (bytes.length > this.#o.room()) return;
    }
    this.#o.write(bytes);
    this.#answered++;
  }
}

/**
 * `FUNCTION_RESULT_BEGIN "tx" status "format" expires`, the body, `FUNCTION_RESULT_END`: the
 * body's own last newline ends it, so a result keeps its bytes through any number of hops.
 */
export function answerBytes(transaction: string, result: FunctionResult): Buffer {
  const format = Object.hasOwn(FORMATS, result.contentType) ? FORMATS[result.contentType] : 'text/plain';
  const end = result.body === '' || result.body.endsWith('\n') ? 'FUNCTION_RESULT_END\n' : '\nFUNCTION_RESULT_END\n';
  return Buffer.from(`FUNCTION_RESULT_BEGIN "${transaction}" ${result.status} "${format}" ${result.expiresS}\n${result.body}${end}`);
}

function timeoutSecs(word: string): number {
  const n = Number.parseInt(word, 10);
  return n > 0 ? Math.min(n, MAX_TIMEOUT_SECS) : DEFAULT_TIMEOUT_SECS;
}

