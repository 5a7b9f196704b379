// The charts page's layout: a section per chart type and a sub-section per family, in netdata's
// priority order, the table of contents beside them, the search box, and anchors
// (#chart-ID, #type-TYPE, #family-TYPE-FAMILY) that scroll once the charts exist.
import { $, el } from './dom.js';
import { ChartView } from './chart-view.js';

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

/** Builds every chart of an /api/v1/charts answer into #charts; returns the views by id. */
export function buildSections(body) {
  const main = $('charts');
  const toc = $('toc');
  main.textContent = '';
  toc.textContent = '';
  const views = new Map();
  const list = Object.values(body.charts).sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
  for (const [type, families] of groupCharts(list)) {
    const section = el('section', { id: `type-${type}`, 'data-type': type });
    section.append(el('h2', {}, type));
    const li = el('li');
    li.append(el('a', { href: `#type-${type}` }, type));
    const sub = el('ul');
    for (const [family, items] of families) {
      const group = el('div', { class: 'family', id: `family-${type}-${family}` });
      group.append(el('h3', {}, family));
      for (const c of items) views.set(c.id, new ChartView(c, group));
      section.append(group);
      if (families.size > 1) {
        const fli = el('li');
        fli.append(el('a', { href: `#family-${type}-${family}` }, family));
        sub.append(fli);
      }
    }
    if (sub.children.length) li.append(sub);
    toc.append(li);
    main.append(section);
  }
  return views;
}

/** Scrolls to the element the URL's #fragment names, if there is one. */
export function scrollToAnchor() {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target) return false;
  target.scrollIntoView({ block: 'start' });
  target.classList.add('target');
  setTimeout(() => target.classList.remove('target'), 2000);
  return true;
}

/** Shows only the charts whose id, title, family or context contain every word of `query`. */
export function filterCharts(views, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  for (const v of views.values()) {
    const text = `${v.def.id} ${v.def.title} ${v.def.family} ${v.def.context}`.toLowerCase();
    v.box.hidden = !words.every((w) => text.includes(w));
  }
  for (const group of document.querySelectorAll('#charts .family, #charts section')) {
    group.hidden = !group.querySelector('.chart:not([hidden])');
  }
}
