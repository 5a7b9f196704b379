// The one time window every chart of the page shows: live (the last `rangeSecs`, moving with
// the clock) or fixed after a drag zoom or a pan (`after` and `before` in epoch seconds).
// Charts ask it what to request and listen to it to follow a zoom made on any other chart.

const listeners = new Set();

export const timeWindow = {
  rangeSecs: 300,
  /** `{ after, before }` while zoomed or panned; null while live. */
  fixed: null,

  /** The after/before query parameters for a chart `widthPx` wide updated every `updateEvery` s. */
  query(widthPx, updateEvery) {
    const span = this.fixed ? this.fixed.before - this.fixed.after : this.rangeSecs;
    const points = Math.max(2, Math.min(Math.round(span / updateEvery), Math.round(widthPx)));
    const window = this.fixed ? `after=${this.fixed.after}&before=${this.fixed.before}` : `after=-${this.rangeSecs}`;
    return `${window}&points=${points}`;
  },

  /** Shows `after`..`before` (epoch seconds) on every chart. */
  zoom(after, before) {
    const a = Math.floor(after);
    const b = Math.ceil(before);
    if (b - a < 2) return;
    this.fixed = { after: a, before: b };
    emit();
  },

  /** Back to the live window. */
  reset() {
    if (!this.fixed) return;
    this.fixed = null;
    emit();
  },

  /** A new live range (seconds), leaving any zoom. */
  setRange(secs) {
    this.rangeSecs = secs;
    this.fixed = null;
    emit();
  },

  /** Calls `fn(window)` after every change. */
  subscribe(fn) { listeners.add(fn); },
};

function emit() {
  for (const fn of listeners) fn(timeWindow);
}
