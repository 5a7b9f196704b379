// The host menu: every host this agent holds (/api/v1/info's mirrored_hosts_status), the one
// shown marked, each with its link state, hops and last data.
import { $, currentHost, el, hostPath } from './dom.js';
import { ago } from './format.js';

/** Fills #hosts from an /api/v1/info answer; `page` is the file to open on each host ('' or 'topology.html'). */
export function renderHosts(info, page = '') {
  const list = $('hosts');
  if (!list) return;
  list.textContent = '';
  const here = currentHost();
  info.mirrored_hosts_status.forEach((h, i) => {
    const local = i === 0 && h.hops === 0;
    const li = el('li', { 'data-host': h.hostname, 'data-guid': h.guid });
    if (here ? here === h.hostname || here === h.guid : local) li.className = 'current';
    li.append(el('span', { class: `dot ${h.reachable ? 'up' : 'down'}`, title: h.reachable ? 'connected' : 'not connected' }),
      el('a', { href: hostPath(h.hostname, local) + page }, h.hostname),
      el('span', { class: 'meta' }, `${h.reachable ? 'connected' : 'not connected'} · hops ${h.hops} · last data ${ago(h.last_data)}`));
    list.append(li);
  });
}
