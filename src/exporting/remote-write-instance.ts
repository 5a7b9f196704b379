/**
 * A `[prometheus_remote_write:NAME]` instance: every `update every` seconds it builds the series
 * of every archived host (`remote-write.ts`), splits them into batches of at most
 * `MAX_SAMPLES_PER_REQUEST`, and queues each batch, snappy-compressed, for its destinations:
 * - `failover` (netdata's): one queue, sent to the first destination that answers;
 * - `replicate`: every destination has its own queue and gets every series;
 * - `shard`: every destination has its own queue and gets the series whose labels hash to it.
 * A destination's queue is on disk (`disk-queue.ts`) unless `disk queue size bytes` is 0, then in
 * memory, `buffer on failures` batches deep, as netdata. The self charts are 1.37's
 * `netdata.exporting_<name>_*`.
 */
import { createSimplePattern, type ExportingInstanceConfig } from '../config/index.js';
import type { HostRegistry } from '../database/index.js';
import { error, info } from '../log.js';
import { parseDestinations } from '../streaming/index.js';
import type { BackendDeps } from './backend.js';
import { HttpDestination } from './http-destination.js';
import { finalBeforeS, oneStep, resumeAfterS, stepsUntil } from './catch-up.js';
import { CatchUpGate } from './catch-up-gate.js';
import { instanceQueue, queueName } from './instance-queue.js';
import { everyStep } from './iteration-timer.js';
import { RemoteWriteBuilder, type BatchSeries } from './remote-write.js';
import { BackendCharts, emptyCounters, type BackendCounters } from './self-charts.js';
import { Selection } from './selection.js';
import { compress } from './snappy.js';
import { encodeWriteRequest } from './write-request.js';

/** Port of a destination that names none (Prometheus' own; netdata 1.37 has no default). */
export const REMOTE_WRITE_DEFAULT_PORT = 9090;
/** Samples per request at most (Prometheus' own remote write sends 2,000; receivers take more). */
export const MAX_SAMPLES_PER_REQUEST = 10_000;
/** The version header remote write 1.0 receivers expect. */
const REMOTE_WRITE_VERSION = '0.1.0';

/** What the agent's version is, for `User-Agent` and `netdata_info`. */
export interface RemoteWriteDeps extends BackendDeps {
  version?: string;
}

/** A running remote write instance; made by `createRemoteWriteInstance`, started and stopped by the engine. */
export interface RemoteWriteInstance {
  readonly config: Readonly<ExportingInstanceConfig>;
  /** Makes the queues (a disk queue finds what an earlier run left) and schedules iterations. */
  start(): void;
  /**
   * A final iteration up to the newest stored second, then stops iterating and sending; what is
   * queued on disk stays for the next start.
   */
  stop(): Promise<void>;
  /** Runs one iteration now: build, queue, send. */
  tick(): void;
  /** Whether every destination's last attempt succeeded. */
  readonly connected: boolean;
  /** Bytes waiting in every queue. */
  readonly bufferedBytes: number;
  /** Destinations whose last attempt failed. */
  readonly failures: number;
  readonly lastCounters: Readonly<BackendCounters>;
  readonly destinations: readonly HttpDestination[];
  /** Samples waiting in every queue. */
  readonly queuedSamples: number;
}

/** Builds the instance; nothing is sent until `start()`. */
export function createRemoteWriteInstance(config: Readonly<ExportingInstanceConfig>, deps: RemoteWriteDeps): RemoteWriteInstance {
  return new RunningRemoteWrite(config, deps);
}

function matcher(pattern: string): (name: string) => boolean {
  const compiled = createSimplePattern(pattern);
  return (name) => compiled.matches(name);
}

