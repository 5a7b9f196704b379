/**
 * netdata 1.37's `graphite:http`, `json:http` and `opentsdb:http` instances (and their `:https`):
 * every `update every` seconds the iteration's lines (`iteration.ts`, 1.37's formats) are one
 * HTTP POST to `/api/put` on the destination, graphite as lines, json and opentsdb as a JSON list
 * (`[\n` objects joined by `,\n` `\n]\n`, as 1.37 writes it). Delivery and queue are remote
 * write's (`http-destination.ts`, `instance-queue.ts`): a batch leaves its queue, on disk unless
 * `disk queue size bytes` is 0, only on a 2xx or a 4xx; destinations after the first are failover.
 * After a restart the iterations resume where the disk queue says the last run left off, and a
 * clean stop queues a final one up to the newest stored second (`catch-up.ts`).
 */
import { createSimplePattern, type ExportingInstanceConfig } from '../config/index.js';
import { error, info } from '../log.js';
import { parseDestinations } from '../streaming/index.js';
import type { BackendDeps } from './backend.js';
import type { BackendFormat } from './format.js';
import { GRAPHITE_1_37 } from './graphite.js';
import { sendsLabels, sentLabels } from './host-labels.js';
import { HttpDestination } from './http-destination.js';
import { finalBeforeS, oneStep, resumeAfterS, stepsUntil } from './catch-up.js';
import { CatchUpGate } from './catch-up-gate.js';
import { instanceQueue, queueName } from './instance-queue.js';
import { everyStep } from './iteration-timer.js';
import { IterationBuilder } from './iteration.js';
import { JSON_1_37 } from './json.js';
import { OPENTSDB_HTTP_1_37 } from './opentsdb.js';
import { BackendCharts, emptyCounters, type BackendCounters } from './self-charts.js';
import { Selection } from './selection.js';

/** The path 1.37 posts to, for every HTTP line connector. */
export const HTTP_LINES_PATH = '/api/put';

type HttpLineType = 'graphite:http' | 'json:http' | 'opentsdb:http';

/** Each type's formatter, body shape and content type. */
const CONNECTORS: Readonly<Record<HttpLineType, { format: BackendFormat; list: boolean; contentType: string }>> = {
  'graphite:http': { format: GRAPHITE_1_37, list: false, contentType: 'application/graphite' },
  'json:http': { format: JSON_1_37, list: true, contentType: 'application/json' },
  'opentsdb:http': { format: OPENTSDB_HTTP_1_37, list: true, contentType: 'application/json' },
};

/** Whether `type` is one of the HTTP line connectors. */
export function isHttpLineType(type: string): type is HttpLineType {
  return Object.hasOwn(CONNECTORS, type);
}

/** The running instance; the engine starts and stops it. */
export interface HttpLineInstance {
  readonly config: Readonly<ExportingInstanceConfig>;
  start(): void;
  stop(): Promise<void>;
  tick(): void;
  readonly connected: boolean;
  readonly lastCounters: Readonly<BackendCounters>;
  readonly destination: HttpDestination | null;
}

/** Builds an instance of an HTTP line connector type. */
export function createHttpLineInstance(config: Readonly<ExportingInstanceConfig>, deps: BackendDeps): HttpLineInstance {
  return new RunningHttpLines(config, deps);
}

/** Lines as 1.37's JSON list: `[\n` objects joined by `,\n` `\n]\n`. */
function jsonList(lines: string): string {
  return `[\n${lines.slice(0, -1).split('\n').join(',\n')}\n]\n`;
}

class RunningHttpLines implements HttpLineInstance {
  readonly config: Readonly<ExportingInstanceConfig>;
  readonly #deps: BackendDeps;
  readonly #nowMs: () => number;
  readonly #tag: string;
  readonly #connector: (typeof CONNECTORS)[HttpLineType];
  readonly #builder: IterationBuilder;
  #destination: HttpDestination | null = null;
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

