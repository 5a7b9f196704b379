/**
 * The replication commands a child sends on a link that negotiated REPLICATION (reference §2.8):
 * CHART_DEFINITION_END, RBEGIN, RSET, RDSTATE, RSSTATE, REND, and CLAIMED_ID. Each is checked
 * for its words, resolved to its chart and dimension, and handed to the link's
 * `ReplicationReceiver`; what replication means is the streaming part's business. Like the other
 * cold commands they get the parser's current chart as an argument and change nothing of the
 * parser: RBEGIN returns the chart it makes current, and after REND the parser has none.
 *
 * A point's `RBEGIN '' start end now` and its `RSET`s are most of an answer: {@link replayPointLine}
 * and {@link replaySetLine} take their common form on the line's bytes (DESIGN "The hot path"),
 * with the words split in place and no string per word, and hand the receiver exactly what the
 * word path would; anything they do not take goes the word path, which is the reference.
 */
import type { Chart, Dimension } from '../database/index.js';
import type { CommandContext } from './commands.js';
import { ProtocolError } from './errors.js';
import {
  decimalStatus, parseDecimal, parseDecimalWord, parseDouble, parseDoubleBytes, parseLongLongWord, readDecimal,
} from './numbers.js';
import { bytesEqual, isSeparator, splitWords, wordAt } from './tokenizer.js';
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

/**
 * The dimension a replication line names; undefined for one a chart that was refused
 * dimensions does not have (the limits refused its DIMENSION: its replayed values are ignored too).
 */
