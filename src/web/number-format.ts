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

/** Powers of ten the fast path of `formatValue` scales by (decimals 0..NUMBER_DECIMALS). */
const POWERS_OF_TEN = Array.from({ length: NUMBER_DECIMALS + 1 }, (_, d) => 10 ** d);
/** The smallest and one past the largest integer of STORED_SIGNIFICANT_DIGITS digits. */
const SIGNIFICANT_FLOOR = 10 ** (STORED_SIGNIFICANT_DIGITS - 1);
const SIGNIFICANT_CEIL = 10 ** STORED_SIGNIFICANT_DIGITS;
/** `'0'.repeat(n)` for the fraction's leading zeros. */
const LEADING_ZEROS = Array.from({ length: NUMBER_DECIMALS + 1 }, (_, n) => '0'.repeat(n));
/** How close to a rounding tie the fast path hands over to the exact one. */
const TIE_MARGIN = 1e-6;

/** A value read from (or computed from) the ring, printed without float32 noise. */
export function formatValue(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value === 0 ? '0' : String(value);
  if (!Number.isFinite(value)) return 'null';
  return fastValue(value) ?? exactValue(value);
}

/**
 * Where `splitFixed` puts a value's parts: `whole`, then `fraction` (no trailing zeros; 0 when
 * the value prints as an integer), zero-padded on the left to `decimals` digits. The sign is the
 * value's. Every part is below 1e7, so the parts are int32s, cheaper to write and read than an
 * object's fields.
 */
export const FIXED_WHOLE = 0;
export const FIXED_FRACTION = 1;
export const FIXED_DECIMALS = 2;

/** A place for `splitFixed`'s parts. */
export function fixedParts(): Int32Array {
  return new Int32Array(3);
}

/**
 * What `exactValue` prints, by integer arithmetic, for 0.1 <= |value| < 1e7 (7 significant
 * digits then need 0 to 7 decimals, so one rounding gives both), split into `out` (FIXED_*); false
 * elsewhere, and near a rounding tie or a power of ten, where only the exact path is sure. A
 * query prints thousands of such values: this is most of its time otherwise. The body writer
 * writes the parts as bytes; `fastValue` joins them into text.
 */
export function splitFixed(value: number, out: Int32Array): boolean {
  const magnitude = value < 0 ? -value : value;
  if (magnitude < 0.1 || magnitude >= 1e7) return false;
  let decimals = STORED_SIGNIFICANT_DIGITS - 1 - floorLog10(magnitude);
  if (decimals < 0 || decimals > NUMBER_DECIMALS) return false;
  const scaledExact = magnitude * POWERS_OF_TEN[decimals];
  const scaled = Math.round(scaledExact);
  if (scaled < SIGNIFICANT_FLOOR || scaled >= SIGNIFICANT_CEIL) return false;
  if (Math.abs(Math.abs(scaledExact - Math.trunc(scaledExact)) - 0.5) < TIE_MARGIN) return false;
  // below 1e7 every part is an int32: integer division, no floating-point remainder
  const digits = scaled | 0;
  const power = POWERS_OF_TEN[decimals] | 0;
  const whole = (digits / power) | 0;
  let fraction = digits - whole * power;
  while (fraction !== 0) {
    const tenth = (fraction / 10) | 0;
    if (fraction !== tenth * 10) break;
    fraction = tenth;
    decimals--;
  }
  out[FIXED_WHOLE] = whole;
  out[FIXED_FRACTION] = fraction;
  out[FIXED_DECIMALS] = decimals;
  return true;
}

/**
 * floor(log10(m)) for 0.1 <= m < 1e7 by comparisons (Math.log10 is most of splitFixed's time).
 * Off by one at most just below a power of ten, where splitFixed's range check declines.
 */
function floorLog10(m: number): number {
  if (m < 1e3) return m < 1 ? -1 : m < 10 ? 0 : m < 100 ? 1 : 2;
  return m < 1e4 ? 3 : m < 1e5 ? 4 : m < 1e6 ? 5 : 6;
}

const PARTS = fixedParts();

/** `splitFixed` as text; null where it declines. */
function fastValue(value: number): string | null {
  if (!splitFixed(value, PARTS)) return null;
  const sign = value < 0 ? '-' : '';
  const whole = PARTS[FIXED_WHOLE];
  const fraction = PARTS[FIXED_FRACTION];
  if (fraction === 0) return sign + whole;
  // integers print fast; the fraction's leading zeros come from a table, not padStart
  const digits = '' + fraction;
  const decimals = PARTS[FIXED_DECIMALS];
  return sign + whole + '.' + (digits.length < decimals ? LEADING_ZEROS[decimals - digits.length] + digits : digits);
}

/** 7 significant digits, at most 7 decimals: the definition `fastValue` follows. */
function exactValue(value: number): string {
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

/** Escapes a string for a JSON string literal body (without the quotes), as `JSON.stringify` does. */
export function jsonEscape(text: string): string {
  // names and ids rarely need it: a scan is cheaper than stringifying and slicing every time
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text).slice(1, -1);
  }
  return text;
}

/** netdata's `buffer_strcat_htmlescape`, used when echoing a request value in an error. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"'/]/g, (c) => HTML_ENTITIES[c]);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '/': '&#x2F;',
};
