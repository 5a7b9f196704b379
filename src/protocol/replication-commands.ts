/**
 * The replication commands a child sends on a link that negotiated REPLICATION (reference §2.8):
 * CHART_DEFINITION_END, RBEGIN, RSET, RDSTATE, RSSTATE, REND, and CLAIMED_ID. Each is checked
 * for its words, resolved to its chart and dimension, and handed to the link's
 * `ReplicationReceiver`; what replication means is the streaming part's business.
 */
import type { Chart, Dimension } from '../database/types.js';
import type { CommandState } from './commands.js';
import { ProtocolError } from './errors.js';
import { parseDecimalWord, parseDouble, parseLong } from './numbers.js';
import { wordAt } from './tokenizer.js';
import type { ReplicationReceiver } from './types.js';

function receiverOf(state: CommandState, keyword: string): ReplicationReceiver {
  const receiver = state.options.replication;
  if (!receiver) throw new ProtocolError(`${keyword} is a replication command, and replication was not negotiated on this link`);
  return receiver;
}

function currentChart(state: CommandState, keyword: string): Chart {
  const chart = state.chart;
  if (!chart) throw new ProtocolError(`${keyword} without a chart: RBEGIN must come first`);
  return chart;
}

function dimensionOf(chart: Chart, id: string | undefined, keyword: string): Dimension {
  if (!id) throw new ProtocolError(`${keyword} without a dimension, in chart "${chart.id}"`);
  const dimension = chart.dimension(id);
  if (!dimension) throw new ProtocolError(`${keyword} of dimension "${id}", which does not exist in chart "${chart.id}"`);
  return dimension;
}

/** netdata's `str2ul` on an optional word: 0 when absent or empty. */
function seconds(word: string | undefined): number {
  return word ? parseDecimalWord(word, false) : 0;
}

/** A double as netdata's `strtondd` reads it; `NAN` (any case) and an absent word are NaN. */
function double(word: string | undefined): number {
  if (!word) return NaN;
  return parseDouble(word).value;
}

/** `CHART_DEFINITION_END first last now` after a chart's CHART/DIMENSION lines. */
export function chartDefinitionEndCommand(words: readonly string[], state: CommandState): void {
  const receiver = state.options.replication;
  // a plugin (or a link without replication) has nothing to ask for
  if (!receiver) return;
  const chart = state.chart;
  if (!chart) throw new ProtocolError('CHART_DEFINITION_END without a chart: CHART must come first');
  const childNow = seconds(wordAt(words, 3));
  receiver.definitionEnd(chart, seconds(wordAt(words, 1)), seconds(wordAt(words, 2)), childNow || Math.floor(Date.now() / 1000));
}

/** `RBEGIN "id"` opens a chart's answer; `RBEGIN '' start end now` one point of it. */
export function replayBeginCommand(words: readonly string[], state: CommandState): void {
  const receiver = receiverOf(state, 'RBEGIN');
  const id = wordAt(words, 1);
  let chart: Chart;
  if (id) {
    const found = state.host.charts.get(id);
    if (!found) throw new ProtocolError(`RBEGIN of chart "${id}", which does not exist`);
    chart = found;
  } else {
    chart = currentChart(state, 'RBEGIN');
  }
  state.chart = chart;
  const start = wordAt(words, 2);
  const end = wordAt(words, 3);
  if (start === undefined || end === undefined) {
    receiver.begin(chart, null);
    return;
  }
  receiver.begin(chart, { startS: seconds(start), endS: seconds(end), childNowS: seconds(wordAt(words, 4)) });
}

/** `RSET "dim" value "flags"`. */
export function replaySetCommand(words: readonly string[], state: CommandState): void {
  const receiver = receiverOf(state, 'RSET');
  const chart = currentChart(state, 'RSET');
  const dimension = dimensionOf(chart, wordAt(words, 1), 'RSET');
  const flags = wordAt(words, 3) ?? '';
  const value = flags.includes('E') ? NaN : double(wordAt(words, 2));
  receiver.set(chart, dimension, Number.isFinite(value) ? value : NaN, flags);
}

/** `RDSTATE "dim" last_collected_ut last_collected_value last_calculated last_stored`. */
export function replayDimensionStateCommand(words: readonly string[], state: CommandState): void {
  const receiver = receiverOf(state, 'RDSTATE');
  const chart = currentChart(state, 'RDSTATE');
  const dimension = dimensionOf(chart, wordAt(words, 1), 'RDSTATE');
  const collected = wordAt(words, 3);
  receiver.dimensionState(chart, dimension, seconds(wordAt(words, 2)), collected ? parseLong(collected) : 0,
    double(wordAt(words, 4)) || 0, double(wordAt(words, 5)));
}

/** `RSSTATE last_collected_ut last_updated_ut`. */
export function replayChartStateCommand(words: readonly string[], state: CommandState): void {
  const receiver = receiverOf(state, 'RSSTATE');
  const chart = currentChart(state, 'RSSTATE');
  receiver.chartState(chart, seconds(wordAt(words, 1)), seconds(wordAt(words, 2)));
}

/** `REND update_every first last start_streaming after before [now]`; at least 6 fields. */
export function replayEndCommand(words: readonly string[], state: CommandState): void {
  const receiver = receiverOf(state, 'REND');
  if (words.length < 7) throw new ProtocolError(`REND needs at least 6 fields, got ${words.length - 1}`);
  const chart = currentChart(state, 'REND');
  state.chart = null;
  receiver.end(chart, {
    updateEverySecs: seconds(words[1]),
    firstS: seconds(words[2]),
    lastS: seconds(words[3]),
    startStreaming: words[4] === 'true',
    afterS: seconds(words[5]),
    beforeS: seconds(words[6]),
    childNowS: seconds(wordAt(words, 7)) || Math.floor(Date.now() / 1000),
  });
}

/** `CLAIMED_ID <machine guid> <claim id|NULL>`. */
export function claimedIdCommand(words: readonly string[], state: CommandState): void {
  const guid = wordAt(words, 1);
  const claim = wordAt(words, 2);
  if (!guid || claim === undefined) throw new ProtocolError('CLAIMED_ID needs a machine GUID and a claim id');
  state.options.onClaimedId?.(guid, claim === 'NULL' || claim === '' ? null : claim);
}