function dimensionOf(chart: Chart, id: string | undefined, keyword: string, context: CommandContext): Dimension | undefined {
  if (!id) throw new ProtocolError(`${keyword} without a dimension, in chart "${chart.id}"`);
  const dimension = chart.dimension(id);
  if (!dimension && context.limits.refusesDimensionsOf(chart)) return undefined;
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
  const dimension = dimensionOf(replayed, wordAt(words, 1), 'RSET', context);
  if (!dimension) return;
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
  const dimension = dimensionOf(replayed, wordAt(words, 1), 'RDSTATE', context);
  if (!dimension) return;
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

const CHAR_E = 0x45;
const CHAR_R = 0x52;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * Where a point's next RSET is expected (RBEGIN sets it to 0, each RSET past its dimension),
 * and what {@link readExpectedReplaySet} read of the current line.
 */
export interface ReplayCursor {
  position: number;
  dimension: Dimension | null;
  value: number;
  flags: string;
}

/** A cursor at a point's first dimension. */
export function replayCursor(): ReplayCursor {
  return { position: 0, dimension: null, value: 0, flags: '' };
}

/** The flags word as a string, the usual ones without making one. */
function flagsOf(bytes: Buffer, start: number, end: number): string {
  if (end === start) return '';
  if (end - start === 1) {
    if (bytes[start] === CHAR_E) return 'E';
    if (bytes[start] === CHAR_R) return 'R';
  }
  return bytes.toString('utf8', start, end);
}

function skipSeparators(bytes: Uint8Array, p: number, end: number): number {
  while (p < end && isSeparator(bytes[p])) p++;
  return p;
}

/** {@link skipSeparators} within a line: stops at a newline (a line's bytes have none). */
function skipInLine(bytes: Uint8Array, p: number, end: number): number {
  for (; p < end; p++) {
    const c = bytes[p];
    if (c === NEWLINE || !isSeparator(c)) return p;
  }
  return p;
}

/**
 * {@link replaySetCommand} on the line `bytes[start, end)`, whose keyword ends at `from`. The
 * usual line, `RSET "<dim>" <value> "<flags>"` for the dimension `cursor` expects, is read in
 * one pass; any other is split into `spans` ({@link splitWords}), its dimension found by id and
 * its value read by {@link parseDoubleBytes}. Returns false, having done nothing, when the word
 * path must take the line (and give its error): no receiver, no current chart, no dimension id,
 * or one the chart does not have.
 */
export function replaySetLine(bytes: Buffer, start: number, from: number, end: number, chart: Chart | null,
  receiver: ReplicationReceiver | undefined, spans: Int32Array, cursor: ReplayCursor): boolean {
  if (receiver === undefined || chart === null) return false;
  if (readExpectedReplaySet(bytes, from, end, chart, cursor) < 0) {
    return anyReplaySet(bytes, start, end, chart, receiver, spans, cursor);
  }
  applyReplaySet(chart, receiver, cursor);
  return true;
}

/**
 * Reads the usual RSET from `bytes[from]`, where its keyword ends, into `cursor` (dimension,
 * value, flags) without changing anything else: the id double-quoted and equal to the
 * expected dimension's (no quote or backslash in it), an unquoted value {@link readDecimal}
 * reads to its end, flags `""`, `"E"`, `"R"` or none, exactly the words the tokenizer makes of
 * it. Returns where its last word ends (what follows is not read), or -1 for anything else.
 * It never reads past a newline, so `limit` may be a line's end or a chunk's.
 */
export function readExpectedReplaySet(bytes: Uint8Array, from: number, limit: number, chart: Chart,
  cursor: ReplayCursor): number {
  const dimensions = chart.dimensions;
  const position = cursor.position;
  if (position >= dimensions.length) return -1;
  const dimension = dimensions[position];
  const id = dimension.idBytes;
  const length = id.length;
  let p = skipInLine(bytes, from, limit);
  if (bytes[p] !== DOUBLE_QUOTE || length === 0 || p + 1 + length >= limit) return -1;
  p++;
  for (let i = 0; i < length; i++) {
    const c = bytes[p + i];
    // inside quotes the tokenizer's word ends at a quote and steps over what follows a backslash
    if (c !== id[i] || c === DOUBLE_QUOTE || c === BACKSLASH) return -1;
  }
  p += length;
  if (bytes[p] !== DOUBLE_QUOTE) return -1;
  p = skipInLine(bytes, p + 1, limit);
  const value = readDecimal(bytes, p, limit);
  p = decimalStatus.end;
  if (!decimalStatus.exact || (p < limit && !isSeparator(bytes[p]))) return -1;
  const valueEnd = p;
  p = skipInLine(bytes, p, limit);
  let flags = '';
  let lastEnd = valueEnd;
  if (p < limit && bytes[p] !== NEWLINE) {
    if (bytes[p] !== DOUBLE_QUOTE || p + 1 >= limit) return -1;
    const c = bytes[p + 1];
    if (c === DOUBLE_QUOTE) {
      lastEnd = p + 2;
    } else if ((c === CHAR_E || c === CHAR_R) && p + 2 < limit && bytes[p + 2] === DOUBLE_QUOTE) {
      flags = c === CHAR_E ? 'E' : 'R';
      lastEnd = p + 3;
    } else {
      return -1;
    }
  }
  cursor.dimension = dimension;
  cursor.value = flags === 'E' ? NaN : value;
  cursor.flags = flags;
  return lastEnd;
}

/** Hands the RSET {@link readExpectedReplaySet} read to the receiver and moves the cursor past it. */
export function applyReplaySet(chart: Chart, receiver: ReplicationReceiver, cursor: ReplayCursor): void {
  const dimension = cursor.dimension!;
  cursor.position = dimension.index + 1;
  receiver.set(chart, dimension, cursor.value, cursor.flags);
}

/** Any other RSET, split into words in place: the word path's result without its strings. */
function anyReplaySet(bytes: Buffer, start: number, end: number, chart: Chart, receiver: ReplicationReceiver,
  spans: Int32Array, cursor: ReplayCursor): boolean {
  const count = splitWords(bytes, start, end, spans);
  const idStart = spans[2];
  const idEnd = spans[3];
  if (count < 2 || idStart === idEnd) return false;
  const dimensions = chart.dimensions;
  const position = cursor.position;
  let dimension: Dimension | undefined = position < dimensions.length ? dimensions[position] : undefined;
  if (dimension === undefined || !bytesEqual(bytes, idStart, idEnd, dimension.idBytes)) {
    dimension = chart.dimension(bytes.toString('utf8', idStart, idEnd));
    if (dimension === undefined) return false;
  }
  cursor.position = dimension.index + 1;
  const flags = count > 3 ? flagsOf(bytes, spans[6], spans[7]) : '';
  const empty = flags.includes('E') || count < 3 || spans[4] === spans[5];
  const value = empty ? NaN : parseDoubleBytes(bytes, spans[4], spans[5]);
  receiver.set(chart, dimension, Number.isFinite(value) ? value : NaN, flags);
  return true;
}

/** Where {@link secondsAt} stopped. */
const scan = { end: 0 };

/**
 * netdata's `str2ul` on the unquoted word at `bytes[p]` when it is made of digits only, else -1;
 * `scan.end` is where its digits end.
 */
function secondsAt(bytes: Uint8Array, p: number, end: number): number {
  let value = 0;
  let s = p;
  for (; s < end; s++) {
    const d = bytes[s] - 0x30;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  scan.end = s;
  return s > p && (s === end || isSeparator(bytes[s])) ? value : -1;
}

/**
 * {@link replayBeginCommand} for one point, `RBEGIN '' start end [now]`, on the line
 * `bytes[start, end)` whose keyword ends at `from`: the times read as `seconds` reads them, in
 * the current chart. The usual line (an empty quoted id, times of digits only) is read in one
 * pass, any other split into `spans`. Returns false, having done nothing, for every other
 * RBEGIN (a chart id, fewer words, no receiver or chart).
 */
export function replayPointLine(bytes: Buffer, start: number, from: number, end: number, chart: Chart | null,
  receiver: ReplicationReceiver | undefined, spans: Int32Array): boolean {
  if (receiver === undefined || chart === null) return false;
  let p = skipSeparators(bytes, from, end);
  const quote = bytes[p];
  if ((quote === SINGLE_QUOTE || quote === DOUBLE_QUOTE) && p + 1 < end && bytes[p + 1] === quote) {
    const startS = secondsAt(bytes, skipSeparators(bytes, p + 2, end), end);
    const endS = startS < 0 ? -1 : secondsAt(bytes, skipSeparators(bytes, scan.end, end), end);
    if (endS >= 0) {
      p = skipSeparators(bytes, scan.end, end);
      const childNowS = p === end ? 0 : secondsAt(bytes, p, end);
      if (childNowS >= 0) {
        receiver.begin(chart, { startS, endS, childNowS });
        return true;
      }
    }
  }
  const count = splitWords(bytes, start, end, spans);
  if (count < 4 || spans[2] !== spans[3]) return false;
  receiver.begin(chart, {
    startS: parseDecimal(bytes, spans[4], spans[5], false),
    endS: parseDecimal(bytes, spans[6], spans[7], false),
    childNowS: count > 4 ? parseDecimal(bytes, spans[8], spans[9], false) : 0,
  });
  return true;
}

/** `CLAIMED_ID <machine guid> <claim id|NULL>`. */
export function claimedIdCommand(words: readonly string[], context: CommandContext): void {
  const guid = wordAt(words, 1);
  const claim = wordAt(words, 2);
  if (!guid || claim === undefined) throw new ProtocolError('CLAIMED_ID needs a machine GUID and a claim id');
  context.options.onClaimedId?.(guid, claim === 'NULL' || claim === '' ? null : claim);
}
