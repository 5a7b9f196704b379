/**
 * The protocol part: netdata's plugins.d text, both ways. The tokenizer splits lines as netdata
 * does (reference §1.3), the parser turns plugin or stream bytes into database calls
 * (reference §1.4), the serializer writes a host's charts back as a 1.37 child sends them
 * (reference §2.4). No sockets, no processes.
 */
export { createParser } from './parser.js';
export { ProtocolError, formatLineError, QUOTED_LINE_MAX_CHARS } from './errors.js';
export { tokenize, splitWords, isSeparator, MAX_WORDS } from './tokenizer.js';
export { BoundedLineSplitter } from './line-splitter.js';
export {
  chartDefinitionLines,
  chartLabelLines,
  hostLabelLines,
  chartLine,
  dimensionLine,
  chartVariableLines,
  hostVariableLines,
  formatVariableValue,
  DataBlockWriter,
  type ChartFunction,
} from './serializer.js';
export { DEFAULT_CHART_PRIORITY, DEFAULT_CHART_UNITS, DEFAULT_ALGORITHM } from './definitions.js';
export { DEFAULT_FUNCTION_TIMEOUT_SECS } from './commands.js';
export { DEFAULT_PARSER_LIMITS } from './types.js';
export type {
  Parser,
  ParserLimits,
  ParserOptions,
  ParserStats,
  ParserStop,
  ParserStopKind,
  ReplayEnd,
  ReplicationReceiver,
  FunctionResultSink,
} from './types.js';
