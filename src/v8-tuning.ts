/**
 * V8's settings for an agent that keeps a database, set at start from inside the process (a
 * parent is started as `node dist/src/main.js`, with no flags of its own).
 *
 * V8's memory reducer runs full collections once allocation slows after the heap grew: after
 * the agent's own charts are made, and after each wave of children that connect to a parent. By
 * default it runs up to three in a row, 0.6 s apart; on a parent of 10 children x 1,000
 * dimensions the first took the heap from 21.9 to 14.5 MB (committed 32.7 to 16.5 MB), the second
 * freed 0.3 MB more (`--trace-gc`). Each costs as much as marking the whole live heap, a third of
 * a fresh parent's CPU in its first 30 s at 1 Hz (docs/performance.md). One is enough: the same
 * parent with `--memory-reducer-single-gc` ran that first collection alone and had the same RSS.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags tuneV8 sets. */
export const DATABASE_AGENT_V8_FLAGS: readonly string[] = ['--memory-reducer-single-gc'];

/** Sets DATABASE_AGENT_V8_FLAGS in this process. */
export function tuneV8(): void {
  for (const flag of DATABASE_AGENT_V8_FLAGS) setFlagsFromString(flag);
}
