// One chart of the page: its box (title, units, alarm badge), its uPlot drawing as netdata draws
// the chart's type, and its legend (latest values, the hovered point's values while the pointer
// is over any chart of the page). Every chart shares one cursor (uPlot's cursor sync) and one
// time window (time-window.js): a drag selects a window, shift+drag pans, a double click goes
// back to live.
import { el } from './dom.js';
import { dateTime, formatValue } from './format.js';
import { stackColumns } from './stack.js';
import { timeAxis, valueAxis } from './time-axis.js';
import { COLORS, currentTheme } from './theme.js';
import { timeWindow } from './time-window.js';

/** Every chart's cursor moves with the pointer over any of them. */
const SYNC_KEY = 'tributary';
const PLOT_HEIGHT_PX = 180;
/** Fill opacity (hex alpha) of area and stacked charts. */
const FILL_ALPHA = { area: '33', stacked: '99' };

/** Points are drawn only while a chart has too few to read as a line, as netdata's charts. */
const FEW_POINTS = 4;
const showPoints = (u) => u.data[0].length < FEW_POINTS;

/** Every live view, for panning them together. */
const views = new Set();
const resizer = new ResizeObserver((entries) => {
  for (const e of entries) e.target.view?.resize();
});

/** Pans every chart to `min`..`max` while a shift+drag goes on (the request follows at the end). */
function previewWindow(min, max) {
  for (const v of views) v.plot?.setScale('x', { min, max });
}

export class ChartView {
  /** Builds the box of chart `def` (an /api/v1/charts entry) at the end of `parent`. */
  constructor(def, parent) {
    this.def = def;
    this.id = def.id;
    this.updateEvery = Math.max(1, def.update_every || 1);
    /** Dimension names the operator hid with a click. */
    this.hidden = new Set();
    this.columns = null;
    this.dims = [];
    this.plot = null;
    this.hoverIdx = null;
    /** Missing runs of this chart (from /api/v1/coverage), shaded on the plot. */
    this.gaps = [];
    this.box = el('div', { class: 'chart', id: `chart-${def.id}`, 'data-chart': def.id, 'data-state': 'waiting' });
    const head = el('div', { class: 'head' });
    head.append(el('a', { class: 'title', href: `#chart-${def.id}` }, def.title),
      this.badge = el('span', { class: 'badge', hidden: '' }),
      this.gapNote = el('span', { class: 'gaps', hidden: '' }),
      el('span', { class: 'units' }, def.units));
    this.plotEl = el('div', { class: 'plot' });
    this.plotEl.append(el('div', { class: 'placeholder' }, 'waiting for data…'));
    this.legendEl = el('div', { class: 'legend' });
    const body = el('div', { class: 'body' });
    body.append(this.plotEl, this.legendEl);
    this.box.append(head, body);
    this.box.view = this;
    parent.append(this.box);
    views.add(this);
    resizer.observe(this.box);
  }

  /** The /api/v1/data URL for the current window and this chart's width. */
  url() {
    return `api/v1/data?chart=${encodeURIComponent(this.id)}&${timeWindow.query(this.plotEl.clientWidth || 600, this.updateEvery)}` +
      '&group=average&format=json&options=flip';
  }

  /** Draws an /api/v1/data answer (format=json, options=flip: oldest row first). */
  show(body) {
    if (body.data.length < 2) {
      // uPlot spreads one point over years: netdata waits for the second one too
      this.box.dataset.state = 'waiting';
      return;
    }
    const columns = body.labels.map((_, c) => body.data.map((row) => row[c]));
    const dims = body.labels.slice(1);
    this.columns = columns;
    if (!this.plot || dims.join('\u0000') !== this.dims.join('\u0000')) {
      this.dims = dims;
      this.#build();
    } else {
      this.#setData();
    }
    const last = body.data[body.data.length - 1];
    this.box.dataset.state = 'drawn';
    this.box.dataset.drawn = String(body.data.length);
    this.box.dataset.lastTime = String(last[0]);
    this.box.dataset.lastValues = JSON.stringify(last.slice(1));
    this.#legendAt(this.hoverIdx);
  }

