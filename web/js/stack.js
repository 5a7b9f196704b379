// netdata's `stacked` charts: each dimension drawn on top of the ones before it. Positive and
// negative dimensions stack apart (upwards and downwards from zero), so a chart with an `out`
// dimension multiplied by -1 reads as netdata draws it.

/** Whether a dimension's column is mostly below zero. */
function negative(column) {
  let sum = 0;
  for (const v of column) if (v) sum += v;
  return sum < 0;
}

/**
 * Cumulative columns for uPlot and the bands filling between them.
 * `columns` is [x, dim1, dim2, ...]; `shown(i)` says whether series i is drawn. A hidden series
 * keeps its raw column and adds nothing to the others. A gap (null) stays a gap and adds nothing.
 */
export function stackColumns(columns, shown) {
  const n = columns[0].length;
  const acc = { up: new Array(n).fill(0), down: new Array(n).fill(0) };
  const last = { up: -1, down: -1 };
  const out = [columns[0]];
  const bands = [];
  for (let i = 1; i < columns.length; i++) {
    const raw = columns[i];
    if (!shown(i)) { out.push(raw); continue; }
    const side = negative(raw) ? 'down' : 'up';
    const sums = acc[side];
    out.push(raw.map((v, k) => (v === null || v === undefined ? null : (sums[k] += v))));
    if (last[side] > 0) bands.push({ series: [i, last[side]], dir: side === 'up' ? -1 : 1 });
    last[side] = i;
  }
  return { data: out, bands };
}
