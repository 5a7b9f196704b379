// Alarms on the charts page: a badge on every chart with raised alarms, the raised alarms in
// the side panel (a click goes to the chart), and the host's alarm log while it is open.
import { $, el, getJson } from './dom.js';
import { dateTime } from './format.js';

/** Entries of the alarm log shown at most. */
const LOG_ENTRIES = 50;

/** Shows an /api/v1/alarms answer on the views (by chart id) and in #alarms. */
export function renderAlarms(body, views) {
  const list = $('alarms');
  list.textContent = '';
  const alarms = Object.values(body.alarms || {}).filter((a) => a.status === 'WARNING' || a.status === 'CRITICAL');
  const byChart = new Map();
  for (const a of alarms) {
    if (!byChart.has(a.chart)) byChart.set(a.chart, []);
    byChart.get(a.chart).push(a);
  }
  for (const [id, view] of views) view.setAlarms(byChart.get(id) ?? []);
  if (!alarms.length) list.append(el('li', { class: 'none' }, 'none'));
  for (const a of alarms) {
    const li = el('li', { class: a.status.toLowerCase(), 'data-alarm': a.name, 'data-chart': a.chart });
    li.append(el('a', { href: `#chart-${a.chart}` }, `${a.chart} ${a.name}`),
      el('span', { class: 'meta' }, `${a.status}${a.value_string ? ` · ${a.value_string}` : ''}`));
    list.append(li);
  }
}

/** Fills #alarm-log with the newest entries of /api/v1/alarm_log. */
export async function renderAlarmLog() {
  const entries = await getJson('api/v1/alarm_log?after=0');
  const list = $('alarm-log-entries');
  list.textContent = '';
  if (!entries.length) list.append(el('li', { class: 'none' }, 'empty'));
  for (const e of entries.slice(0, LOG_ENTRIES)) {
    const li = el('li', { class: String(e.status).toLowerCase(), 'data-unique-id': String(e.unique_id) });
    li.append(el('a', { href: `#chart-${e.chart}` }, `${e.chart} ${e.name}`),
      el('span', { class: 'meta' }, `${dateTime(e.when)} · ${e.old_status} → ${e.status}${e.value_string ? ` · ${e.value_string}` : ''}`));
    list.append(li);
  }
}