  /** Draws again with the theme's colours. */
  rebuild() {
    if (this.columns) this.#build();
  }

  /** Follows the page's window at once (the data for it is requested by the refresher). */
  follow(w) {
    if (this.plot && w.fixed) this.plot.setScale('x', { min: w.fixed.after, max: w.fixed.before });
  }

  /** Whether the page shows a fixed (zoomed or panned) window. */
  windowFixed() {
    return timeWindow.fixed !== null;
  }

  resize() {
    if (this.plot) this.plot.setSize({ width: this.plotEl.clientWidth, height: PLOT_HEIGHT_PX });
  }

  /** Shows the chart's raised alarms (entries of /api/v1/alarms) as its badge. */
  setAlarms(alarms) {
    if (!alarms.length) {
      this.badge.hidden = true;
      this.box.removeAttribute('data-alarms');
      return;
    }
    const critical = alarms.some((a) => a.status === 'CRITICAL');
    this.badge.hidden = false;
    this.badge.className = `badge ${critical ? 'critical' : 'warning'}`;
    this.badge.textContent = String(alarms.length);
    this.badge.title = alarms.map((a) => `${a.name}: ${a.status} ${a.value_string ?? ''}`).join('\n');
    this.box.dataset.alarms = alarms.map((a) => a.name).join(' ');
  }

  /** Shows the chart's entry of /api/v1/coverage: its gaps shaded, their seconds and reasons in the header. */
  setCoverage(chart) {
    this.gaps = chart?.gaps ?? [];
    const seconds = this.gaps.reduce((sum, g) => sum + g.seconds, 0);
    this.gapNote.hidden = !this.gaps.length;
    this.gapNote.textContent = this.gaps.length ? `${seconds} s missing` : '';
    this.gapNote.title = this.gaps.map((g) => `${dateTime(g.from)} – ${dateTime(g.to)}: ${g.seconds} s, ${g.reason}`).join('\n');
    this.box.dataset.gaps = String(this.gaps.length);
    this.plot?.redraw(false);
  }

  /** Hides or shows dimension `name`, as a click on its legend entry does. */
  toggle(name) {
    if (this.hidden.has(name)) this.hidden.delete(name);
    else this.hidden.add(name);
    const i = this.dims.indexOf(name) + 1;
    if (!this.plot || i < 1) return;
    this.plot.setSeries(i, { show: !this.hidden.has(name) });
    this.#setData();
    this.legendEl.querySelector(`[data-series="${i}"]`)?.classList.toggle('off', this.hidden.has(name));
  }

