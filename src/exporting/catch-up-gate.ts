/**
 * When an HTTP exporting instance's first iterations after a restart may start catching up
 * (`catch-up.ts`). A database that keeps its samples across a restart (memory mode `save` or
 * `map`) has a chart's stored seconds back only once its plugin, or its child, defines the chart
 * again, which may well be after the instance's first iteration; a step run before that would
 * move the resume point past the seconds of that chart the earlier run had not exported yet (a
 * kill -9 leaves the last window's lag of them), and they would never go out. So the catch-up
 * waits until no chart or dimension has been added for `CATCH_UP_SETTLE_SECS`, at most
 * `CATCH_UP_MAX_WAIT_SECS` after the start; with only `ram` or `none` databases (nothing older
 * than the start) it starts at once.
 */
import type { Host } from '../database/index.js';

/** Seconds without a new chart or dimension after which the charts a database keeps are deemed back. */
export const CATCH_UP_SETTLE_SECS = 3;
/** The longest a catch-up waits for them (a plugin that never comes back must not hold exporting). */
export const CATCH_UP_MAX_WAIT_SECS = 30;

/** Opens once the charts have settled; stays open. */
export class CatchUpGate {
  readonly #startS: number;
  #open: boolean;
  #defined: number;
  #changedS: number;

  /** `catchingUp`: whether the instance resumes from where an earlier run left off. */
  constructor(hosts: readonly Host[], startS: number, catchingUp: boolean) {
    this.#startS = startS;
    this.#changedS = startS;
    this.#defined = definedCount(hosts);
    this.#open = !catchingUp || !hosts.some((h) => h.settings.memoryMode === 'save' || h.settings.memoryMode === 'map');
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Whether iterations may run at `nowS`. */
  open(hosts: readonly Host[], nowS: number): boolean {
    if (this.#open) return true;
    const defined = definedCount(hosts);
    if (defined !== this.#defined) {
      this.#defined = defined;
      this.#changedS = nowS;
    }
    this.#open = nowS - this.#changedS >= CATCH_UP_SETTLE_SECS || nowS - this.#startS >= CATCH_UP_MAX_WAIT_SECS;
    return this.#open;
  }
}

/** Charts and dimensions of `hosts` together: it changes whenever one is added. */
function definedCount(hosts: readonly Host[]): number {
  let n = 0;
  for (const host of hosts) for (const chart of host.charts.values()) n += 1 + chart.dimensions.length;
  return n;
}
