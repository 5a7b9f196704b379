// The charts page: every chart of the host grouped by type and family, drawn with uPlot, the
// charts in view refreshed at their update every, the host menu, the raised alarms and the
// alarm log. Exposes `window.tributary` (the views, the window, the request counts) for
// operators' consoles, the tests and the benchmark.
import { $, getJson, requestCounts, status } from './dom.js';
import { renderAlarmLog, renderAlarms } from './alarms.js';
import { renderHosts } from './hosts.js';
import { Refresher } from './refresher.js';
import { buildSections, filterCharts, scrollToAnchor } from './sections.js';
import { onThemeChange } from './theme.js';
import { timeWindow } from './time-window.js';

/** How often the host menu and the alarms are read again. */
const SIDE_REFRESH_MS = 2000;
/** How often the host's coverage (its gaps) is read again: it changes only when data is missed. */
const COVERAGE_REFRESH_MS = 10000;

let views = new Map();
const refresher = new Refresher((err) => status(String(err.message || err)));

async function refreshSide() {
  if (refresher.paused || document.hidden) return;
  try {
    const [info, alarms] = await Promise.all([getJson('api/v1/info'), getJson('api/v1/alarms')]);
    renderHosts(info);
    renderAlarms(alarms, views);
    if ($('alarm-log').open) await renderAlarmLog();
    status(`updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    status(String(err.message || err));
  }
}

/** Shades each chart's gaps from /api/v1/coverage; an agent without the endpoint shows none. */
async function refreshCoverage() {
  if (refresher.paused || document.hidden) return;
  const res = await fetch('api/v1/coverage', { cache: 'no-store' });
  requestCounts.total++;
  if (!res.ok) return;
  const body = await res.json();
  const byId = new Map(body.charts.map((c) => [c.id, c]));
  for (const [id, view] of views) view.setCoverage(byId.get(id));
}

function showWindow(w) {
  const zoomed = $('zoomed');
  zoomed.hidden = !w.fixed;
  if (w.fixed) zoomed.querySelector('span').textContent = `${new Date(w.fixed.after * 1000).toLocaleString()} – ${new Date(w.fixed.before * 1000).toLocaleTimeString()}`;
  for (const v of views.values()) v.follow(w);
  refresher.invalidate();
}

function wire() {
  $('range').addEventListener('change', (e) => timeWindow.setRange(Number(e.target.value)));
  $('paused').addEventListener('change', (e) => { refresher.paused = e.target.checked; refresher.tick(); });
  $('search').addEventListener('input', (e) => filterCharts(views, e.target.value));
  $('live').addEventListener('click', () => timeWindow.reset());
  $('alarm-log').addEventListener('toggle', () => { if ($('alarm-log').open) renderAlarmLog().catch((err) => status(String(err.message))); });
  addEventListener('hashchange', scrollToAnchor);
  timeWindow.subscribe(showWindow);
  onThemeChange(() => { for (const v of views.values()) v.rebuild(); });
}

async function start() {
  wire();
  const body = await getJson('api/v1/charts');
  document.title = `${body.hostname} · Tributary`;
  $('title').textContent = body.hostname;
  views = buildSections(body);
  for (const v of views.values()) refresher.watch(v);
  scrollToAnchor();
  await refreshSide();
  setInterval(refreshSide, SIDE_REFRESH_MS);
  const coverage = () => refreshCoverage().catch((err) => status(String(err.message || err)));
  await coverage();
  setInterval(coverage, COVERAGE_REFRESH_MS);
  document.body.dataset.ready = 'true';
}

window.tributary = { get views() { return views; }, timeWindow, refresher, requestCounts };
start().catch((err) => status(String(err.message || err)));