  constructor(config: Readonly<ExportingInstanceConfig>, deps: BackendDeps) {
    this.config = config;
    this.#deps = deps;
    this.#nowMs = deps.nowMs ?? Date.now;
    this.#tag = `EXPORTING [${config.name}]`;
    this.#connector = CONNECTORS[config.type as HttpLineType];
    const render = this.#connector.format.renderLabels!;
    const match = (pattern: string) => { const p = createSimplePattern(pattern); return (name: string) => p.matches(name); };
    this.#builder = new IterationBuilder({
      format: this.#connector.format.format, prefix: config.prefix, localHostname: config.hostname,
      dataSource: config.dataSource, sendNames: config.sendNamesInsteadOfIds,
      selection: new Selection(match(config.sendHostsMatching), match(config.sendChartsMatching)),
      hostLabels: sendsLabels(config) ? (host) => render(sentLabels(host, config)) : undefined,
    });
  }

  get destination(): HttpDestination | null {
    return this.#destination;
  }
  get connected(): boolean {
    return this.#destination?.healthy ?? false;
  }
  get lastCounters(): Readonly<BackendCounters> {
    return this.#lastCounters;
  }

  start(): void {
    if (this.#started || !this.config.enabled) return;
    this.#started = true;
    const c = this.config;
    this.#destination = this.#makeDestination();
    info(`${this.#tag} configured ('${c.typeName}' on '${c.destination.join(' ')}' sending '${c.dataSource}' data, `
      + `every ${c.updateEverySecs} seconds, as host '${c.hostname}', with prefix '${c.prefix}')`);
    const nowS = Math.floor(this.#nowMs() / 1000);
    this.#afterS = this.#destination ? resumeAfterS([this.#destination.queue], nowS) : nowS;
    // a restart within the second of the stop resumes too: the last window's lag is still to go out
    this.#catchingUp = this.#afterS < nowS || this.#destination?.queue.resumeAfterS !== undefined;
    this.#gate = new CatchUpGate(this.#deps.registry.hosts(), nowS, this.#catchingUp);
    this.#charts = new BackendCharts(this.#deps.registry.localhost, c.updateEverySecs, c.name);
    if (this.#deps.schedule !== false) this.#stopTimer = everyStep(c.updateEverySecs * 1000, this.#tag, () => this.tick());
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stopTimer?.();
    try {
      // before the catch-up started the resume point stays where it was, for the next start
      if (this.#gate?.isOpen) this.#iterate(finalBeforeS(this.#deps.registry.hosts(), Math.floor(this.#nowMs() / 1000)), true);
    } catch (err) {
      error(`${this.#tag}: the final iteration failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.#destination?.stop();
  }

  tick(): void {
    if (!this.#started) return;
    const nowMs = this.#nowMs();
    const nowS = Math.floor(nowMs / 1000);
    if (this.#gate!.open(this.#deps.registry.hosts(), nowS)) this.#iterate(nowS);
    const d = this.#destination;
    d?.kick();
    const c = this.#counters;
    c.bufferedMetrics = d?.queue.samples ?? 0;
    c.bufferedBytes = d?.queue.bytes ?? 0;
    this.#charts?.update(c, Math.round(nowMs * 1000));
    this.#lastCounters = c;
    this.#counters = emptyCounters();
  }

  /**
   * Queues the lines of `(after, untilS]` as one batch, in steps of `update every` while catching
   * up or when `stepped` (one window when `as collected`), and records how far.
   */
  #iterate(untilS: number, stepped = this.#catchingUp): void {
    const hosts = this.#deps.registry.hosts();
    const steps = stepped && this.config.dataSource !== 'as collected'
      ? stepsUntil(hosts, this.#afterS, untilS, this.config.updateEverySecs)
      : oneStep(this.#afterS, untilS);
    let text = '';
    let metrics = 0;
    for (const step of steps) {
      const out = this.#builder.build(hosts, step.afterS, step.beforeS, steps[0]!.afterS);
      text += out.text;
      metrics += out.metrics;
    }
    this.#afterS = steps[steps.length - 1]?.beforeS ?? this.#afterS;
    if (this.#afterS >= untilS) this.#catchingUp = false;
    const d = this.#destination;
    if (!d) return;
    if (metrics > 0) d.queue.push({ body: Buffer.from(this.#connector.list ? jsonList(text) : text), samples: metrics });
    d.queue.markExported(this.#afterS);
  }

  #makeDestination(): HttpDestination | null {
    const c = this.config;
    const { destinations, errors } = parseDestinations(c.destination, this.#connector.format.defaultPort);
    for (const message of errors) error(`${this.#tag}: ${message}`);
    const scheme = c.tls ? 'https' : 'http';
    const urls = destinations.filter((d) => d.protocol !== 'unix').map((d) => new URL(`${scheme}://${d.label}${HTTP_LINES_PATH}`));
    if (urls.length === 0) {
      error(`${this.#tag}: no usable destination in '${c.destination.join(' ')}'; nothing will be sent`);
      return null;
    }
    const headers: Record<string, string> = { 'Content-Type': this.#connector.contentType };
    if (c.username || c.password) headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    const name = queueName(destinations.filter((d) => d.protocol !== 'unix').map((d) => d.label));
    return new HttpDestination({
      urls, headers, timeoutMs: c.timeoutMs, tag: this.#tag,
      queue: instanceQueue(c, name, c.diskQueueSizeBytes, this.#tag, () => this.#counters), counters: () => this.#counters,
    });
  }
}
