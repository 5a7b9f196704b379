/**
 * The label commands of plugins.d (reference §1.4): LABEL and OVERWRITE for the host's labels,
 * CLABEL and CLABEL_COMMIT for the current chart's, and what they keep between lines.
 */
import type { Chart, Host } from '../database/index.js';
import { ProtocolError } from './errors.js';
import { parseDecimalWord } from './numbers.js';
import { wordAt } from './tokenizer.js';

type Labels = Map<string, { value: string; source: number }>;

/** One parser's label commands: host labels waiting for OVERWRITE, chart labels re-sent. */
export class LabelCommands {
  /** LABELs since the last OVERWRITE. */
  #hostLabels: Labels | null = null;
  /** The chart labels re-sent since the first CLABEL (cleared by CLABEL_COMMIT). */
  #chartLabelsSeen: { chart: Chart; names: Set<string> } | null = null;

  /** `LABEL name source value...`: words after the source are joined with single spaces. */
  label(words: readonly string[]): void {
    if (words.length < 4) throw new ProtocolError('LABEL needs a name, a source and a value');
    const labels = this.#hostLabels ?? new Map();
    labels.set(words[1], { value: words.slice(3).join(' '), source: parseDecimalWord(words[2], true) });
    this.#hostLabels = labels;
  }

  /** `OVERWRITE`: the LABELs sent since the last OVERWRITE become the host's labels. */
  overwrite(host: Host): void {
    host.replaceLabels(this.#hostLabels ?? new Map());
    this.#hostLabels = null;
  }

  /** `CLABEL name value source`: sets a label of the current chart at once. */
  chartLabel(words: readonly string[], chart: Chart | null): void {
    const name = wordAt(words, 1);
    const value = wordAt(words, 2);
    const source = wordAt(words, 3);
    if (name === undefined || value === undefined || !source) {
      throw new ProtocolError('CLABEL needs a name, a value and a source');
    }
    if (!chart) throw new ProtocolError('CLABEL without a chart: a CHART or BEGIN line must come first');
    if (this.#chartLabelsSeen?.chart !== chart) this.#chartLabelsSeen = { chart, names: new Set() };
    this.#chartLabelsSeen.names.add(name);
    chart.labels.set(name, { value, source: parseDecimalWord(source, true) });
  }

  /** `CLABEL_COMMIT`: removes the chart's labels that were not re-sent since the first CLABEL. */
  commitChartLabels(chart: Chart | null): void {
    if (!chart) throw new ProtocolError('CLABEL_COMMIT without a chart: a CHART or BEGIN line must come first');
    const seen = this.#chartLabelsSeen;
    if (!seen || seen.chart !== chart) throw new ProtocolError('CLABEL_COMMIT without a CLABEL before it');
    for (const name of [...chart.labels.keys()]) {
      if (!seen.names.has(name)) chart.labels.delete(name);
    }
    this.#chartLabelsSeen = null;
  }
}
