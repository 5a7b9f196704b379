// Tributary dashboard: every chart of the host grouped by type and family, drawn with uPlot,
// refreshed every second. All URLs are relative so the same page works at / and /host/NAME/.
(function () {
  'use strict';
  const COLORS = ['#3366cc', '#dc3912', '#ff9900', '#109618', '#990099', '#0099c6', '#dd4477',
    '#66aa00', '#b82e2e', '#316395'];
  const REFRESH_MS = 1000;
  const charts = new Map();
  let rangeSecs = 300;
  let busy = false;

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const getJson = (url) => fetch(url, { cache: 'no-store' }).then((r) => {
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.json();
  });

  /** The host this page shows: the NAME of /host/NAME/, or '' for the local host. */
  function currentHost() {
    const m = /\/host\/([^/]+)\//.exec(location.pathname);
    return m ? decodeURIComponent(m[1]) : '';
  }

  /** The dashboard root (/ or /.../host/NAME/ prefix removed) for links to other hosts. */
  function rootPath() {
    return location.pathname.replace(/host\/[^/]+\/.*$/, '').replace(/[^/]*$/, '');
  }

  function ago(seconds) {
    if (!seconds) return 'no data';
    const d = Math.max(0, Math.round(Date.now() / 1000 - seconds));
    return d < 120 ? `${d}s ago` : d < 7200 ? `${Math.round(d / 60)}m ago` : `${Math.round(d / 3600)}h ago`;
  }

  function renderHosts(info) {
    const list = $('hosts');
    list.textContent = '';
    const here = currentHost();
    const root = rootPath();
    info.mirrored_hosts_status.forEach((h, i) => {
      const local = i === 0 && h.hops === 0;
      const li = el('li', { 'data-host': h.hostname, 'data-guid': h.guid });
      const current = here ? here === h.hostname || here === h.guid : local;
      if (current) li.className = 'current';
      li.appendChild(el('span', { class: `dot ${h.reachable ? 'up' : 'down'}`, title: h.reachable ? 'connected' : 'not connected' }));
      li.appendChild(el('a', { href: local ? root : `${root}host/${encodeURIComponent(h.hostname)}/` }, h.hostname));
      li.appendChild(el('span', { class: 'meta' },
        `${h.reachable ? 'connected' : 'not connected'} · hops ${h.hops} · last data ${ago(h.last_data)}`));
      list.appendChild(li);
    });
  }

  function renderAlarms(body) {
    const list = $('alarms');
    list.textContent = '';
    const alarms = Object.values(body.alarms || {});
    if (!alarms.length) list.appendChild(el('li', { class: 'none' }, 'none'));
    for (const a of alarms) {
      list.appendChild(el('li', { class: String(a.status).toLowerCase() },
        `${a.chart} ${a.name}: ${a.status}${a.value_string ? ` (${a.value_string})` : ''}`));
    }
  }

  /** Groups charts by type, then family, in priority order. */
  function groupCharts(list) {
    const types = new Map();
    for (const c of list) {
      if (!types.has(c.type)) types.set(c.type, new Map());
      const families = types.get(c.type);
      if (!families.has(c.family)) families.set(c.family, []);
      families.get(c.family).push(c);
    }
    return types;
  }

  function makeChart(c, parent) {
    const box = el('div', { class: 'chart', 'data-chart': c.id });
    const head = el('div', { class: 'head' });
    head.appendChild(el('span', { class: 'title' }, c.title));
    head.appendChild(el('span', { class: 'units' }, c.units));
    box.appendChild(head);
    const plotEl = el('div', { class: 'plot' });
    box.appendChild(plotEl);
    parent.appendChild(box);
    charts.set(c.id, { def: c, box, plotEl, plot: null, labels: null });
  }

  function renderCharts(body) {
    const main = $('charts');
    main.textContent = '';
    $('toc').textContent = '';
    charts.clear();
    const list = Object.values(body.charts).sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
    for (const [type, families] of groupCharts(list)) {
      const section = el('section', { id: `type-${type}` });
      section.appendChild(el('h2', {}, type));
      const li = el('li');
      li.appendChild(el('a', { href: `#type-${type}` }, type));
      $('toc').appendChild(li);
      for (const [family, items] of families) {
        section.appendChild(el('h3', {}, family));
        for (const c of items) makeChart(c, section);
      }
      main.appendChild(section);
    }
  }

  function plotOptions(c, labels, width) {
    return {
      width, height: 180,
      scales: { x: { time: true } },
      series: [{}].concat(labels.slice(1).map((name, i) => ({
        label: name, stroke: COLORS[i % COLORS.length], width: 1.5,
        fill: c.def.chart_type === 'line' ? undefined : COLORS[i % COLORS.length] + '22',
      }))),
      axes: [{}, { label: c.def.units, size: 60 }],
      legend: { live: true },
    };
  }

  async function updateChart(c) {
    const url = `api/v1/data?chart=${encodeURIComponent(c.def.id)}&after=-${rangeSecs}&points=${Math.min(rangeSecs, 600)}` +
      '&format=json&options=flip';
    const body = await getJson(url);
    // uPlot stretches a time axis with one point over years: wait for the second point
    if (body.data.length < 2) return;
    const columns = body.labels.map((_, col) => body.data.map((row) => row[col]));
    const last = body.data[body.data.length - 1];
    c.box.setAttribute('data-last-time', String(last[0]));
    c.box.setAttribute('data-last-values', JSON.stringify(last.slice(1)));
    const width = Math.max(300, c.box.clientWidth - 20);
    if (!c.plot || c.labels !== body.labels.join('\u0000')) {
      if (c.plot) c.plot.destroy();
      c.plot = new uPlot(plotOptions(c, body.labels, width), columns, c.plotEl);
      c.labels = body.labels.join('\u0000');
    } else {
      c.plot.setData(columns);
    }
    c.box.setAttribute('data-drawn', String(body.data.length));
  }

  async function refresh() {
    if (busy || $('paused').checked) return;
    busy = true;
    try {
      const [info, alarms] = await Promise.all([getJson('api/v1/info'), getJson('api/v1/alarms')]);
      renderHosts(info);
      renderAlarms(alarms);
      await Promise.all([...charts.values()].map(updateChart));
      $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      $('status').textContent = String(err.message || err);
    } finally {
      busy = false;
    }
  }

  async function start() {
    const body = await getJson('api/v1/charts');
    document.title = `${body.hostname} · Tributary`;
    $('title').textContent = body.hostname;
    renderCharts(body);
    await refresh();
    document.body.setAttribute('data-ready', 'true');
    setInterval(refresh, REFRESH_MS);
  }

  $('range').addEventListener('change', (e) => {
    rangeSecs = Number(e.target.value);
    for (const c of charts.values()) { if (c.plot) c.plot.destroy(); c.plot = null; }
    refresh();
  });
  start().catch((err) => { $('status').textContent = String(err.message || err); });
})();
