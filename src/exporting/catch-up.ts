/**
 * Which intervals an HTTP exporting instance's iteration covers, so that no stored second is
 * left out across the agent's restarts. An ordinary iteration is netdata's: one window
 * `(after, now]`. After a restart `after` is where the earlier run left off (kept in the disk
 * queue), and once `catch-up-gate.ts` lets it start, until the instance has caught up, each
 * iteration runs one step of `update every` for every step from there to now, at most
 * `MAX_STEPS_PER_ITERATION` at a time, never before the oldest entry the database holds; at a
 * clean stop a final iteration steps up to the newest entry. Each step is an ordinary iteration `(after, before]` (`stored-value.ts` reads it 3
 * update every late), so consecutive steps meet without overlapping.
 */
import type { Host } from '../database/index.js';
import type { BatchQueue } from './batch-queue.js';

/**
 * Steps one iteration runs at most: a long catch-up (a restart of a save/map database) goes out
 * over several iterations, each batch bounded, instead of stalling the event loop once.
 */
export const MAX_STEPS_PER_ITERATION = 300;
/** How many of a chart's `update every` the stored window lags behind an iteration's `before`. */
export const WINDOW_LAG_STEPS = 3;

/** One step's interval `(afterS, beforeS]`. */
export interface Step {
  afterS: number;
  beforeS: number;
}

/**
 * Where the first iteration after a start begins: the furthest point every queue recorded (the
 * earliest, so no queue misses a step), else `nowS` (a first start: nothing was exported before).
 */
export function resumeAfterS(queues: ReadonlyArray<Pick<BatchQueue, 'resumeAfterS'>>, nowS: number): number {
  const recorded = queues.map((q) => q.resumeAfterS).filter((s): s is number => s !== undefined);
  return recorded.length === queues.length && recorded.length > 0 ? Math.min(...recorded) : nowS;
}

/** netdata's one window `(afterS, untilS]` of an ordinary iteration; none when time went back. */
export function oneStep(afterS: number, untilS: number): Step[] {
  return untilS > afterS ? [{ afterS, beforeS: untilS }] : [];
}

/**
 * The steps from `afterS` to `untilS` of `stepS` each, at most `MAX_STEPS_PER_ITERATION`,
 * starting no earlier than the oldest entry of `hosts` needs (nothing older is stored).
 */
export function stepsUntil(hosts: readonly Host[], afterS: number, untilS: number, stepS: number): Step[] {
  let from = afterS;
  if (untilS - from > stepS) from = Math.max(from, Math.min(untilS - stepS, oldestEntryS(hosts)));
  const steps: Step[] = [];
  while (from < untilS && steps.length < MAX_STEPS_PER_ITERATION) {
    const to = Math.min(from + stepS, untilS);
    steps.push({ afterS: from, beforeS: to });
    from = to;
  }
  return steps;
}

/** The `before` a final iteration needs so that its windows reach the newest entry of every chart. */
export function finalBeforeS(hosts: readonly Host[], nowS: number): number {
  let beforeS = nowS;
  for (const host of hosts) {
    for (const chart of host.charts.values()) {
      const last = chart.lastEntryS();
      if (last > 0) beforeS = Math.max(beforeS, last + WINDOW_LAG_STEPS * chart.definition.updateEverySecs);
    }
  }
  return beforeS;
}

/** The oldest entry any chart of `hosts` holds; `Infinity` when none holds one. */
function oldestEntryS(hosts: readonly Host[]): number {
  let oldest = Infinity;
  for (const host of hosts) {
    for (const chart of host.charts.values()) {
      const first = chart.firstEntryS();
      if (first > 0) oldest = Math.min(oldest, first);
    }
  }
  return oldest;
}
