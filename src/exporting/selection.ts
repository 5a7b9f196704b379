/**
 * Which hosts and charts a backend archives (reference §4.1, §4.2): `send hosts matching` is
 * tested against the word `localhost` for the local host and the hostname for mirrored ones;
 * `send charts matching` against the chart's id or its name. As in netdata, each host's and each
 * chart's answer is decided once and remembered (the host's is logged).
 */
import type { Chart, Host } from '../database/index.js';
import { info } from '../log.js';

/** A simple pattern (reference §3) reduced to what selection needs. */
export type NameMatcher = (name: string) => boolean;

/** The name `send hosts matching` sees for a host. */
export function hostPatternName(host: Host): string {
  return host.isLocal ? 'localhost' : host.hostname;
}

/** Remembers each host's and chart's answer; one per backend. */
export class Selection {
  readonly #hosts = new WeakMap<Host, boolean>();
  readonly #charts = new WeakMap<Chart, boolean>();

  constructor(readonly matchHost: NameMatcher, readonly matchChart: NameMatcher) {}

  /** Whether the backend archives this host; the first answer is logged. */
  host(host: Host): boolean {
    let send = this.#hosts.get(host);
    if (send === undefined) {
      const name = hostPatternName(host);
      send = this.matchHost(name);
      this.#hosts.set(host, send);
      info(`BACKEND: ${send ? 'enabled' : 'disabled'} backend for host '${name}'`);
    }
    return send;
  }

  /** Whether `send charts matching` lets this chart through (its id or its name). */
  chart(chart: Chart): boolean {
    let send = this.#charts.get(chart);
    if (send === undefined) {
      send = this.matchChart(chart.id) || this.matchChart(chart.fullName);
      this.#charts.set(chart, send);
    }
    return send;
  }
}

/**
 * A chart is archived when it is not obsolete and has dimensions; a chart without samples
 * (memory mode none) only when the data source is `as collected` (reference §4.2).
 */
export function chartAvailable(chart: Chart, needsDatabase: boolean): boolean {
  if (chart.definition.options.obsolete) return false;
  if (chart.dimensions.length === 0) return false;
  return !needsDatabase || chart.historyEntries > 0;
}
