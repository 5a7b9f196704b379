/**
 * Numbers as netdata's web API prints them (`print_calculated_number`, 1.10 `src/storage_number.c`;
 * reference "Not determined / caveats"): at most 7 decimals, trailing zeros and a bare dot dropped,
 * NaN and infinities as `null`.
 */

/** Decimal places netdata keeps when printing a calculated number. */
export const NUMBER_DECIMALS = 7;

/** `1.5`, `2`, `0.3333333`, `null`. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  let text = value.toFixed(NUMBER_DECIMALS);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

/**
 * Significant digits a stored value carries: samples are 4-byte floats (DESIGN), whose 24-bit
 * mantissa holds about 7 decimal digits (as netdata's storage numbers); printing more shows
 * float noise (`25.8999996` for 25.9).
 */
export const STORED_SIGNIFICANT_DIGITS = 7;

/** A value read from (or computed from) the ring, printed without float32 noise. */
export function formatValue(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value === 0 ? '0' : String(value);
  if (!Number.isFinite(value)) return 'null';
  const rounded = Number(value.toPrecision(STORED_SIGNIFICANT_DIGITS));
  // the shortest round-trip text is already right unless it has an exponent or > 7 decimals
  const text = String(rounded);
  const dot = text.indexOf('.');
  if (!text.includes('e') && (dot < 0 || text.length - dot - 1 <= NUMBER_DECIMALS)) return text;
  return formatNumber(rounded);
}

/** Rounded to an integer as `%0.0Lf` prints it (allmetrics shell). */
export function formatRounded(value: number): string {
  const text = Math.round(value).toFixed(0);
  return text === '-0' ? '0' : text;
}

/** Escapes a string for a JSON string literal body (without the quotes). */
export function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** netdata's `buffer_strcat_htmlescape`, used when echoing a request value in an error. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"'/]/g, (c) => HTML_ENTITIES[c]);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '/': '&#x2F;',
};
