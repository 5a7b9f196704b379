import type { ParserStopKind } from './types.js';

/** How much of an offending line an error message quotes. */
export const QUOTED_LINE_MAX_CHARS = 200;

/**
 * A protocol violation found while parsing one line. The parser turns it into a `ParserStop`
 * (it never escapes `feed()`); other callers of the protocol part may throw or catch it.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    message: string,
    readonly kind: ParserStopKind = 'error',
  ) {
    super(message);
  }
}

/** Quotes a line for a message: JSON-escaped, cut to {@link QUOTED_LINE_MAX_CHARS}. */
function quoteLine(line: string): string {
  if (line.length <= QUOTED_LINE_MAX_CHARS) return JSON.stringify(line);
  return `${JSON.stringify(line.slice(0, QUOTED_LINE_MAX_CHARS))}...`;
}

/**
 * The one message layout of the parser (STYLE "Parsers are single-pass and their errors quote
 * the input"): `<source>: line <n>: <problem> while parsing: "<line>"`.
 */
export function formatLineError(source: string, lineNumber: number, problem: string, line: string): string {
  return `${source}: line ${lineNumber}: ${problem} while parsing: ${quoteLine(line)}`;
}
