/**
 * The parent → child direction of a link (DESIGN "Links above version 1"): the lines a parent
 * writes back to its child's sender on the same socket. 1.37 parents send `REPLAY_CHART` and
 * `FUNCTION`; anything else is logged and ignored, as a 1.37 sender does, and never stops the
 * link.
 */
import { BoundedLineSplitter, tokenize } from '../protocol/index.js';

/**
 * Longest parent command taken whole: a REPLAY_CHART is under 300 bytes, a FUNCTION at most
 * netdata's 14848-byte text with its transaction and timeout.
 */
const MAX_COMMAND_BYTES = 16 * 1024;

/** What the sender does with each command. */
export interface ParentCommandHandlers {
  replayChart(words: readonly string[], line: string): void;
  /** `FUNCTION <transaction> <timeout> "<text>"`: a call of one of the host's functions. */
  function(words: readonly string[], line: string): void;
  /** A command this node does not take: logged by the owner. */
  unknown(line: string, keyword: string): void;
}

/** Splits a link's incoming bytes into commands; one per connection. */
export class ParentCommandReader {
  readonly #lines: BoundedLineSplitter;

  constructor(handlers: ParentCommandHandlers) {
    this.#lines = new BoundedLineSplitter(MAX_COMMAND_BYTES, (line) => {
      const words = tokenize(line);
      const keyword = words[0];
      if (keyword === undefined) return;
      if (keyword === 'REPLAY_CHART') handlers.replayChart(words, line);
      else if (keyword === 'FUNCTION') handlers.function(words, line);
      else handlers.unknown(line, keyword);
    });
  }

  /** Bytes from the parent, in arrival order. */
  feed(chunk: Buffer): void {
    this.#lines.push(chunk);
  }
}
