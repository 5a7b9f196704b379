/**
 * The running backend (reference §4.1, §4.2): every `update every` seconds it appends the new
 * lines of every archived host to its buffer and hands the buffer to the shared connection.
 * A send succeeds when the connection is up and takes the bytes; otherwise the buffer is kept,
 * and after more than `buffer on failures` failed iterations in a row it is dropped with
 * netdata's log line. All of it runs on timers and socket events: collection never waits.
 */
import type { BackendConfig, BackendType, NetdataConfig } from '../config/index.js';
import { createSimplePattern } from '../config/index.js';
import type { HostRegistry } from '../database/index.js';
import { debug, error, info, warn } from '../log.js';
import { Connection, parseDestinations, type Destination } from '../streaming/index.js';
import type { BackendFormat } from './format.js';
import { GRAPHITE, GRAPHITE_1_37 } from './graphite.js';
import { sendsLabels, sentLabels, type LabelChoice } from './host-labels.js';
import { IterationBuilder } from './iteration.js';
import { JSON_1_37, JSON_LINES } from './json.js';
import { OPENTSDB, OPENTSDB_1_37 } from './opentsdb.js';
import { BackendCharts, emptyCounters, type BackendCounters } from './self-charts.js';
import { Selection } from './selection.js';

/** Each backend type's formatter and default port. */
export const BACKEND_FORMATS: Readonly<Record<BackendType, BackendFormat>> = Object.freeze({
  graphite: GRAPHITE,
  opentsdb: OPENTSDB,
  json: JSON_LINES,
});

/** Most bytes the connection may hold on top of the backend's own buffer. */
export const BACKEND_CONNECTION_BUFFER_BYTES = 64 * 1024 * 1024;
/** netdata tries to connect once per iteration; we retry at most this often between iterations. */
export const BACKEND_RECONNECT_DELAY_MS = 1000;

/** What a backend needs from the agent. */
export interface BackendDeps {
  registry: HostRegistry;
  /** Wall clock in ms (tests pass their own); default `Date.now`. */
  nowMs?: () => number;
  /**
   * false: no timer; the owner calls `tick()` (tests that need exact intervals). Default true:
   * an iteration at every multiple of `update every` on the wall clock, as netdata's heartbeat.
   */
  schedule?: boolean;
}

/** A running backend; made by `createBackend`, started and stopped by the agent. */
export interface Backend {
  readonly config: Readonly<BackendConfig>;
  /** Connects and schedules iterations; nothing happens when `[backend] enabled` is no. */
  start(): void;
  /** Stops iterating and closes the connection; what is still buffered is not sent. */
  stop(): Promise<void>;
  /** Runs one iteration now (`before` = the clock): append, send or count a failure. */
  tick(): void;
  /** Whether the connection is up. */
  readonly connected: boolean;
  /** Bytes in the backend's buffer (not yet handed to a connection). */
  readonly bufferedBytes: number;
  /** Failed iterations in a row. */
  readonly failures: number;
  /** The counters of the last completed iteration (what the self charts show). */
  readonly lastCounters: Readonly<BackendCounters>;
}

/** Builds the backend `config.backend` describes, archiving the hosts of `deps.registry`. */
export function createBackend(config: NetdataConfig, deps: BackendDeps): Backend {
  return new RunningBackend(config.backend, deps, null);
}

/** What an exporting.conf plaintext instance has beyond `[backend]`'s settings. */
export interface LineInstanceOptions extends LabelChoice {
  /** Its name (log lines, `netdata.exporting_<name>_*` charts). */
  name: string;
}

/**
 * Builds a plaintext connector (graphite, json, opentsdb over TCP) for an exporting.conf
 * instance: the same running backend, writing netdata 1.37's lines (host labels on each), with
 * 1.37's `netdata.exporting_<name>_*` charts.
 */
export function createLineInstance(options: Readonly<LineInstanceOptions>, config: Readonly<BackendConfig>, deps: BackendDeps): Backend {
  return new RunningBackend(config, deps, options.name, { format: EXPORTING_FORMATS[config.type], labels: options });
}

/** exporting.conf's connectors (1.37 lines) by type. */
export const EXPORTING_FORMATS: Readonly<Record<BackendType, BackendFormat>> = Object.freeze({
  graphite: GRAPHITE_1_37,
  opentsdb: OPENTSDB_1_37,
  json: JSON_1_37,
});

class RunningBackend implements Backend {
  readonly config: Readonly<BackendConfig>;
  readonly #deps: BackendDeps;
  readonly #nowMs: () => number;
  readonly #builder: IterationBuilder;
  readonly #connection: Connection;
  readonly #destinationText: string;
  /** The exporting.conf instance's name; null for `[backend]`. */
  readonly #instance: string | null;
  /** What log lines start with. */
  readonly #tag: string;
  #charts: BackendCharts | null = null;
  #chunks: string[] = [];
  #bufferedBytes = 0;
  #counters = emptyCounters();
  #lastCounters = emptyCounters();
  #failures = 0;
  #afterS = 0;
  #timer: NodeJS.Timeout | null = null;
  #started = false;

