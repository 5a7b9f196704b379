/**
 * What all hosts of one registry hold together, against the most they may (`[db] max charts`,
 * `[db] max dimensions`): the totals that bound the agent's memory whatever the number of hosts
 * (docs/memory.md). Hosts count what they create and give it back when they are removed; the
 * parser asks before it creates (`protocol/source-limits.ts`), so a chart or a dimension past a
 * total is refused before its ring is allocated.
 */
import { DEFAULT_LIMITS } from '../limits.js';
import type { HostCapacity } from './types.js';

/** The totals of one registry; created with its limits, shared by its hosts. */
export class Capacity implements HostCapacity {
  charts = 0;
  dimensions = 0;

  constructor(readonly maxCharts: number = DEFAULT_LIMITS.charts, readonly maxDimensions: number = DEFAULT_LIMITS.dimensions) {}

  get roomForChart(): boolean {
    return this.charts < this.maxCharts;
  }

  get roomForDimension(): boolean {
    return this.dimensions < this.maxDimensions;
  }

  /** A removed host's charts and dimensions are free again. */
  release(charts: number, dimensions: number): void {
    this.charts = Math.max(0, this.charts - charts);
    this.dimensions = Math.max(0, this.dimensions - dimensions);
  }
}
