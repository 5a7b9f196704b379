/**
 * The plugins.d parser: bytes in (plugin stdout or a stream socket), commands into a `Host`.
 * Lines are found by scanning for `\n`; BEGIN, SET and END, and replication's RBEGIN and RSET,
 * are handled on the bytes without a string per line or word (DESIGN "The hot path"); the other
 * commands go to `commands.ts` and `replication-commands.ts` as words.
 */
import type { Chart, Host } from '../database/index.js';
import { LogThrottle } from '../log.js';
import { BlockCapture } from './block-capture.js';
import { ChartCursor } from './chart-cursor.js';
import { chartCommand, dimensionCommand, functionCommand, variableCommand, type CommandContext } from './commands.js';
import { formatLineError, ProtocolError, QUOTED_LINE_MAX_CHARS } from './errors.js';
import { LabelCommands } from './labels.js';
import { LineCarry } from './line-carry.js';
import {
  applyReplaySet,
  chartDefinitionEndCommand,
  claimedIdCommand,
  readExpectedReplaySet,
  replayBeginCommand,
  replayChartStateCommand,
  replayCursor,
  replayDimensionStateCommand,
  replayEndCommand,
  replayPointLine,
  replaySetCommand,
  replaySetLine,
} from './replication-commands.js';
import { int64Status, parseDecimal, parseInt64, parseInt64Big } from './numbers.js';
import { SourceLimits } from './source-limits.js';
import { bytesEqual, isSeparator, MAX_WORDS, splitWords, wordsOf } from './tokenizer.js';
import {
  DEFAULT_PARSER_LIMITS,
  type Parser,
  type ParserOptions,
  type ParserStats,
  type ParserStop,
  type ParserStopKind,
} from './types.js';

const NEWLINE = 0x0a;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
const CHAR_B = 0x42;
const CHAR_D = 0x44;
const CHAR_E = 0x45;
const CHAR_G = 0x47;
const CHAR_I = 0x49;
const CHAR_N = 0x4e;
const CHAR_R = 0x52;
const CHAR_S = 0x53;
const CHAR_T = 0x54;
/** The keyword that ends a function's result body. */
const RESULT_END_BYTES = Buffer.from('FUNCTION_RESULT_END', 'latin1');
/** Commands about the current chart: ignored while it is one the limits refused. */
const CHART_SCOPED_KEYWORDS = new Set([
  'DIMENSION', 'VARIABLE', 'CLABEL', 'CLABEL_COMMIT', 'FUNCTION', 'CHART_DEFINITION_END', 'RSET', 'RDSTATE', 'RSSTATE', 'REND',
]);

/**
 * Creates a parser for one source. Feed it chunks as they arrive; it stops itself (and calls
 * `onStop` once) on DISABLE, a protocol error or a limit. It does not log the stop: the owner
 * of the source does, with `stop.message`.
 */
export function createParser(options: ParserOptions): Parser {
  return new PluginsdParser(options);
}

class PluginsdParser implements Parser {
  readonly #options: ParserOptions;
  readonly #host: Host;
  readonly #limits: SourceLimits;
  /** What the cold commands may use; they get the current chart as an argument. */
  readonly #context: CommandContext;
  readonly #labels = new LabelCommands();
  /** netdata's current chart: set by CHART, BEGIN and RBEGIN, cleared by END, REND and FLUSH. */
  #chart: Chart | null = null;
  readonly #nowUs: () => number;
  readonly #stats: ParserStats = { bytes: 0, lines: 0, values: 0, iterations: 0 };
  readonly #spans = new Int32Array(2 * MAX_WORDS);
  readonly #cursors = new Map<string, ChartCursor>();
  readonly #capture: BlockCapture | null;
  readonly #throttle = new LogThrottle();
  /** The current chart is one the limits refused (its CHART, BEGIN or RBEGIN): its lines are ignored. */
  #inRefusedChart = false;
  #stopped: ParserStop | null = null;
  readonly #carry = new LineCarry();
  /** Where the line being parsed ends in the current chunk when it was carried, else -1. */
  #carriedNewline = -1;
  #cursor: ChartCursor | null = null;
  /** Where the current point's next RSET is expected, and the RSET being read. */
  readonly #replayCursor = replayCursor();
  #lastBegun: ChartCursor | null = null;
  /** The chart whose END is being taken, for the block capture's `onDataBlock`. */
  #endedChart: Chart | null = null;
  /** Inside a FUNCTION_RESULT_BEGIN..END block: lines are the body, not commands. */
  #inResult = false;
  #lineBytes: Uint8Array = this.#carry.bytes;
  #lineStart = 0;
  #lineEnd = 0;

