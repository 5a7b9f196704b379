// The streaming topology (/api/v1/topology): the tree of hosts as this node sees it, each host's
// inbound link and every link this node sends on, read again every two seconds. A host's name
// opens its charts.
import { $, el, getJson, hostPath, status } from './dom.js';
import { ago, bytes, formatValue, rate } from './format.js';

const REFRESH_MS = 2000;

/** A cell for a link's figure, `-` when it is unknown. */
const cell = (text, cls) => el('td', cls ? { class: cls } : {}, text === null || text === undefined ? '-' : String(text));

function replicationText(r) {
  if (!r) return '-';
  return r.state === 'replicating' ? `replicating (${r.charts_pending} charts)` : r.state;
}

function spoolText(s) {
  if (!s) return '-';
  return s.bytes ? `${bytes(s.bytes)} since ${ago(s.oldest)}` : 'empty';
}

/** The cells of an inbound link's figures (empty for the local host); the capabilities as a tooltip. */
function linkCells(link) {
  if (!link) return Array.from({ length: 8 }, () => el('td'));
  const cells = [
    cell(link.peer), cell(rate(link.bytes_per_second), 'num'), cell(formatValue(link.values_per_second), 'num'),
    cell(link.compression ?? 'none'), cell(link.tls ? 'yes' : 'no'),
    cell(link.lag_seconds === null ? '-' : `${link.lag_seconds} s`, 'num'), cell(replicationText(link.replication)),
    cell(link.reconnects, 'num'),
  ];
  for (const c of cells) c.title = link.capabilities ?? '';
  return cells;
}

function hostLink(h) {
  return el('a', { href: hostPath(h.hostname, h.local), class: 'host' }, h.hostname);
}

function since(s, nowS) {
  return s ? ago(s, nowS) : '-';
}

/**
 * The parent of each host in the tree. `via` names the direct child a host's data arrives
 * through, not the whole path: a host n hops away is put under the one host n - 1 hops away
 * through the same child when there is exactly one (`inferred`), else under that child.
 */
function parentOf(h, hosts, byName, root) {
  if (h.local) return null;
  if (!h.via || h.via === h.hostname || !byName.has(h.via)) return { name: root, inferred: false };
  const before = hosts.filter((x) => !x.local && x.via === h.via && x.hops === h.hops - 1);
  if (before.length === 1 && before[0].hostname !== h.via) return { name: before[0].hostname, inferred: true };
  return { name: h.via, inferred: false };
}

function renderTree(t) {
  const byName = new Map(t.hosts.map((h) => [h.hostname, h]));
  const root = t.hosts.find((h) => h.local)?.hostname ?? t.node.hostname;
  const children = new Map();
  const inferred = new Set();
  for (const h of t.hosts) {
    const p = parentOf(h, t.hosts, byName, root);
    if (p === null) continue;
    if (p.inferred) inferred.add(h.hostname);
    if (!children.has(p.name)) children.set(p.name, []);
    children.get(p.name).push(h);
  }
  const item = (h, seen) => {
    const li = el('li', { 'data-host': h.hostname, 'data-hops': String(h.hops) });
    if (inferred.has(h.hostname)) {
      li.classList.add('inferred');
      li.title = `through ${h.via}; the node before it is inferred from the hops`;
    }
    li.append(el('span', { class: `dot ${h.connected ? 'up' : 'down'}`, title: h.connected ? 'connected' : 'not connected' }), hostLink(h));
    const link = h.inbound;
    const meta = h.local ? 'this node' : `hops ${h.hops} · ${h.connected ? `connected ${since(h.connected_since, t.now)}` : 'not connected'}` +
      ` · last data ${since(h.last_data, t.now)}` +
      (link ? ` · ${rate(link.bytes_per_second)} · ${formatValue(link.values_per_second)} values/s · ${link.compression ?? 'plain'}${link.tls ? ' · TLS' : ''}` : '');
    li.append(el('span', { class: 'meta' }, meta));
    const kids = (children.get(h.hostname) ?? []).filter((k) => !seen.has(k.hostname));
    if (kids.length) {
      const ul = el('ul');
      for (const k of kids) ul.append(item(k, new Set([...seen, k.hostname])));
      li.append(ul);
    }
    return li;
  };
  const tree = $('tree');
  tree.textContent = '';
  const top = byName.get(root);
  if (top) tree.append(item(top, new Set([root])));
}

function renderHosts(t) {
  const body = $('hosts-table').tBodies[0];
  body.textContent = '';
  for (const h of t.hosts) {
    const tr = el('tr', { 'data-host': h.hostname, 'data-hops': String(h.hops), class: h.connected ? '' : 'down' });
    const name = el('td');
    name.append(el('span', { class: `dot ${h.connected ? 'up' : 'down'}` }), hostLink(h));
    tr.append(name, cell(h.hops, 'num'), cell(h.via), cell(h.local ? '-' : since(h.connected_since, t.now)),
      cell(since(h.last_data, t.now)), ...linkCells(h.inbound));
    body.append(tr);
  }
}

function renderOutbound(t) {
  const body = $('outbound-table').tBodies[0];
  body.textContent = '';
  if (!t.outbound.length) {
    const tr = el('tr', { class: 'none' });
    tr.append(el('td', { colspan: '11' }, 'this node sends nowhere'));
    body.append(tr);
  }
  for (const l of t.outbound) {
    const tr = el('tr', { 'data-host': l.host, 'data-peer': l.peer, class: l.connected ? '' : 'down' });
    tr.append(cell(l.host), cell(l.peer), cell(l.connected ? since(l.since, t.now) : `down ${since(l.since, t.now)}`),
      cell(rate(l.bytes_per_second), 'num'), cell(formatValue(l.values_per_second), 'num'), cell(l.compression ?? 'none'),
      cell(l.tls ? 'yes' : 'no'), cell(l.lag_seconds === null ? '-' : `${l.lag_seconds} s`, 'num'),
      cell(replicationText(l.replication)), cell(spoolText(l.spool)), cell(l.reconnects, 'num'));
    body.append(tr);
  }
}

async function refresh() {
  if ($('paused').checked || document.hidden) return;
  try {
    const t = await getJson('api/v1/topology');
    $('title').textContent = t.node.hostname;
    $('node').textContent = t.node.hostname;
    document.title = `Topology of ${t.node.hostname} · Tributary`;
    renderTree(t);
    renderHosts(t);
    renderOutbound(t);
    document.body.dataset.updated = String(t.now);
    status(`updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    status(String(err.message || err));
  }
}

refresh().then(() => { document.body.dataset.ready = 'true'; });
setInterval(refresh, REFRESH_MS);