  /** The columns uPlot draws: cumulative for stacked charts, with the bands between them. */
  #drawn() {
    if (this.def.chart_type !== 'stacked') return { data: this.columns, bands: [] };
    return stackColumns(this.columns, (i) => !this.hidden.has(this.dims[i - 1]));
  }

  #setData() {
    const { data, bands } = this.#drawn();
    if (this.def.chart_type === 'stacked') {
      this.plot.delBand(null);
      for (const b of bands) this.plot.addBand(b);
    }
    this.plot.setData(data);
    this.follow(timeWindow);
  }

  #build() {
    this.plot?.destroy();
    const theme = currentTheme();
    const type = this.def.chart_type;
    const { data, bands } = this.#drawn();
    const zeroBased = type === 'area' || type === 'stacked';
    this.plot = new uPlot({
      width: this.plotEl.clientWidth || 600,
      height: PLOT_HEIGHT_PX,
      legend: { show: false },
      cursor: {
        sync: { key: SYNC_KEY },
        drag: { x: true, y: false, setScale: false },
        bind: { mousedown: (u, _t, handler) => (e) => this.#mousedown(u, e, handler), dblclick: () => () => { timeWindow.reset(); return null; } },
      },
      scales: {
        x: { time: true },
        y: zeroBased ? { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true) } : {},
      },
      axes: [timeAxis(theme), valueAxis(theme)],
      series: [{}, ...this.dims.map((name, i) => {
        const color = COLORS[i % COLORS.length];
        return { label: name, stroke: color, width: type === 'stacked' ? 1 : 1.5, show: !this.hidden.has(name),
          fill: zeroBased ? color + FILL_ALPHA[type] : undefined, points: { show: showPoints } };
      })],
      bands,
      hooks: {
        setCursor: [(u) => { this.hoverIdx = u.cursor.idx ?? null; this.#legendAt(this.hoverIdx); }],
        setSelect: [(u) => this.#selected(u)],
        drawClear: [(u) => this.#shadeGaps(u, theme)],
      },
    }, data, this.plotEl);
    this.#buildLegend();
    this.follow(timeWindow);
  }

  /** Shades the missing runs behind the series, so a gap reads as missing data rather than a zero. */
  #shadeGaps(u, theme) {
    const { min, max } = u.scales.x;
    if (!this.gaps.length || min === undefined) return;
    const step = this.updateEvery;
    u.ctx.save();
    u.ctx.fillStyle = theme.gap;
    for (const g of this.gaps) {
      if (g.to + step < min || g.from - step > max) continue;
      const left = u.valToPos(Math.max(min, g.from - step), 'x', true);
      const right = u.valToPos(Math.min(max, g.to + step), 'x', true);
      u.ctx.fillRect(left, u.bbox.top, Math.max(1, right - left), u.bbox.height);
    }
    u.ctx.restore();
  }

  #buildLegend() {
    this.legendEl.textContent = '';
    this.legendEl.append(el('div', { class: 'time' }), el('div', { class: 'legend-units' }, this.def.units));
    this.dims.forEach((name, k) => {
      const row = el('div', { class: `dim${this.hidden.has(name) ? ' off' : ''}`, 'data-series': String(k + 1), 'data-dim': name, title: 'click to hide or show' });
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = COLORS[k % COLORS.length];
      row.append(swatch, el('span', { class: 'name' }, name), el('span', { class: 'value' }));
      row.addEventListener('click', () => this.toggle(name));
      this.legendEl.append(row);
    });
  }

  /** Fills the legend with the values at row `idx`, or the latest row when nothing is hovered. */
  #legendAt(idx) {
    if (!this.columns) return;
    const row = idx ?? this.columns[0].length - 1;
    this.legendEl.dataset.hover = String(idx !== null);
    const time = this.legendEl.querySelector('.time');
    if (time) time.textContent = dateTime(this.columns[0][row]);
    for (const cell of this.legendEl.querySelectorAll('.dim')) {
      const v = this.columns[Number(cell.dataset.series)][row];
      const value = cell.querySelector('.value');
      value.textContent = formatValue(v);
      value.dataset.raw = v === null ? '' : String(v);
    }
  }

  #selected(u) {
    if (u.select.width < 2) return;
    const after = u.posToVal(u.select.left, 'x');
    const before = u.posToVal(u.select.left + u.select.width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    timeWindow.zoom(after, before);
  }

  /** Shift+drag pans every chart; any other press is uPlot's (drag zoom, cursor). */
  #mousedown(u, e, handler) {
    if (!e.shiftKey || e.button !== 0 || u.scales.x.min === undefined) return handler(e);
    const x0 = e.clientX;
    const min0 = u.scales.x.min;
    const max0 = u.scales.x.max;
    const secsPerPx = (max0 - min0) / u.over.clientWidth;
    let shift = 0;
    const move = (m) => {
      shift = -(m.clientX - x0) * secsPerPx;
      previewWindow(min0 + shift, max0 + shift);
    };
    const up = () => {
      removeEventListener('mousemove', move);
      removeEventListener('mouseup', up);
      if (shift) timeWindow.zoom(min0 + shift, max0 + shift);
    };
    addEventListener('mousemove', move);
    addEventListener('mouseup', up);
    return null;
  }
}