  constructor(
    config: Readonly<BackendConfig>, deps: BackendDeps, instance: string | null,
    connector?: { format: BackendFormat; labels: Readonly<LabelChoice> },
  ) {
    this.config = config;
    this.#instance = instance;
    this.#tag = instance === null ? 'BACKEND' : `EXPORTING [${instance}]`;
    const tag = this.#tag;
    const format = connector?.format ?? BACKEND_FORMATS[config.type];
    const render = format.renderLabels;
    const labels = connector?.labels;
    this.#deps = deps;
    this.#nowMs = deps.nowMs ?? Date.now;
    this.#destinationText = config.destination.join(' ');
    this.#builder = new IterationBuilder({
      format: format.format,
      prefix: config.prefix,
      localHostname: config.hostname,
      dataSource: config.dataSource,
      sendNames: config.sendNamesInsteadOfIds,
      selection: new Selection(
        matcher(config.sendHostsMatching),
        matcher(config.sendChartsMatching),
      ),
      hostLabels: render && labels && sendsLabels(labels) ? (host) => render(sentLabels(host, labels)) : undefined,
    });
    this.#connection = new Connection({
      destinations: this.#destinations(format.defaultPort),
      connectTimeoutMs: config.timeoutMs,
      sendTimeoutMs: config.timeoutMs,
      reconnectDelayMs: Math.min(BACKEND_RECONNECT_DELAY_MS, config.updateEverySecs * 1000),
      bufferSizeBytes: BACKEND_CONNECTION_BUFFER_BYTES,
      listener: {
        connecting: () => { this.#counters.reconnects++; },
        connectFailed: (d, message) => debug(`${tag}: cannot connect to '${d.label}': ${message}`),
        unusable: (d, message) => error(`${tag}: destination '${d.text}' cannot be used: ${message}`),
        ready: (d) => info(`${tag}: connected to '${d.label}'`),
        closed: (d, reason) => {
          if (reason.kind !== 'stopped') warn(`${tag}: '${d.label}' closed the socket (${reason.message})`);
        },
        data: (chunk) => {
          this.#counters.reads++;
          this.#counters.receivedBytes += chunk.length;
        },
      },
    });
  }

  get connected(): boolean {
    return this.#connection.ready;
  }
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }
  get failures(): number {
    return this.#failures;
  }
  get lastCounters(): Readonly<BackendCounters> {
    return this.#lastCounters;
  }

  start(): void {
    if (this.#started || !this.config.enabled) return;
    this.#started = true;
    const c = this.config;
    info(`${this.#tag} configured ('${c.type}' on '${this.#destinationText}' sending '${c.dataSource}' data, `
      + `every ${c.updateEverySecs} seconds, as host '${c.hostname}', with prefix '${c.prefix}')`);
    this.#afterS = Math.floor(this.#nowMs() / 1000);
    this.#charts = new BackendCharts(this.#deps.registry.localhost, c.updateEverySecs, this.#instance);
    this.#connection.start();
    if (this.#deps.schedule !== false) this.#scheduleNext();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#connection.stop();
  }

  tick(): void {
    if (!this.#started) return;
    const nowMs = this.#nowMs();
    const beforeS = Math.floor(nowMs / 1000);
    const out = this.#builder.build(this.#deps.registry.hosts(), this.#afterS, beforeS);
    this.#afterS = beforeS;
    if (out.text.length > 0) {
      this.#chunks.push(out.text);
      this.#bufferedBytes += Buffer.byteLength(out.text);
      this.#counters.bufferedMetrics += out.metrics;
    }
    this.#send();
    this.#finishIteration(nowMs);
  }

  #send(): void {
    const c = this.#counters;
    if (this.#connection.ready && this.#writeBuffer()) {
      c.writes++;
      c.sentBytes += this.#bufferedBytes;
      c.sentMetrics = c.bufferedMetrics;
      this.#failures = 0;
      this.#clearBuffer();
      return;
    }
    warn(`${this.#tag}: failed to update database backend '${this.#destinationText}'`);
    c.failures++;
    this.#failures++;
    if (this.#failures > this.config.bufferOnFailures) {
      c.lostBytes += this.#bufferedBytes;
      c.lostMetrics = c.bufferedMetrics;
      c.discards++;
      error(`${this.#tag}: reached ${this.#failures} backend failures. Flushing buffers to protect this host `
        + `- this results in data loss on back-end server '${this.#destinationText}'`);
      this.#failures = 0;
      this.#clearBuffer();
    }
  }

  #writeBuffer(): boolean {
    if (this.#bufferedBytes === 0) return true;
    const bytes = Buffer.from(this.#chunks.length === 1 ? this.#chunks[0]! : this.#chunks.join(''));
    return this.#connection.write(bytes);
  }

  #clearBuffer(): void {
    this.#chunks = [];
    this.#bufferedBytes = 0;
  }

  #finishIteration(nowMs: number): void {
    const c = this.#counters;
    c.bufferedBytes = this.#bufferedBytes;
    this.#charts?.update(c, Math.round(nowMs * 1000));
    this.#lastCounters = c;
    const buffered = this.#bufferedBytes > 0 ? c.bufferedMetrics : 0;
    this.#counters = emptyCounters();
    this.#counters.bufferedMetrics = buffered;
  }

  /** Fires at the next multiple of `update every` on the wall clock (never early: timers may be). */
  #scheduleNext(): void {
    const stepMs = this.config.updateEverySecs * 1000;
    const targetMs = (Math.floor(Date.now() / stepMs) + 1) * stepMs;
    const wait = (): void => {
      this.#timer = null;
      if (!this.#started) return;
      const earlyMs = targetMs - Date.now();
      if (earlyMs > 0) {
        this.#timer = setTimeout(wait, earlyMs);
        return;
      }
      try {
        this.tick();
      } catch (err) {
        error(`${this.#tag}: iteration failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.#scheduleNext();
    };
    this.#timer = setTimeout(wait, targetMs - Date.now());
  }

  #destinations(defaultPort: number): Destination[] {
    const { destinations, errors } = parseDestinations(this.config.destination, defaultPort);
    for (const message of errors) error(`${this.#tag}: ${message}`);
    return destinations;
  }
}

function matcher(pattern: string): (name: string) => boolean {
  const compiled = createSimplePattern(pattern);
  return (name) => compiled.matches(name);
}
