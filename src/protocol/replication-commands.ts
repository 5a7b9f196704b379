/**
 * The replication commands a child sends on a link that negotiated REPLICATION (reference §2.8):
 * CHART_DEFINITION_END, RBEGIN, RSET, RDSTATE, RSSTATE, REND, and CLAIMED_ID. Each is checked
 * for its words, resolved to its chart and dimension, and handed to the link's
 * `ReplicationReceiver`; what replication means is the streaming part's business. Like the other
 * cold commands they get the parser's current chart as an argument and change nothing of the
 * parser: RBEGIN returns the chart it makes current, and after REND the parser has none.
 */
import type { Chart, Dimension } from '../database/types.js';
import type { CommandContext } from './commands.js';
import { ProtocolError } from './errors.js';
import { parseDecimalWord, parseDouble, parseLongLongWord } from './numbers.js';
import { wordAt } from './tokenizer.js';
import type { ReplicationReceiver } from './types.js';

function receiverOf(context: CommandContext, keyword: string): ReplicationReceiver {
  const receiver = context.options.replication;
  if (!receiver) throw new ProtocolError(`${keyword} is a replication command, and replication was not negotiated on this link`);
  return receiver;
}

function currentChart(chart: Chart | null, keyword: string): Chart {
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

/** The wall clock in whole seconds, for a child that gave no clock of its own. */
function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

/** `CHART_DEFINITION_END first last now` after a chart's CHART/DIMENSION lines. */
export function chartDefinitionEndCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  const receiver = context.options.replication;
  // a plugin (or a link without replication) has nothing to ask for
  if (!receiver) return;
  if (!chart) throw new ProtocolError('CHART_DEFINITION_END without a chart: CHART must come first');
  receiver.definitionEnd(chart, seconds(wordAt(words, 1)), seconds(wordAt(words, 2)), seconds(wordAt(words, 3)) || nowS());
}

/**
 * `RBEGIN "id"` opens a chart's answer; `RBEGIN '' start end now` one point of it, in the
 * current chart. Returns the chart, which the parser makes current.
 */
export function replayBeginCommand(words: readonly string[], chart: Chart | null, context: CommandContext): Chart {
  const receiver = receiverOf(context, 'RBEGIN');
  const id = wordAt(words, 1);
  let replayed: Chart;
  if (id) {
    const found = context.options.host.charts.get(id);
    if (!found) throw new ProtocolError(`RBEGIN of chart "${id}", which does not exist`);
    replayed = found;
  } else {
    replayed = currentChart(chart, 'RBEGIN');
  }
  const start = wordAt(words, 2);
  const end = wordAt(words, 3);
  if (start === undefined || end === undefined) {
    receiver.begin(replayed, null);
  } else {
    receiver.begin(replayed, { startS: seconds(start), endS: seconds(end), childNowS: seconds(wordAt(words, 4)) });
  }
  return replayed;
}

/** `RSET "dim" value "flags"`: flag E (empty) or a value NAN or infinite give NaN. */
export function replaySetCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  const receiver = receiverOf(context, 'RSET');
  const replayed = currentChart(chart, 'RSET');
  const dimension = dimensionOf(replayed, wordAt(words, 1), 'RSET');
  const flags = wordAt(words, 3) ?? '';
  const value = flags.includes('E') ? NaN : double(wordAt(words, 2));
  receiver.set(replayed, dimension, Number.isFinite(value) ? value : NaN, flags);
}

/**
 * `RDSTATE "dim" last_collected_ut last_collected_value last_calculated last_stored`. The
 * collected value is read as netdata's `str2ll`, exactly (a bigint past 2^53); an absent or NAN
 * last calculated value is 0, an absent last stored one NaN.
 */
export function replayDimensionStateCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  const receiver = receiverOf(context, 'RDSTATE');
  const replayed = currentChart(chart, 'RDSTATE');
  const dimension = dimensionOf(replayed, wordAt(words, 1), 'RDSTATE');
  const collected = wordAt(words, 3);
  receiver.dimensionState(replayed, dimension, seconds(wordAt(words, 2)), collected ? parseLongLongWord(collected) : 0,
    double(wordAt(words, 4)) || 0, double(wordAt(words, 5)));
}

/** `RSSTATE last_collected_ut last_updated_ut`. */
export function replayChartStateCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  const receiver = receiverOf(context, 'RSSTATE');
  const replayed = currentChart(chart, 'RSSTATE');
  receiver.chartState(replayed, seconds(wordAt(words, 1)), seconds(wordAt(words, 2)));
}

/**
 * `REND update_every first last start_streaming after before [now]`; at least 6 fields. The
 * parser has no current chart afterwards.
 */
export function replayEndCommand(words: readonly string[], chart: Chart | null, context: CommandContext): void {
  const receiver = receiverOf(context, 'REND');
  if (words.length < 7) throw new ProtocolError(`REND needs at least 6 fields, got ${words.length - 1}`);
  const replayed = currentChart(chart, 'REND');
  receiver.end(replayed, {
    updateEverySecs: seconds(words[1]),
    firstS: seconds(words[2]),
    lastS: seconds(words[3]),
    startStreaming: words[4] === 'true',
    afterS: seconds(words[5]),
    beforeS: seconds(words[6]),
    childNowS: seconds(wordAt(words, 7)) || nowS(),
  });
}

/** `CLAIMED_ID <machine guid> <claim id|NULL>`. */
export function claimedIdCommand(words: readonly string[], context: CommandContext): void {
  const guid = wordAt(words, 1);
  const claim = wordAt(words, 2);
  if (!guid || claim === undefined) throw new ProtocolError('CLAIMED_ID needs a machine GUID and a claim id');
  context.options.onClaimedId?.(guid, claim === 'NULL' || claim === '' ? null : claim);
}
