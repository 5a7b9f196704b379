/**
 * Host and chart → plugins.d lines for a streaming sender, in netdata 1.37's version-1 text as a
 * real child sends it (reference §2.4, §9, captures/netdata-1.37-child-v1-first200.txt).
 */
import type { Chart, Dimension, Host } from '../database/index.js';

/** Quotes a word; the protocol has no escaping and a `"` inside would end the word, so it becomes `'`. */
function quote(value: string): string {
  return value.includes('"') ? `"${value.replaceAll('"', "'")}"` : `"${value}"`;
}

/** netdata's `%0.7f` (NETDATA_DOUBLE_FORMAT) for VARIABLE values. */
export function formatVariableValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Math.abs(value) >= 1e21) return `${BigInt(Math.trunc(value))}.0000000`;
  return value.toFixed(7);
}

function flags(...slots: [boolean, string][]): string {
  return slots.map(([on, name]) => (on ? name : '')).join(' ');
}

/** The `CHART` line of a chart (newline included). The name is `""` when the chart has none. */
export function chartLine(chart: Chart): string {
  const d = chart.definition;
  const options = flags(
    [d.options.obsolete, 'obsolete'],
    [d.options.detail, 'detail'],
    [d.options.storeFirst, 'store_first'],
    [d.options.hidden, 'hidden'],
  );
  return `CHART ${quote(d.id)} ${quote(d.name ?? '')} ${quote(d.title)} ${quote(d.units)} ` +
    `${quote(d.family)} ${quote(d.context)} ${quote(d.chartType)} ${d.priority} ${d.updateEverySecs} ` +
    `${quote(options)} ${quote(d.plugin)} ${quote(d.module)}\n`;
}

/** The `DIMENSION` line of a dimension (newline included), 1.37's three option slots. */
export function dimensionLine(dimension: Dimension): string {
  const d = dimension.definition;
  const options = flags([d.options.obsolete, 'obsolete'], [d.options.hidden, 'hidden'], [d.options.noReset, 'noreset']);
  return `DIMENSION ${quote(d.id)} ${quote(d.name)} ${quote(d.algorithm)} ${d.multiplier} ${d.divisor} ${quote(options)}\n`;
}

/** `VARIABLE CHART name = value` lines of a chart's own variables. */
export function chartVariableLines(chart: Chart): string {
  let text = '';
  for (const [name, value] of chart.variables) text += `VARIABLE CHART ${name} = ${formatVariableValue(value)}\n`;
  return text;
}

/** `CLABEL "name" "value" source` per chart label, then `CLABEL_COMMIT`; empty without labels. */
export function chartLabelLines(chart: Chart): string {
  if (chart.labels.size === 0) return '';
  let text = '';
  for (const [name, label] of chart.labels) text += `CLABEL ${quote(name)} ${quote(label.value)} ${label.source}\n`;
  return `${text}CLABEL_COMMIT\n`;
}

/**
 * A chart's whole definition as a sender (re)sends it, in 1.37's order: CHART, its labels (when
 * the link carries them), its DIMENSIONs, the functions registered with it (when the link
 * carries them), its VARIABLEs.
 */
export function chartDefinitionLines(chart: Chart, withLabels = false,
  functions: readonly ChartFunction[] = []): string {
  let text = chartLine(chart);
  if (withLabels) text += chartLabelLines(chart);
  for (const dimension of chart.dimensions) text += dimensionLine(dimension);
  for (const fn of functions) text += `FUNCTION ${quote(fn.name)} ${fn.timeoutSecs} ${quote(fn.help)}\n`;
  return text + chartVariableLines(chart);
}

/** A function announced with a chart's definition (1.37's `rrd_functions_expose_rrdpush`). */
export interface ChartFunction {
  name: string;
  timeoutSecs: number;
  help: string;
}

