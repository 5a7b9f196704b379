/**
 * The limits one source's input is held to (DESIGN "Bad input", STYLE "Limits by wrapping"):
 * line bytes, charts per host, dimensions per chart, and the charts and dimensions of all hosts
 * together (the host's `capacity`). The parser and its commands ask here before they let a line
 * spend memory, and never check a limit themselves. Every refusal is counted on
 * `netdata.refusals`, one counter per limit (`src/limits.ts`).
 *
 * A chart or a dimension past a limit is refused alone: it is not created, the lines about it
 * (its DIMENSIONs, its BEGIN..END blocks, its SETs, its replication answers) are ignored, and the
 * source's other charts go on. netdata 1.37 has no limit on charts and keeps a child's chart whole
 * whatever its width; an unbounded chart table is what let fake children exhaust a parent.
 */
import type { Chart, Host } from '../database/index.js';
import { error } from '../log.js';
import { countRefusal } from '../limits.js';
import { QUOTED_LINE_MAX_CHARS } from './errors.js';
import type { ParserLimits } from './types.js';

/** How many refused chart ids a source remembers (each a short string); past it, see `refusesLinesOf`. */
const MAX_REMEMBERED_REFUSED_CHARTS = 20000;

/** One source's limits, made by its parser with the source's name and host. */
export class SourceLimits {
  readonly maxLineBytes: number;
  readonly #limits: Readonly<ParserLimits>;
  readonly #source: string;
  readonly #host: Host;
  /** Charts whose CHART was refused, so their later lines are ignored rather than an error. */
  readonly #refusedCharts = new Set<string>();
  /** Charts that were refused a dimension (bounded by the charts of the host). */
  readonly #chartsRefusedDimensions = new Set<string>();
  #chartRefusalLogged = false;
  #dimensionTotalLogged = false;

  constructor(limits: Readonly<ParserLimits>, source: string, host: Host) {
    this.#limits = limits;
    this.maxLineBytes = limits.maxLineBytes;
    this.#source = source;
    this.#host = host;
  }

  /** The problem a stop names for a line past `maxLineBytes`; counts it. */
  lineTooLong(): string {
    countRefusal('lineBytes');
    return `line longer than the limit of ${this.maxLineBytes} bytes`;
  }

  /**
   * Whether CHART `id` may be defined: a chart the host has always may; a new one only within
   * the charts per host and the charts of all hosts. A refusal is counted, remembered, and logged
   * once per source (ERROR: the chart's values are lost).
   */
  admitsChart(id: string): boolean {
    const host = this.#host;
    if (host.charts.has(id)) return true;
    const perHost = host.charts.size >= this.#limits.maxChartsPerHost;
    if (!perHost && host.capacity.roomForChart) {
      this.#refusedCharts.delete(id);
      return true;
    }
    countRefusal(perHost ? 'chartsPerHost' : 'charts');
    if (this.#refusedCharts.size < MAX_REMEMBERED_REFUSED_CHARTS) this.#refusedCharts.add(id);
    if (!this.#chartRefusalLogged) {
      this.#chartRefusalLogged = true;
      const which = perHost
        ? `host '${host.hostname}' has the most charts allowed (${this.#limits.maxChartsPerHost})`
        : `all hosts together have the most charts allowed (${host.capacity.maxCharts}, [db] max charts)`;
      error(`${this.#source}: ${which}; CHART "${quoted(id)}" and every further new chart of this source are ignored ` +
        'with their dimensions and values, the charts it has go on');
    }
    return false;
  }

  /**
   * Whether the lines of a chart the host does not have (BEGIN, RBEGIN) belong to one this
   * source was refused, and are to be ignored: one it remembers, or any while the host is still
   * at a chart limit (past the remembered ones).
   */
  refusesLinesOf(id: string): boolean {
    if (this.#refusedCharts.has(id)) return true;
    const host = this.#host;
    return host.charts.size >= this.#limits.maxChartsPerHost || !host.capacity.roomForChart;
  }

  /**
   * Whether DIMENSION `id` of `chart` may be defined: one the chart has always may; a new one
   * only within the dimensions per chart and the dimensions of all hosts. A refusal is counted
   * and logged once per chart (per chart limit) or once per source (total), at ERROR.
   */
  admitsDimension(chart: Chart, id: string): boolean {
    if (chart.dimension(id) !== undefined) return true;
    const max = this.#limits.maxDimensionsPerChart;
    const perChart = chart.dimensions.length >= max;
    if (!perChart && this.#host.capacity.roomForDimension) return true;
    countRefusal(perChart ? 'dimensions' : 'dimensionsTotal');
    const first = !this.#chartsRefusedDimensions.has(chart.id);
    this.#chartsRefusedDimensions.add(chart.id);
    if (perChart && first) {
      error(`${this.#source}: chart "${chart.id}" of host '${this.#host.hostname}' has the most dimensions allowed ` +
        `(${max}); DIMENSION "${quoted(id)}" and every further new one are ignored with their values, ` +
        'the chart keeps its first dimensions and the other charts go on');
    } else if (!perChart && !this.#dimensionTotalLogged) {
      this.#dimensionTotalLogged = true;
      error(`${this.#source}: all hosts together have the most dimensions allowed (${this.#host.capacity.maxDimensions}, ` +
        `[db] max dimensions); DIMENSION "${quoted(id)}" of chart "${chart.id}" of host '${this.#host.hostname}' and every ` +
        'further new dimension of this source are ignored with their values, the dimensions it has go on');
    }
    return false;
  }

  /** Whether lines naming a dimension `chart` does not have are ignored: the chart was refused one. */
  refusesDimensionsOf(chart: Chart): boolean {
    return this.#chartsRefusedDimensions.has(chart.id) || chart.dimensions.length >= this.#limits.maxDimensionsPerChart;
  }
}

function quoted(id: string): string {
  return id.slice(0, QUOTED_LINE_MAX_CHARS);
}