class RunningRemoteWrite implements RemoteWriteInstance {
  readonly config: Readonly<ExportingInstanceConfig>;
  readonly #c: Readonly<ExportingInstanceConfig>;
  readonly #deps: RemoteWriteDeps;
  readonly #registry: HostRegistry;
  readonly #nowMs: () => number;
  readonly #builder: RemoteWriteBuilder;
  readonly #tag: string;
  #destinations: HttpDestination[] = [];
  #charts: BackendCharts | null = null;
  #counters = emptyCounters();
  #lastCounters = emptyCounters();
  #afterS = 0;
  /** Whether iterations still step from where an earlier run left off (`catch-up.ts`). */
  #catchingUp = false;
  /** Holds the catch-up until a restarted database's charts are back (`catch-up-gate.ts`). */
  #gate: CatchUpGate | null = null;
  #stopTimer: (() => void) | null = null;
  #started = false;

  constructor(config: Readonly<ExportingInstanceConfig>, deps: RemoteWriteDeps) {
    this.#c = config;
    this.config = config;
    this.#deps = deps;
    this.#registry = deps.registry;
    this.#nowMs = deps.nowMs ?? Date.now;
    this.#tag = `EXPORTING [${config.name}]`;
    this.#builder = new RemoteWriteBuilder({
      prefix: config.prefix, localHostname: config.hostname, dataSource: config.dataSource,
      sendNames: config.sendNamesInsteadOfIds, sendConfiguredLabels: config.sendConfiguredLabels,
      sendAutomaticLabels: config.sendAutomaticLabels,
      selection: new Selection(matcher(config.sendHostsMatching), matcher(config.sendChartsMatching)),
    });
  }

  get destinations(): readonly HttpDestination[] {
    return this.#destinations;
  }
  get connected(): boolean {
    return this.#destinations.length > 0 && this.#destinations.every((d) => d.healthy);
  }
  get bufferedBytes(): number {
    return this.#destinations.reduce((n, d) => n + d.queue.bytes, 0);
  }
  get queuedSamples(): number {
    return this.#destinations.reduce((n, d) => n + d.queue.samples, 0);
  }
  get failures(): number {
    return this.#destinations.filter((d) => !d.healthy).length;
  }
  get lastCounters(): Readonly<BackendCounters> {
    return this.#lastCounters;
  }

  start(): void {
    if (this.#started || !this.#c.enabled) return;
    this.#started = true;
    const c = this.#c;
    this.#destinations = this.#makeDestinations();
    info(`${this.#tag} configured ('${c.typeName}' on '${c.destination.join(' ')}' (${c.destinationsMode}) sending `
      + `'${c.dataSource}' data, every ${c.updateEverySecs} seconds, as host '${c.hostname}', with prefix '${c.prefix}')`);
    const nowS = Math.floor(this.#nowMs() / 1000);
    this.#afterS = resumeAfterS(this.#destinations.map((d) => d.queue), nowS);
    // a restart within the second of the stop resumes too: the last window's lag is still to go out
    this.#catchingUp = this.#afterS < nowS || this.#destinations.some((d) => d.queue.resumeAfterS !== undefined);
    this.#gate = new CatchUpGate(this.#registry.hosts(), nowS, this.#catchingUp);
    this.#charts = new BackendCharts(this.#registry.localhost, c.updateEverySecs, c.name);
    for (const d of this.#destinations) d.kick();
    if (this.#deps.schedule !== false) this.#stopTimer = everyStep(c.updateEverySecs * 1000, this.#tag, () => this.tick());
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stopTimer?.();
    this.#stopTimer = null;
    const nowMs = this.#nowMs();
    try {
      // before the catch-up started the resume point stays where it was, for the next start
      if (this.#gate?.isOpen) this.#iterate(nowMs, finalBeforeS(this.#registry.hosts(), Math.floor(nowMs / 1000)), true);
    } catch (err) {
      error(`${this.#tag}: the final iteration failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const d of this.#destinations) d.stop();
  }

  tick(): void {
    if (!this.#started) return;
    const nowMs = this.#nowMs();
    const nowS = Math.floor(nowMs / 1000);
    if (this.#gate!.open(this.#registry.hosts(), nowS)) this.#iterate(nowMs, nowS);
    for (const d of this.#destinations) d.kick();
    this.#finishIteration(nowMs);
  }

  /**
   * Queues `(after, untilS]`, in steps of `update every` while catching up or when `stepped`
   * (one window when `as collected`), and records how far.
   */
  #iterate(nowMs: number, untilS: number, stepped = this.#catchingUp): void {
    const hosts = this.#registry.hosts();
    if (this.#c.dataSource === 'as collected') {
      this.#queue(this.#builder.build(hosts, this.#afterS, untilS, nowMs));
      this.#afterS = untilS;
    } else {
      const steps = stepped ? stepsUntil(hosts, this.#afterS, untilS, this.#c.updateEverySecs) : oneStep(this.#afterS, untilS);
      const series: BatchSeries[] = [];
      steps.forEach((step, i) => this.#builder.build(hosts, step.afterS, step.beforeS, nowMs, i === steps.length - 1, series));
      this.#queue(series);
      this.#afterS = steps[steps.length - 1]?.beforeS ?? this.#afterS;
    }
    if (this.#afterS >= untilS) this.#catchingUp = false;
    for (const d of this.#destinations) d.queue.markExported(this.#afterS);
  }

  #queue(series: BatchSeries[]): void {
    const targets = this.#destinations;
    if (this.#c.destinationsMode !== 'shard' || targets.length === 1) {
      for (const batch of this.#batches(series)) for (const d of targets) d.queue.push(batch);
      return;
    }
    const shards: BatchSeries[][] = targets.map(() => []);
    for (const s of series) shards[s.hash % targets.length]!.push(s);
    shards.forEach((part, i) => { for (const batch of this.#batches(part)) targets[i]!.queue.push(batch); });
  }

  *#batches(series: BatchSeries[]): Generator<{ body: Buffer; samples: number }> {
    for (let i = 0; i < series.length; i += MAX_SAMPLES_PER_REQUEST) {
      const part = series.slice(i, i + MAX_SAMPLES_PER_REQUEST);
      const body = compress(encodeWriteRequest(part));
      this.#counters.bufferedBytes += body.length;
      yield { body, samples: part.length };
    }
  }

  #finishIteration(nowMs: number): void {
    const c = this.#counters;
    c.bufferedMetrics = this.queuedSamples;
    c.bufferedBytes = this.bufferedBytes;
    this.#charts?.update(c, Math.round(nowMs * 1000));
    this.#lastCounters = c;
    this.#counters = emptyCounters();
  }

  #makeDestinations(): HttpDestination[] {
    const c = this.#c;
    const { destinations, errors } = parseDestinations(c.destination, REMOTE_WRITE_DEFAULT_PORT);
    for (const message of errors) error(`${this.#tag}: ${message}`);
    const scheme = c.tls ? 'https' : 'http';
    const urls = destinations.filter((d) => d.protocol !== 'unix').map((d) => ({ label: d.label, url: new URL(`${scheme}://${d.label}${c.remoteWriteUrlPath}`) }));
    if (urls.length === 0) {
      error(`${this.#tag}: no usable destination in '${c.destination.join(' ')}'; nothing will be sent`);
      return [];
    }
    const groups = c.destinationsMode === 'failover' ? [urls] : urls.map((u) => [u]);
    const headers: Record<string, string> = {
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': REMOTE_WRITE_VERSION,
      'User-Agent': `netdata/${this.#deps.version ?? 'tributary'}`,
    };
    if (c.username || c.password) headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    const queueBytes = Math.floor(c.diskQueueSizeBytes / groups.length);
    return groups.map((group) => new HttpDestination({
      urls: group.map((u) => u.url), headers, timeoutMs: c.timeoutMs, tag: this.#tag,
      queue: instanceQueue(c, queueName(group.map((u) => u.label)), queueBytes, this.#tag, () => this.#counters),
      counters: () => this.#counters,
    }));
  }
}
