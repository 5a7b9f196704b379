/**
 * One HTTP destination of an exporting instance: it POSTs the batches of its queue one at a time,
 * oldest first. A batch leaves the queue only on a 2xx (delivered) or a 4xx other than 429
 * (rejected for good: dropped with an ERROR line); a 5xx, a 429, a refused connection or a
 * timeout keep it at the head and the same batch is tried again after a back-off that doubles
 * from `RETRY_INITIAL_MS` to `RETRY_MAX_MS` and resets on the next delivery. netdata 1.37 instead
 * forgets a batch once written to the socket, losing it when the receiver stops.
 */
import http from 'node:http';
import https from 'node:https';
import { error, info, LogThrottle } from '../log.js';
import type { BatchQueue, QueuedBatch } from './batch-queue.js';
import type { BackendCounters } from './self-charts.js';

/** First wait after a failed attempt. */
export const RETRY_INITIAL_MS = 250;
/** Longest wait between attempts. */
export const RETRY_MAX_MS = 8_000;
/** Most bytes of a rejection's body quoted in its log line. */
const MAX_QUOTED_RESPONSE_BYTES = 300;
/** Most bytes of a response read (the rest is discarded). */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Failure lines per destination per period (the counters keep the rest). */
const FAILURE_LOGS_PER_PERIOD = 5;
const FAILURE_LOG_PERIOD_MS = 60_000;

/**
 * The codes of Node's TLS client when it does not trust the peer's certificate (OpenSSL's
 * verify results, and Node's own name check).
 */
const UNTRUSTED_CERTIFICATE_CODE = /CERT|SIGNATURE|ISSUER/;

/**
 * Why a request failed, for the log: the system error code (`ECONNREFUSED`), or for a
 * certificate the TLS client does not trust, what is wrong with it and how to trust a private CA.
 */
function failureReason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && UNTRUSTED_CERTIFICATE_CODE.test(code)) {
    return `TLS: the certificate of the destination is not trusted: ${err.message} (${code}); `
      + 'a private CA is trusted with NODE_EXTRA_CA_CERTS=<CA file> in the agent\'s environment';
  }
  return code ?? err.message;
}

/** What a destination sends and how. */
export interface HttpDestinationOptions {
  /** Where to send; with more than one, the next is tried after a failure (failover). */
  urls: readonly URL[];
  /** Request headers besides Content-Length (content type, encoding, authorization). */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** What log lines start with (`EXPORTING [vm]`). */
  tag: string;
  queue: BatchQueue;
  /** The instance's counters of the current iteration (shared by its destinations). */
  counters: () => BackendCounters;
}

/** Sends one queue to one URL; `kick()` after every push, `stop()` once. */
export class HttpDestination {
  readonly queue: BatchQueue;
  readonly #urls: readonly URL[];
  #current = 0;
  readonly #o: HttpDestinationOptions;
  readonly #agent: http.Agent;
  readonly #failureLog = new LogThrottle(FAILURE_LOGS_PER_PERIOD, FAILURE_LOG_PERIOD_MS);
  #inFlight: http.ClientRequest | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #backoffMs = 0;
  #stopped = false;
  #failing = false;
  /** Batches this destination delivered since start. */
  delivered = 0;

  constructor(options: HttpDestinationOptions) {
    this.#o = options;
    this.#urls = options.urls;
    this.queue = options.queue;
    const Agent = options.urls[0]!.protocol === 'https:' ? https.Agent : http.Agent;
    this.#agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** The URL in use (the next one after a failure, when there are several). */
  get url(): URL {
    return this.#urls[this.#current]!;
  }

  /** Whether the last attempt succeeded (or none failed yet). */
  get healthy(): boolean {
    return !this.#failing;
  }

  /** Whether a request is out or a retry is waiting. */
  get busy(): boolean {
    return this.#inFlight !== null || this.#retryTimer !== null;
  }

  /** Sends the head of the queue unless a request is out or a retry is waiting. */
  kick(): void {
    if (this.#stopped || this.busy) return;
    const batch = this.queue.peek();
    if (!batch) return;
    const client = this.url.protocol === 'https:' ? https : http;
    const request = client.request(this.url, {
      method: 'POST', agent: this.#agent, timeout: this.#o.timeoutMs,
      headers: { ...this.#o.headers, 'Content-Length': String(batch.body.length) },
    });
    this.#inFlight = request;
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        if (length < MAX_RESPONSE_BYTES) chunks.push(chunk);
        length += chunk.length;
      });
      response.on('end', () => this.#answered(request, batch, response.statusCode ?? 0, Buffer.concat(chunks), length));
      response.on('error', (err) => this.#failed(request, err.message));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
    request.on('error', (err) => this.#failed(request, failureReason(err)));
    request.end(batch.body);
  }

  /** Stops sending; a request out is abandoned (its batch stays queued) and the queue closed. */
  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#inFlight?.destroy();
    this.#inFlight = null;
    this.#agent.destroy();
    this.queue.close();
  }

  /** Removes `batch` from the head unless a full queue dropped it while it was out. */
  #done(batch: QueuedBatch): void {
    if (this.queue.peek() === batch) this.queue.shift();
  }

  #answered(request: http.ClientRequest, batch: QueuedBatch, status: number, body: Buffer, length: number): void {
    if (this.#inFlight !== request) return;
    this.#inFlight = null;
    const c = this.#o.counters();
    c.reads++;
    c.receivedBytes += length;
    if (status >= 200 && status < 300) {
      c.writes++;
      c.sentBytes += batch.body.length;
      c.sentMetrics += batch.samples;
      this.#done(batch);
      this.delivered++;
      this.#backoffMs = 0;
      if (this.#failing) info(`${this.#o.tag}: '${this.url.href}' accepts batches again`);
      this.#failing = false;
      this.kick();
      return;
    }
    if (status >= 400 && status < 500 && status !== 429) {
      const quoted = body.subarray(0, MAX_QUOTED_RESPONSE_BYTES).toString('utf8').trim();
      error(`${this.#o.tag}: '${this.url.href}' rejected a batch of ${batch.samples} samples with HTTP ${status} `
        + `(${JSON.stringify(quoted)}); the batch is dropped`);
      c.discards++;
      c.lostMetrics += batch.samples;
      c.lostBytes += batch.body.length;
      this.#done(batch);
      this.kick();
      return;
    }
    this.#retry(`HTTP ${status}`);
  }

  #failed(request: http.ClientRequest, reason: string): void {
    if (this.#inFlight !== request) return;
    this.#inFlight = null;
    this.#o.counters().reconnects++;
    this.#retry(reason);
  }

  #retry(reason: string): void {
    this.#o.counters().failures++;
    this.#backoffMs = Math.min(RETRY_MAX_MS, this.#backoffMs === 0 ? RETRY_INITIAL_MS : this.#backoffMs * 2);
    this.#failureLog.log('WARN', `${this.#o.tag}: cannot deliver to '${this.url.href}' (${reason}); `
      + `${this.queue.batches} batches wait, trying again in ${this.#backoffMs} ms`);
    this.#failing = true;
    this.#current = (this.#current + 1) % this.#urls.length;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.kick();
    }, this.#backoffMs);
  }
}
