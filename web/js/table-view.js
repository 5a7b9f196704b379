// netdata's table result of a function (`type: "table"`, as apps.plugin's `processes` answers):
// `columns` by name with their `index`, `name`, `type`, `units`, `visible` and `sort`, `data`
// rows of cells by index, `default_sort_column`. Drawn as a table sorted by a click on a header.
import { el } from './dom.js';
import { formatValue } from './format.js';

/** The columns of a table result, in index order. */
export function tableColumns(result) {
  return Object.entries(result.columns || {})
    .map(([key, c]) => ({ key, index: c.index, name: c.name ?? key, type: c.type ?? 'string', units: c.units ?? '',
      visible: c.visible !== false, sort: c.sort === 'descending' ? 'descending' : 'ascending', sortable: c.sortable !== false }))
    .sort((a, b) => a.index - b.index);
}

function compare(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export class TableView {
  constructor(table) {
    this.table = table;
    this.result = null;
    this.sortKey = null;
    this.direction = 'descending';
    this.allColumns = false;
  }

  /** Shows a table result; keeps the operator's sort when the columns stay the same. */
  show(result) {
    const first = !this.result || !this.sortKey || !(this.sortKey in (result.columns || {}));
    this.result = result;
    this.columns = tableColumns(result);
    if (first) {
      this.sortKey = result.default_sort_column in result.columns ? result.default_sort_column : this.columns[0]?.key;
      this.direction = this.columns.find((c) => c.key === this.sortKey)?.sort ?? 'ascending';
    }
    this.render();
  }

  /** Sorts by the column `key`; a second click on the same column reverses. */
  sortBy(key) {
    if (key === this.sortKey) this.direction = this.direction === 'ascending' ? 'descending' : 'ascending';
    else {
      this.sortKey = key;
      this.direction = this.columns.find((c) => c.key === key)?.sort ?? 'ascending';
    }
    this.render();
  }

  render() {
    const shown = this.columns.filter((c) => this.allColumns || c.visible);
    const head = el('tr');
    for (const c of shown) {
      const th = el('th', { 'data-column': c.key, title: `${c.name}${c.units ? ` (${c.units})` : ''} · ${c.type}` },
        c.units ? `${c.name} (${c.units})` : c.name);
      if (c.key === this.sortKey) th.setAttribute('aria-sort', this.direction);
      if (c.sortable) th.addEventListener('click', () => this.sortBy(c.key));
      head.append(th);
    }
    this.table.tHead.replaceChildren(head);
    const index = this.columns.find((c) => c.key === this.sortKey)?.index ?? 0;
    const sign = this.direction === 'ascending' ? 1 : -1;
    const rows = [...(this.result.data || [])].sort((a, b) => sign * compare(a[index], b[index]));
    const body = document.createDocumentFragment();
    for (const row of rows) {
      const tr = el('tr');
      for (const c of shown) {
        const v = row[c.index];
        const td = el('td', typeof v === 'number' ? { class: 'num' } : {}, typeof v === 'number' ? formatValue(v)
          : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
        td.dataset.value = v === null || v === undefined ? '' : String(v);
        tr.append(td);
      }
      body.append(tr);
    }
    this.table.tBodies[0].replaceChildren(body);
  }
}