/** `LABEL "name" = source "value"` per host label, then `OVERWRITE labels` (1.37's on-connect lines). */
export function hostLabelLines(host: Host): string {
  let text = '';
  for (const [name, label] of host.labels) text += `LABEL ${quote(name)} = ${label.source} ${quote(label.value)}\n`;
  return `${text}OVERWRITE labels\n`;
}

/** `VARIABLE HOST name = value` lines a sender queues on (re)connect. */
export function hostVariableLines(host: Host): string {
  let text = '';
  for (const [name, value] of host.variables) text += `VARIABLE HOST ${name} = ${formatVariableValue(value)}\n`;
  return text;
}

/** First size of a {@link DataBlockWriter}'s buffer; it doubles when a block needs more. */
const INITIAL_BLOCK_BYTES = 4096;
/** Room for one formatted integer (int64 with sign). */
const MAX_INTEGER_CHARS = 24;

const END_LINE = Buffer.from('END\n');
const SET_SUFFIX = Buffer.from('\n');

/**
 * Formats one chart's iterations as `BEGIN "type.id" usec` / `SET "dim" = value` / `END` into a
 * reusable buffer. The BEGIN and SET prefixes are built once (STYLE "Precompute at
 * construction"); a dimension added later is picked up on the next `format()`.
 */
export class DataBlockWriter {
  readonly #chart: Chart;
  readonly #begin: Buffer;
  #setPrefixes: Buffer[] = [];
  #buffer = Buffer.allocUnsafe(INITIAL_BLOCK_BYTES);

  constructor(chart: Chart) {
    this.#chart = chart;
    this.#begin = Buffer.from(`BEGIN ${quote(chart.id)} `);
    this.#refreshPrefixes();
  }

  /**
   * The block of the chart's last iteration: a SET for each dimension `updated` in it, with its
   * last collected value. The returned bytes are a view of the writer's buffer, valid until the
   * next call.
   */
  format(microseconds: number): Buffer {
    const dimensions = this.#chart.dimensions;
    if (dimensions.length !== this.#setPrefixes.length) this.#refreshPrefixes();
    this.#ensure(this.#begin.length + MAX_INTEGER_CHARS + 1 + END_LINE.length);
    let at = this.#copy(this.#begin, 0);
    at = this.#writeInteger(microseconds, at);
    this.#buffer[at++] = 0x0a;
    for (let i = 0; i < dimensions.length; i++) {
      const dimension = dimensions[i];
      if (!dimension.updated) continue;
      const prefix = this.#setPrefixes[i];
      this.#ensure(at + prefix.length + MAX_INTEGER_CHARS + 1 + END_LINE.length);
      at = this.#copy(prefix, at);
      at = this.#writeInteger(dimension.lastCollectedValue, at);
      at = this.#copy(SET_SUFFIX, at);
    }
    at = this.#copy(END_LINE, at);
    return this.#buffer.subarray(0, at);
  }

  #refreshPrefixes(): void {
    const dimensions = this.#chart.dimensions;
    for (let i = this.#setPrefixes.length; i < dimensions.length; i++) {
      this.#setPrefixes.push(Buffer.from(`SET ${quote(dimensions[i].definition.id)} = `));
    }
  }

  #ensure(bytes: number): void {
    if (bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.#buffer.length * 2));
    this.#buffer.copy(grown);
    this.#buffer = grown;
  }

  #copy(source: Buffer, at: number): number {
    return at + source.copy(this.#buffer, at);
  }

  /** Writes an integer in decimal without building a string (non-integers are truncated). */
  #writeInteger(value: number, at: number): number {
    const buffer = this.#buffer;
    if (!Number.isFinite(value)) value = 0;
    let v = Math.trunc(value);
    if (!Number.isSafeInteger(v)) return at + buffer.write(BigInt(v).toString(), at, 'latin1');
    if (v < 0) {
      buffer[at++] = 0x2d;
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    for (let i = at + digits - 1; i >= at; i--) {
      buffer[i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    return at + digits;
  }
}
