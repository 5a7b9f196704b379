// Functions of a host (/api/v1/functions, or /host/NAME/api/v1/functions on this page under a
// host prefix): each listed with its help, a click calls it (/api/v1/function?function=NAME)
// and a table result is drawn sortable; any other answer is shown as text.
import { $, currentHost, el, getJson, hostPath, status } from './dom.js';
import { TableView } from './table-view.js';

const table = new TableView($('table'));
let current = null;

async function call(name) {
  current = name;
  status(`calling ${name}…`);
  const res = await fetch(`api/v1/function?function=${encodeURIComponent(name)}`, { cache: 'no-store' });
  const text = await res.text();
  $('result').hidden = false;
  $('result-title').textContent = name;
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: shown as text */ }
  const isTable = res.ok && body && body.type === 'table';
  $('table').hidden = !isTable;
  $('text').hidden = isTable;
  $('result').dataset.status = String(res.status);
  if (isTable) {
    table.show(body);
    $('result-meta').textContent = `${body.data.length} rows · ${Object.keys(body.columns).length} columns · ${body.help ?? ''}`;
  } else {
    $('result-meta').textContent = `HTTP ${res.status} ${res.headers.get('content-type') ?? ''}`;
    $('text').textContent = body?.error_message ?? text;
  }
  status(`${name}: HTTP ${res.status} at ${new Date().toLocaleTimeString()}`);
}

function renderFunctions(list) {
  const ul = $('functions');
  ul.textContent = '';
  const names = Object.keys(list).sort();
  if (!names.length) ul.append(el('li', { class: 'none' }, 'no plugin of this host registered a function'));
  for (const name of names) {
    const f = list[name];
    const li = el('li', { 'data-function': name });
    const button = el('button', { type: 'button' }, name);
    button.addEventListener('click', () => call(name).catch((err) => status(String(err.message || err))));
    li.append(button, el('span', { class: 'meta' }, `${f.help} · timeout ${f.timeout} s · ${f.options.trim().toLowerCase()}`));
    ul.append(li);
  }
}

function renderHostMenu(info) {
  const select = $('host');
  const here = currentHost();
  info.mirrored_hosts_status.forEach((h, i) => {
    const local = i === 0 && h.hops === 0;
    const option = el('option', { value: hostPath(h.hostname, local) + 'functions.html' }, h.hostname);
    if (here ? here === h.hostname || here === h.guid : local) option.selected = true;
    select.append(option);
  });
  select.addEventListener('change', () => { location.href = select.value; });
}

async function start() {
  const info = await getJson('api/v1/info');
  renderHostMenu(info);
  const name = currentHost() || info.mirrored_hosts[0];
  $('title').textContent = name;
  $('hostname').textContent = name;
  document.title = `Functions of ${name} · Tributary`;
  $('all-columns').addEventListener('change', (e) => { table.allColumns = e.target.checked; if (table.result) table.render(); });
  $('again').addEventListener('click', () => { if (current) call(current).catch((err) => status(String(err.message || err))); });
  try {
    renderFunctions(await getJson('api/v1/functions'));
  } catch (err) {
    renderFunctions({});
    status(String(err.message || err));
  }
  document.body.dataset.ready = 'true';
}

start().catch((err) => status(String(err.message || err)));
