// Numbers and times as the legend and the tables print them.

const pad = (n) => String(n).padStart(2, '0');

/** A value with as many decimals as its size needs; '-' for a gap. */
export function formatValue(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  const abs = Math.abs(v);
  const decimals = abs >= 1000 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return String(Number(v.toFixed(decimals)));
}

/** HH:MM:SS of an epoch second, in the browser's time zone. */
export function clockTime(s) {
  const d = new Date(s * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** YYYY-MM-DD of an epoch second. */
export function calendarDate(s) {
  const d = new Date(s * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** YYYY-MM-DD HH:MM:SS of an epoch second. */
export function dateTime(s) {
  return `${calendarDate(s)} ${clockTime(s)}`;
}

/** How long ago an epoch second was, relative to `nowS`. */
export function ago(s, nowS = Date.now() / 1000) {
  if (!s) return 'no data';
  const d = Math.max(0, Math.round(nowS - s));
  return d < 120 ? `${d}s ago` : d < 7200 ? `${Math.round(d / 60)}m ago` : d < 172800 ? `${Math.round(d / 3600)}h ago`
    : `${Math.round(d / 86400)}d ago`;
}

/** A byte count as B, KiB, MiB, GiB. */
export function bytes(n) {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${formatValue(v)} ${units[i]}`;
}

/** Bytes per second as B/s, KiB/s, MiB/s. */
export function rate(bytesPerSecond) {
  return bytesPerSecond === null || bytesPerSecond === undefined ? '-' : `${bytes(bytesPerSecond)}/s`;
}
