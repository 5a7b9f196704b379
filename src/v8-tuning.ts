/**
 * V8's settings for an agent that keeps a database, set at start from inside the process (a
 * parent is started as `node dist/src/main.js`, with no flags of its own). Only a flag that V8
 * reads while it runs can be set so, and these must be set before the memory reducer's first
 * round (which checks the number of its collections against the first) and before the young
 * generation first grows (each growth reads the second).
 *
 * V8's memory reducer runs full collections once allocation slows after the heap grew: after
 * the agent's own charts are made, and after each wave of children that connect to a parent. By
 * default it runs at least two in a row, 0.6 s apart; on a parent of 10 children x 1,000
 * dimensions the first took the heap from 17.0 to 13.8 MB (committed 31.3 to 15.6 MB), the second
 * freed 0.2 MB more (`--trace-gc`). Each costs as much as marking the whole live heap, and the
 * pair some 40-60 ms of a fresh parent's CPU in its first 30 s at 1 Hz (docs/performance.md).
 * One is enough for a parent: the same RSS per host. An idle parent keeps about 0.6 MB more.
 *
 * The young generation stays at its first size (two semi-spaces of 1 MB): by default V8 doubles
 * it up to 16 MB a semi-space whenever much survives a scavenge, which a parent taking children
 * flat out (a catch-up, a replication) sets off, and keeps it resident after. A parent of 10
 * children that had each sent a whole history flat out held 251 to 267 MB after a minute at 1 Hz
 * with the default and 225 to 234 MB with the young generation held; flat out, a 1 x 100 x 10
 * feed took the same CPU per value either way (docs/memory.md).
 *
 * node:v8 costs 1.5 MB of RSS in a bare node: run.ts loads this module only for an agent with a
 * database, never in a headless collector.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags tuneV8 sets. */
export const DATABASE_AGENT_V8_FLAGS: readonly string[] = ['--memory-reducer-single-gc', '--semi-space-growth-factor=1'];

/** Sets DATABASE_AGENT_V8_FLAGS in this process. */
export function tuneV8(): void {
  for (const flag of DATABASE_AGENT_V8_FLAGS) setFlagsFromString(flag);
}