  constructor(options: ParserOptions) {
    this.#options = options;
    this.#host = options.host;
    this.#limits = new SourceLimits(Object.freeze({ ...DEFAULT_PARSER_LIMITS, ...options.limits }), options.source, options.host);
    this.#context = Object.freeze({ options, limits: this.#limits, warn: (problem: string) => this.#warn(problem) });
    this.#nowUs = options.nowUs ?? (() => Date.now() * 1000);
    const onDataBlock = options.onDataBlock;
    this.#capture = onDataBlock ? new BlockCapture((block) => onDataBlock(block, this.#endedChart!)) : null;
  }

  get stopped(): ParserStop | null {
    return this.#stopped;
  }

  get stats(): Readonly<ParserStats> {
    return this.#stats;
  }

  feed(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#stats.bytes += chunk.length;
    this.#capture?.chunkStarts(chunk);
    try {
      this.#feedLines(chunk);
    } catch (err) {
      this.#stopOnError(err);
    }
    this.#capture?.chunkEnds();
  }

  end(): void {
    const carried = this.#carry.take();
    if (carried > 0 && !this.#stopped) {
      const partial = this.#carry.bytes.toString('utf8', 0, Math.min(carried, 4 * QUOTED_LINE_MAX_CHARS));
      this.#throttle.log('WARN', formatLineError(this.#options.source, this.#stats.lines + 1,
        `the source closed in the middle of a line (${carried} bytes); the partial line is dropped`, partial));
    }
  }

  /** A non-fatal problem with the current line: logged (throttled), parsing goes on. */
  #warn(problem: string): void {
    this.#throttle.log('WARN', formatLineError(this.#options.source, this.#stats.lines, problem, this.#currentLine()));
  }

  #feedLines(chunk: Buffer): void {
    let position = 0;
    const length = chunk.length;
    if (this.#carry.length > 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        this.#appendCarry(chunk, 0, length);
        return;
      }
      if (!this.#appendCarry(chunk, 0, newline)) return;
      this.#carriedLine(newline);
      position = newline + 1;
    }
    const maxLineBytes = this.#limits.maxLineBytes;
    while (position < length && this.#stopped === null) {
      if (chunk[position] === CHAR_R && this.#replaySetInChunk(chunk, position, length, maxLineBytes)) {
        position = this.#lineEnd + 1;
        continue;
      }
      const newline = chunk.indexOf(NEWLINE, position);
      if (newline < 0) break;
      if (newline - position > maxLineBytes) return this.#lineTooLong(chunk, position);
      this.#line(chunk, position, newline);
      position = newline + 1;
    }
    if (this.#stopped === null && position < length) this.#appendCarry(chunk, position, length);
  }

  /**
   * Replication's most common line, `RSET "<dim>" <value> "<flags>"` as 1.37 sends it, taken
   * from the chunk at `start` with its newline found on the way (its last word ends at it), so
   * it is read once rather than searched for and then read. False, having done nothing, for
   * anything else: the line is then found and taken as every other.
   */
  #replaySetInChunk(chunk: Buffer, start: number, length: number, maxLineBytes: number): boolean {
    const chart = this.#chart;
    const receiver = this.#options.replication;
    if (chart === null || receiver === undefined || this.#inResult || start + 5 >= length || chunk[start + 1] !== CHAR_S ||
      chunk[start + 2] !== CHAR_E || chunk[start + 3] !== CHAR_T || !isSeparator(chunk[start + 4])) return false;
    const cursor = this.#replayCursor;
    const newline = readExpectedReplaySet(chunk, start + 4, length, chart, cursor);
    if (newline < 0 || chunk[newline] !== NEWLINE || newline - start > maxLineBytes) return false;
    this.#stats.lines++;
    this.#setLine(chunk, start, newline);
    applyReplaySet(chart, receiver, cursor);
    return true;
  }

  #carriedLine(newline: number): void {
    const carried = this.#carry.take();
    this.#carriedNewline = newline;
    try {
      this.#line(this.#carry.bytes, 0, carried);
    } finally {
      this.#carriedNewline = -1;
    }
  }

  /** Keeps a partial line for the next chunk; false (and stopped) past the line limit. */
  #appendCarry(chunk: Buffer, from: number, to: number): boolean {
    const maxBytes = this.#limits.maxLineBytes;
    if (!this.#carry.fits(from, to, maxBytes)) {
      this.#lineTooLong(this.#carry.head(chunk, from, to, this.#tooLongQuotedBytes()), 0);
      return false;
    }
    this.#carry.append(chunk, from, to, maxBytes);
    return true;
  }

  /**
   * How much of a line past the limit its stop quotes: its first `maxLineBytes + 1` bytes, all
   * the parser is sure to have of it wherever the chunks were cut (at most what a message shows).
   */
  #tooLongQuotedBytes(): number {
    return Math.min(this.#limits.maxLineBytes + 1, 4 * QUOTED_LINE_MAX_CHARS);
  }

  #lineTooLong(bytes: Buffer, start: number): void {
    this.#stats.lines++;
    this.#setLine(bytes, start, Math.min(bytes.length, start + this.#tooLongQuotedBytes()));
    this.#stop('limit', this.#limits.lineTooLong());
  }

  #setLine(bytes: Uint8Array, start: number, end: number): void {
    // a chunk's lines all come from it: storing it again would pay a write barrier per line
    if (bytes !== this.#lineBytes) this.#lineBytes = bytes;
    this.#lineStart = start;
    this.#lineEnd = end;
  }

  /** One complete line, `bytes[start, end)`, its newline excluded. */
  #line(bytes: Buffer, start: number, end: number): void {
    this.#stats.lines++;
    this.#setLine(bytes, start, end);
    if (this.#inResult) return this.#resultLine(bytes, start, end);
    const c = bytes[start];
    if (c === CHAR_S && end - start > 4 && bytes[start + 1] === CHAR_E && bytes[start + 2] === CHAR_T &&
      isSeparator(bytes[start + 3]) && this.#expectedSet(bytes, start + 4, end)) return;
    if (c === CHAR_R && end - start > 5 && bytes[start + 1] === CHAR_S && bytes[start + 2] === CHAR_E &&
      bytes[start + 3] === CHAR_T && isSeparator(bytes[start + 4])) return this.#replaySet(bytes, start, start + 4, end);
    let k = start;
    while (k < end && isSeparator(bytes[k])) k++;
    if (k === end) return;
    let keywordEnd = k + 1;
    while (keywordEnd < end && !isSeparator(bytes[keywordEnd])) keywordEnd++;
    const length = keywordEnd - k;
    const first = bytes[k];
    if (first === CHAR_S && length === 3 && bytes[k + 1] === CHAR_E && bytes[k + 2] === CHAR_T) {
      this.#set(bytes, start, end);
    } else if (first === CHAR_E && length === 3 && bytes[k + 1] === CHAR_N && bytes[k + 2] === CHAR_D) {
      this.#end(end);
    } else if (first === CHAR_B && length === 5 && bytes[k + 1] === CHAR_E && bytes[k + 2] === CHAR_G &&
      bytes[k + 3] === CHAR_I && bytes[k + 4] === CHAR_N) {
      this.#begin(bytes, start, end);
    } else if (first === CHAR_R && length === 4 && bytes[k + 1] === CHAR_S && bytes[k + 2] === CHAR_E &&
      bytes[k + 3] === CHAR_T) {
      this.#replaySet(bytes, start, keywordEnd, end);
    } else if (first === CHAR_R && length === 6 && bytes[k + 1] === CHAR_B && bytes[k + 2] === CHAR_E &&
      bytes[k + 3] === CHAR_G && bytes[k + 4] === CHAR_I && bytes[k + 5] === CHAR_N) {
      this.#replayCursor.position = 0;
      if (!replayPointLine(bytes, start, keywordEnd, end, this.#chart, this.#options.replication, this.#spans)) {
        this.#command('RBEGIN', bytes, start, end);
      }
    } else {
      this.#command(bytes.toString('latin1', k, keywordEnd), bytes, start, end);
    }
  }

  /** RSET, its keyword ending at `from`: on the bytes where it can, else the word path. */
  #replaySet(bytes: Buffer, start: number, from: number, end: number): void {
    if (!replaySetLine(bytes, start, from, end, this.#chart, this.#options.replication, this.#spans, this.#replayCursor)) {
      this.#command('RSET', bytes, start, end);
    }
  }

  /** A line of a function's result: the body, or FUNCTION_RESULT_END closing it. */
  #resultLine(bytes: Buffer, start: number, end: number): void {
    let k = start;
    while (k < end && isSeparator(bytes[k])) k++;
    let keywordEnd = k;
    while (keywordEnd < end && !isSeparator(bytes[keywordEnd])) keywordEnd++;
    if (keywordEnd - k === RESULT_END_BYTES.length && bytesEqual(bytes, k, keywordEnd, RESULT_END_BYTES)) {
      this.#inResult = false;
      this.#options.functionResults?.end();
      return;
    }
    this.#options.functionResults?.line(bytes.subarray(start, end));
  }

  #begin(bytes: Buffer, start: number, end: number): void {
    const spans = this.#spans;
    const count = splitWords(bytes, start, end, spans);
    const idStart = spans[2];
    const idEnd = spans[3];
    if (count < 2 || idStart === idEnd) throw new ProtocolError('BEGIN without a chart id');
    const guess = this.#lastBegun?.next;
    let cursor: ChartCursor;
    if (guess && guess.isChart(bytes, idStart, idEnd)) cursor = guess;
    else {
      const chart = this.#findChart(bytes.toString('utf8', idStart, idEnd));
      if (chart === null) {
        this.#enterRefusedChart();
        return;
      }
      cursor = this.#cursorOf(chart);
    }
    this.#inRefusedChart = false;
    if (this.#lastBegun !== null) this.#lastBegun.next = cursor;
    this.#lastBegun = cursor;
    this.#cursor = cursor;
    cursor.position = 0;
    cursor.refresh();
    const chart = cursor.chart;
    this.#chart = chart;
    const microseconds = count > 2 ? parseDecimal(bytes, spans[4], spans[5], false) : 0;
    chart.begin(microseconds, this.#options.trustedDurations, this.#nowUs());
    const capture = this.#capture;
    if (capture === null) return;
    // a carried line came from earlier chunks but for its last `#carriedNewline` bytes
    if (this.#carriedNewline < 0) capture.begin(start, null);
    else capture.begin(0, bytes.subarray(start, end - this.#carriedNewline));
  }

  /** The chart BEGIN names; null for one the limits refused. */
  #findChart(id: string): Chart | null {
    const chart = this.#host.charts.get(id);
    if (chart) return chart;
    if (this.#limits.refusesLinesOf(id)) return null;
    throw new ProtocolError(`BEGIN of chart "${id}", which does not exist (CHART must define it first)`);
  }

  /** CHART, BEGIN or RBEGIN of a chart the limits refused: its lines up to the next one are ignored. */
  #enterRefusedChart(): void {
    this.#chart = null;
    this.#cursor = null;
    this.#inRefusedChart = true;
  }

  /**
   * The hot path: `SET <id> = <value>` for the dimension the chart's cursor expects next, read
   * in one pass. Returns false, having changed nothing, for anything else (another dimension,
   * escapes, a quoted value, no current chart); {@link #set} then takes the line the long way.
   */
  #expectedSet(bytes: Buffer, from: number, end: number): boolean {
    const chart = this.#chart;
    const cursor = this.#cursor;
    if (chart === null || cursor === null || cursor.chart !== chart) return false;
    let p = from;
    while (p < end && isSeparator(bytes[p])) p++;
    let idStart = p;
    let idEnd: number;
    if (bytes[p] === DOUBLE_QUOTE) {
      idStart = ++p;
      while (p < end && bytes[p] !== DOUBLE_QUOTE) {
        if (bytes[p] === BACKSLASH) return false;
        p++;
      }
      if (p >= end) return false;
      idEnd = p++;
    } else {
      if (bytes[p] === SINGLE_QUOTE) return false;
      while (p < end && !isSeparator(bytes[p])) {
        if (bytes[p] === BACKSLASH) return false;
        p++;
      }
      idEnd = p;
    }
    const position = cursor.position;
    if (idStart === idEnd || position >= cursor.idCount || !cursor.matches(bytes, idStart, idEnd, position)) return false;
    while (p < end && isSeparator(bytes[p])) p++;
    if (p < end) {
      const c = bytes[p];
      if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) return false;
      // strtoll stops at the first non-digit, so reading to the line's end reads the word
      const value = parseInt64(bytes, p, end);
      if (int64Status.exact) chart.set(position, value);
      else chart.setBig(position, parseInt64Big(bytes, p, end));
      this.#stats.values++;
    }
    cursor.position = position + 1;
    return true;
  }

  #set(bytes: Buffer, start: number, end: number): void {
    const chart = this.#chart;
    if (chart === null && this.#inRefusedChart) return;
    if (chart === null) throw new ProtocolError('SET without a chart: BEGIN must come first');
    const spans = this.#spans;
    const count = splitWords(bytes, start, end, spans);
    const idStart = spans[2];
    const idEnd = spans[3];
    if (count < 2 || idStart === idEnd) throw new ProtocolError(`SET without a dimension, in chart "${chart.id}"`);
    let cursor = this.#cursor;
    if (cursor === null || cursor.chart !== chart) cursor = this.#cursor = this.#cursorOf(chart);
    const position = cursor.position;
    const index = position < cursor.idCount && cursor.matches(bytes, idStart, idEnd, position)
      ? position
      : this.#findDimension(cursor, bytes.toString('utf8', idStart, idEnd));
    if (index < 0) return;
    cursor.position = index + 1;
    if (count < 3 || spans[4] === spans[5]) return;
    const value = parseInt64(bytes, spans[4], spans[5]);
    if (int64Status.exact) chart.set(index, value);
    else chart.setBig(index, parseInt64Big(bytes, spans[4], spans[5]));
    this.#stats.values++;
  }

  /** The cursor of `chart`, made (or remade, for a chart re-created under the same id) on demand. */
  #cursorOf(chart: Chart): ChartCursor {
    let cursor = this.#cursors.get(chart.id);
    if (!cursor || cursor.chart !== chart) {
      cursor = new ChartCursor(chart);
      this.#cursors.set(chart.id, cursor);
    }
    return cursor;
  }

  /** The index of dimension `id` of the cursor's chart; -1 for one the limits refused. */
  #findDimension(cursor: ChartCursor, id: string): number {
    const dimension = cursor.chart.dimension(id);
    if (!dimension && this.#limits.refusesDimensionsOf(cursor.chart)) return -1;
    if (!dimension) throw new ProtocolError(`SET of dimension "${id}", which does not exist in chart "${cursor.chart.id}"`);
    cursor.refresh();
    return dimension.index;
  }

  #end(end: number): void {
    const chart = this.#chart;
    if (chart === null && this.#inRefusedChart) {
      this.#inRefusedChart = false;
      return;
    }
    if (chart === null) throw new ProtocolError('END without a chart: BEGIN must come first');
    this.#chart = null;
    this.#stats.iterations++;
    chart.end(this.#nowUs());
    const capture = this.#capture;
    if (capture === null) return;
    this.#endedChart = chart;
    capture.end(this.#carriedNewline < 0 ? end : this.#carriedNewline);
  }

  #words(bytes: Buffer, start: number, end: number): string[] {
    return wordsOf(bytes, start, end, this.#spans);
  }

  /** Every keyword but BEGIN, SET and END (reference §1.4), and RBEGIN and RSET the bytes did not take. */
  #command(keyword: string, bytes: Buffer, start: number, end: number): void {
    const context = this.#context;
    const chart = this.#chart;
    if (chart === null && this.#inRefusedChart && CHART_SCOPED_KEYWORDS.has(keyword)) {
      if (keyword === 'REND') this.#inRefusedChart = false;
      return;
    }
    switch (keyword) {
      case 'CHART':
        this.#chart = chartCommand(this.#words(bytes, start, end), context);
        this.#inRefusedChart = this.#chart === null;
        break;
      case 'DIMENSION': dimensionCommand(this.#words(bytes, start, end), chart, context); break;
      case 'VARIABLE': variableCommand(this.#words(bytes, start, end), chart, context); break;
      case 'FLUSH': this.#flush(); break;
      case 'DISABLE': this.#stop('disabled', 'the plugin sent DISABLE'); break;
      case 'LABEL': this.#labels.label(this.#words(bytes, start, end)); break;
      case 'OVERWRITE': this.#labels.overwrite(this.#host); break;
      case 'CLABEL': this.#labels.chartLabel(this.#words(bytes, start, end), chart); break;
      case 'CLABEL_COMMIT': this.#labels.commitChartLabels(chart); break;
      case 'FUNCTION': functionCommand(this.#words(bytes, start, end), chart, context); break;
      case 'FUNCTION_RESULT_BEGIN':
        // a source nobody calls functions on (a stream link) has no results to send
        if (!this.#options.functionResults) throw new ProtocolError(`unknown keyword ${JSON.stringify(keyword)}`);
        this.#inResult = true;
        this.#options.functionResults?.begin(this.#words(bytes, start, end));
        break;
      case 'FUNCTION_RESULT_END': this.#warn('FUNCTION_RESULT_END without a FUNCTION_RESULT_BEGIN; ignored'); break;
      case 'CLAIMED_ID': claimedIdCommand(this.#words(bytes, start, end), context); break;
      case 'CHART_DEFINITION_END': chartDefinitionEndCommand(this.#words(bytes, start, end), chart, context); break;
      case 'RBEGIN': this.#replayBegin(this.#words(bytes, start, end), chart); break;
      case 'RSET': replaySetCommand(this.#words(bytes, start, end), chart, context); break;
      case 'RDSTATE': replayDimensionStateCommand(this.#words(bytes, start, end), chart, context); break;
      case 'RSSTATE': replayChartStateCommand(this.#words(bytes, start, end), chart, context); break;
      case 'REND':
        replayEndCommand(this.#words(bytes, start, end), chart, context);
        this.#chart = null;
        break;
      default:
        throw new ProtocolError(`unknown keyword ${JSON.stringify(keyword)}`);
    }
  }

  /** RBEGIN: of a chart the limits refused, its answer up to REND is ignored. */
  #replayBegin(words: string[], chart: Chart | null): void {
    const id = words[1];
    if (id ? !this.#host.charts.has(id) && this.#limits.refusesLinesOf(id) : chart === null && this.#inRefusedChart) {
      this.#enterRefusedChart();
      return;
    }
    this.#inRefusedChart = false;
    this.#chart = replayBeginCommand(words, chart, this.#context);
  }

  #flush(): void {
    this.#chart = null;
    this.#inRefusedChart = false;
    this.#capture?.drop();
  }

  #currentLine(): string {
    const end = Math.min(this.#lineEnd, this.#lineStart + 4 * QUOTED_LINE_MAX_CHARS);
    return Buffer.from(this.#lineBytes.buffer, this.#lineBytes.byteOffset, this.#lineBytes.byteLength)
      .toString('utf8', this.#lineStart, end);
  }

  #stopOnError(err: unknown): void {
    if (err instanceof ProtocolError) this.#stop(err.kind, err.message);
    else this.#stop('error', `the database refused it: ${err instanceof Error ? err.message : String(err)}`);
  }

  #stop(kind: ParserStopKind, problem: string): void {
    if (this.#stopped) return;
    const lineNumber = this.#stats.lines;
    const stop = { kind, lineNumber, message: formatLineError(this.#options.source, lineNumber, problem, this.#currentLine()) };
    this.#stopped = stop;
    this.#chart = null;
    this.#carry.release();
    this.#capture?.drop();
    this.#options.onStop?.(stop);
  }
}
