// Keeps the charts in view up to date and leaves the others alone: an IntersectionObserver says
// which boxes are on screen (or about to be), each of those is fetched once per its update
// every (once per window change while zoomed), and at most MAX_IN_FLIGHT requests run at once,
// so a page of a hundred charts asks only for the few it shows.
import { getJson } from './dom.js';

const MAX_IN_FLIGHT = 4;
const TICK_MS = 250;
/** Boxes this far below or above the screen count as visible, so scrolling finds them drawn. */
const MARGIN = '200px 0px';

export class Refresher {
  constructor(onError) {
    this.onError = onError;
    this.paused = false;
    this.visible = new Set();
    this.lastFetch = new Map();
    this.queue = [];
    this.queued = new Set();
    this.inFlight = 0;
    this.fetches = 0;
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting) this.visible.add(e.target.view);
        else this.visible.delete(e.target.view);
      }
      this.tick();
    }, { rootMargin: MARGIN });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    document.addEventListener('visibilitychange', () => this.tick());
  }

  /** Starts watching a chart view. */
  watch(view) {
    this.observer.observe(view.box);
  }

  /** Forgets every view (the page rebuilds its charts). */
  clear() {
    this.observer.disconnect();
    this.visible.clear();
    this.lastFetch.clear();
    this.queue.length = 0;
    this.queued.clear();
  }

  /** Every view is fetched again at its next turn (a new window). */
  invalidate() {
    this.lastFetch.clear();
    this.tick();
  }

  /** Queues the visible views that are due, and runs the queue. */
  tick() {
    if (this.paused || document.hidden) return;
    const now = Date.now();
    for (const view of this.visible) {
      if (this.queued.has(view)) continue;
      const last = this.lastFetch.get(view);
      // a fixed window does not move: fetched once until it changes
      const due = last === undefined || (!view.windowFixed() && now - last >= view.updateEvery * 1000);
      if (!due) continue;
      this.queued.add(view);
      this.queue.push(view);
    }
    this.#drain();
  }

  #drain() {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length) {
      const view = this.queue.shift();
      this.inFlight++;
      this.fetches++;
      this.lastFetch.set(view, Date.now());
      getJson(view.url())
        .then((body) => view.show(body))
        .catch((err) => this.onError(err))
        .finally(() => {
          this.inFlight--;
          this.queued.delete(view);
          this.#drain();
        });
    }
  }
}
