/**
 * `/api/v1/badge.svg`: a shields.io-style badge with a chart's (or an alarm's) current value
 * (1.10 `src/web_api_v1.c` badge handler, `web_buffer_svg.c`; reference §6). The value is the
 * query's newest row summed over the selected dimensions, times `multiply`, over `divide`.
 */
import { queryChart, type Host } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import { buildQuery, dimensionValues, parseDataOptions } from './api-data.js';
import { HttpError, type ApiResponse } from './http-error.js';
import { param, toInteger, type Params } from './params.js';
import { CONTENT_TYPE } from './data-format.js';

const COLORS: Record<string, string> = {
  brightgreen: '#4c1', green: '#97CA00', yellow: '#dfb317', yellowgreen: '#a4a61d',
  orange: '#fe7d37', red: '#e05d44', blue: '#007ec6', grey: '#555', gray: '#555',
  lightgrey: '#9f9f9f', lightgray: '#9f9f9f',
};

const STATUS_COLORS: Record<string, string> = {
  CRITICAL: 'red', WARNING: 'orange', CLEAR: 'brightgreen', UNDEFINED: 'lightgrey', UNINITIALIZED: '#000',
};

/** Approximate text width in pixels for Verdana 11px (the badge font). */
const CHAR_WIDTH_PX = 6.5;
const PADDING_PX = 10;

function color(name: string | undefined, fallback: string): string {
  const c = name ?? fallback;
  if (COLORS[c]) return COLORS[c];
  return /^[0-9a-fA-F]{3,6}$/.test(c) ? `#${c}` : c.replace(/[^#0-9A-Za-z]/g, '');
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** netdata's automatic precision: fewer decimals for bigger numbers. */
export function badgeNumber(value: number, precision: number): string {
  if (!Number.isFinite(value)) return '-';
  if (precision >= 0) return value.toFixed(precision);
  if (Number.isInteger(value)) return value.toFixed(0);
  const abs = Math.abs(value);
  const decimals = abs >= 1000 ? 0 : abs >= 10 ? 1 : abs >= 0.1 ? 2 : abs === 0 ? 0 : 4;
  return value.toFixed(decimals);
}

/** Builds the SVG document. */
export function badgeSvg(label: string, valueText: string, labelColor: string, valueColor: string, scalePct: number): string {
  const lw = Math.round(label.length * CHAR_WIDTH_PX + PADDING_PX);
  const vw = Math.round(valueText.length * CHAR_WIDTH_PX + PADDING_PX);
  const w = lw + vw;
  const scale = scalePct / 100;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${(w * scale).toFixed(2)}" height="${(20 * scale).toFixed(2)}" ` +
    `viewBox="0 0 ${w} 20"><linearGradient id="smooth" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>` +
    `<stop offset="1" stop-opacity=".1"/></linearGradient><mask id="round"><rect width="${w}" height="20" rx="3" fill="#fff"/></mask>` +
    `<g mask="url(#round)"><rect width="${lw}" height="20" fill="${labelColor}"/>` +
    `<rect x="${lw}" width="${vw}" height="20" fill="${valueColor}"/><rect width="${w}" height="20" fill="url(#smooth)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">` +
    `<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(label)}</text>` +
    `<text x="${lw / 2}" y="14">${escapeXml(label)}</text>` +
    `<text x="${lw + vw / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(valueText)}</text>` +
    `<text x="${lw + vw / 2}" y="14">${escapeXml(valueText)}</text></g></svg>`;
}

function svg(body: string): ApiResponse {
  return { status: 200, contentType: CONTENT_TYPE.svg, body, headers: { 'Cache-Control': 'no-cache, no-store, must-revalidate' } };
}

/** Serves `/api/v1/badge.svg` for a host. */
export function badgeRequest(host: Host, params: Params, health: HealthApi | undefined): ApiResponse {
  const id = param(params, 'chart');
  if (!id) throw new HttpError(400, 'No chart id is given at the request.');
  const scale = toInteger(param(params, 'scale'), 100) || 100;
  const labelColor = color(param(params, 'label_color'), 'grey');
  const chart = host.chart(id);
  if (!chart) return svg(badgeSvg('chart not found', '-', labelColor, COLORS.lightgrey, scale));
  const multiply = toInteger(param(params, 'multiply'), 1) || 1;
  const divide = toInteger(param(params, 'divide'), 1) || 1;
  const precision = toInteger(param(params, 'precision'), -1);
  const alarmName = param(params, 'alarm');
  if (alarmName) {
    const alarm = health?.alarm(host, chart.id, alarmName);
    if (!alarm) return svg(badgeSvg('alarm not found', '-', labelColor, COLORS.lightgrey, scale));
    const label = param(params, 'label') ?? alarmName.replace(/_/g, ' ');
    const units = param(params, 'units') ?? alarm.units;
    const text = `${badgeNumber((alarm.value * multiply) / divide, precision)}${units ? ` ${units}` : ''}`;
    return svg(badgeSvg(label, text, labelColor, color(param(params, 'value_color') ?? STATUS_COLORS[alarm.status], 'grey'), scale));
  }
  const options = parseDataOptions(param(params, 'options'));
  const query = buildQuery(params, options);
  if (param(params, 'after') === undefined) query.afterS = -chart.definition.updateEverySecs;
  if (param(params, 'points') === undefined) query.points = 1;
  const r = queryChart(chart, query);
  const row = options.reversed ? r.rows - 1 : 0;
  let sum = NaN;
  for (let col = 0; r.rows && col < r.dimensionIndexes.length; col++) {
    const v = r.values[row * r.dimensionIndexes.length + col];
    if (!Number.isNaN(v)) sum = (Number.isNaN(sum) ? 0 : sum) + v;
  }
  const dims = dimensionValues(params).join('|');
  const label = param(params, 'label') ?? (dims || chart.fullName);
  const units = param(params, 'units') ?? (options.percentage ? '%' : chart.definition.units);
  const text = `${badgeNumber((sum * multiply) / divide, precision)}${units ? ` ${units}` : ''}`;
  const valueColor = color(param(params, 'value_color'), Number.isNaN(sum) ? 'lightgrey' : 'brightgreen');
  return svg(badgeSvg(label, text, labelColor, valueColor, scale));
}
