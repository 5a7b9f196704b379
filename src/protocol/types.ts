/**
 * The parser's public contract: one parser for plugin stdout and stream sockets alike. Bytes go
 * in with `feed()`; commands go into a database `Host`. Nothing here touches sockets or processes.
 */
import type { Host } from '../database/types.js';

/** Limits on one source's input (DESIGN "Bad input"); every one has a default. */
export interface ParserLimits {
  /** Longest line accepted, newline excluded (default 65536). */
  maxLineBytes: number;
  /** Most charts one source may create on its host (default 20000). */
  maxChartsPerHost: number;
  /** Most dimensions per chart (default 5000). */
  maxDimensionsPerChart: number;
}

/** The limits a parser applies when its options give none. */
export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxLineBytes: 65536,
  maxChartsPerHost: 20000,
  maxDimensionsPerChart: 5000,
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
  /** FUNCTION registrations (1.37); answered "not supported" by whoever calls them. */
  onFunction?: (fn: { name: string; timeoutSecs: number; help: string; global: boolean }) => void;
  /**
   * A proxy's hook: the bytes of every complete BEGIN..END block as received (END line and its
   * newline included), so they can be forwarded unchanged.
   */
  onDataBlock?: (block: Buffer) => void;
  /** Called once when the parser stops (DISABLE, a protocol error, a limit). */
  onStop?: (reason: ParserStop) => void;
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
