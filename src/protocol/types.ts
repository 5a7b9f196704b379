/**
 * The parser's public contract: one parser for plugin stdout and stream sockets alike. Bytes go
 * in with `feed()`; commands go into a database `Host`. Nothing here touches sockets or processes.
 */
import type { Chart, Dimension, Host } from '../database/index.js';
import { DEFAULT_LIMITS } from '../limits.js';

/**
 * Limits on one source's input (DESIGN "Bad input"); every one has a default in `src/limits.ts`.
 * The charts and dimensions of all hosts together are the host's `capacity`. Enforced by
 * `source-limits.ts`.
 */
export interface ParserLimits {
  /** Longest line accepted, newline excluded; a longer one stops the source. */
  maxLineBytes: number;
  /** Most charts of the source's host; a new chart past it is refused alone. */
  maxChartsPerHost: number;
  /** Most dimensions per chart; a new dimension past it is refused alone. */
  maxDimensionsPerChart: number;
}

/** The limits a parser applies when its options give none. */
export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxLineBytes: DEFAULT_LIMITS.lineBytes,
  maxChartsPerHost: DEFAULT_LIMITS.chartsPerHost,
  maxDimensionsPerChart: DEFAULT_LIMITS.dimensionsPerChart,
});

/** What one source's parser is created with (`createParser`); fixed for its lifetime. */
export interface ParserOptions {
  /** Names the source in every error: `plugin apps`, `[receive from [127.0.0.1]:40312]`. */
  source: string;
  /** Where CHART, DIMENSION, VARIABLE, LABEL... go. */
  host: Host;
  /** Stream receivers trust the BEGIN microseconds (reference §1.4 BEGIN). */
  trustedDurations: boolean;
  /** A CHART without update every (or 0) gets this one (the plugin's). */
  defaultUpdateEverySecs: number;
  /** A CHART without a plugin field gets this one, e.g. `apps.plugin`. */
  defaultPluginName: string;
  /** Wall clock in microseconds (tests pass a fixed clock). Default: Date.now() * 1000. */
  nowUs?: () => number;
  limits?: Partial<ParserLimits>;
  /** FUNCTION registrations (1.37); `chartId` is the chart it came after (null when GLOBAL). */
  onFunction?: (fn: { name: string; timeoutSecs: number; help: string; global: boolean; chartId: string | null }) => void;
  /**
   * The answers to FUNCTION calls (reference §1.4): `FUNCTION_RESULT_BEGIN` (its words), every
   * line up to `FUNCTION_RESULT_END` as raw bytes (a view of the chunk: copy to keep), and the end.
   * Without it FUNCTION_RESULT_BEGIN is an unknown keyword, as it was before functions.
   */
  functionResults?: FunctionResultSink;
  /**
   * A proxy's hook: the bytes of every complete BEGIN..END block as received (END line and its
   * newline included), so they can be forwarded unchanged, with the chart they updated. The
   * bytes may be a view of the chunk being parsed: copy them to keep them.
   */
  onDataBlock?: (block: Buffer, chart: Chart) => void;
  /**
   * The receiving end of replication (reference §2.8), given only on a stream link that
   * negotiated it: CHART_DEFINITION_END and the R* commands go here, resolved to their chart and
   * dimension. Without it those commands are a protocol error (CHART_DEFINITION_END is ignored).
   */
  replication?: ReplicationReceiver;
  /** `CLAIMED_ID <guid> <claim id|NULL>` from a stream link (claim id null for NULL). */
  onClaimedId?: (machineGuid: string, claimId: string | null) => void;
  /** Called once when the parser stops (DISABLE, a protocol error, a limit). */
  onStop?: (reason: ParserStop) => void;
}

/** Where a parser hands the results of FUNCTION calls (`ParserOptions.functionResults`). */
export interface FunctionResultSink {
  /** `FUNCTION_RESULT_BEGIN transaction status content-type expires`: the words, keyword first. */
  begin(words: readonly string[]): void;
  /** One line of the body, its newline excluded (not parsed as a command). */
  line(bytes: Buffer): void;
  /** `FUNCTION_RESULT_END`: the body is complete. */
  end(): void;
}

/** `REND`'s fields (reference §2.8). */
export interface ReplayEnd {
  updateEverySecs: number;
  /** The child's first and last stored times for the chart. */
  firstS: number;
  lastS: number;
  /** The child starts streaming the chart's live data after this. */
  startStreaming: boolean;
  /** The window the child answered (its `before` may be later than requested when starting). */
  afterS: number;
  beforeS: number;
  /** The child's wall clock when it finished (s). */
  childNowS: number;
}

/**
 * What a stream receiver does with the replication commands of its child (reference §2.8). The
 * parser validates their syntax and resolves charts and dimensions; a method may throw a
 * `ProtocolError` to stop the link (the message names what was wrong).
 */
export interface ReplicationReceiver {
  /** `CHART_DEFINITION_END first last now`: the chart's definition is complete; ask for its gap. */
  definitionEnd(chart: Chart, firstS: number, lastS: number, childNowS: number): void;
  /** `RBEGIN "id"` (times null) or `RBEGIN '' start end now` (one replicated point). */
  begin(chart: Chart, times: { startS: number; endS: number; childNowS: number } | null): void;
  /** `RSET "dim" value "flags"`: value NaN for empty (flag E or NAN). */
  set(chart: Chart, dimension: Dimension, value: number, flags: string): void;
  /**
   * `RDSTATE "dim" last_collected_ut last_collected_value last_calculated last_stored`: the
   * collected value is a bigint when it is past 2^53 (exact, as `Chart.restoreDimensionState`
   * takes it), else a number.
   */
  dimensionState(chart: Chart, dimension: Dimension, lastCollectedUs: number, lastCollectedValue: number | bigint,
    lastCalculated: number, lastStored: number): void;
  /** `RSSTATE last_collected_ut last_updated_ut`. */
  chartState(chart: Chart, lastCollectedUs: number, lastUpdatedUs: number): void;
  /** `REND ...`: the answer to one REPLAY_CHART is complete. */
  end(chart: Chart, end: ReplayEnd): void;
}

/** Why a parser stopped: the plugin sent DISABLE, the input broke the protocol, or a limit. */
export type ParserStopKind = 'disabled' | 'error' | 'limit';

/** The one stop of a parser, given to `onStop` and kept in `Parser.stopped`. */
export interface ParserStop {
  kind: ParserStopKind;
  /** The full log message: source, line number, the line (cut), what was expected. */
  message: string;
  lineNumber: number;
}

/** Counters of one parser since it was created (the agent's own charts read them). */
export interface ParserStats {
  bytes: number;
  lines: number;
  /** SET commands taken. */
  values: number;
  /** END commands taken (netdata's collection count for the restart rules). */
  iterations: number;
}

/**
 * One source's parser: feed it chunks in arrival order from one event-loop callback at a time;
 * after it stops, `feed()` does nothing.
 */
export interface Parser {
  /** Feeds bytes; ignored once stopped. Never throws for bad input: it stops instead. */
  feed(chunk: Buffer): void;
  /** The source closed; a partial last line is dropped (logged, not an error). */
  end(): void;
  readonly stopped: ParserStop | null;
  readonly stats: Readonly<ParserStats>;
}
