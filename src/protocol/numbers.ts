/**
 * Number parsing as netdata does it on plugins.d words, straight from bytes:
 * `strtoll(s, NULL, 0)` for SET values, `strtol(s, NULL, 0)` for multiplier and divisor,
 * `str2i`/`str2ull` for priority, update every and microseconds, and a `strtod`-like parse for
 * VARIABLE values (reference §1.4).
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Set by {@link parseInt64}: false when the result exceeded 2^53 and is not exact. */
export const int64Status = { exact: true };

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 99;
}

interface Prefix {
  negative: boolean;
  base: number;
  /** First digit. */
  at: number;
}

const prefix: Prefix = { negative: false, base: 10, at: 0 };

/** strtol's base 0: optional space and sign, `0x` (followed by a hex digit) = 16, `0` = 8. */
function readPrefix(bytes: Uint8Array, start: number, end: number): Prefix {
  let s = start;
  while (s < end && isCSpace(bytes[s])) s++;
  let negative = false;
  if (s < end && (bytes[s] === 0x2d || bytes[s] === 0x2b)) negative = bytes[s++] === 0x2d;
  let base = 10;
  if (s < end && bytes[s] === 0x30) {
    const x = s + 1 < end ? bytes[s + 1] | 0x20 : 0;
    if (x === 0x78 && s + 2 < end && digitValue(bytes[s + 2]) < 16) {
      base = 16;
      s += 2;
    } else {
      base = 8;
    }
  }
  prefix.negative = negative;
  prefix.base = base;
  prefix.at = s;
  return prefix;
}

/**
 * `strtoll(word, NULL, 0)` on `bytes[start, end)`: leading space, sign, hex `0x`, octal `0`,
 * stops at the first char that is not a digit of the base (so `1.5` is 1), 0 when there is no
 * digit. Allocates nothing. When the magnitude passes 2^53 the result is approximate and
 * `int64Status.exact` is false: call {@link parseInt64Big} for the exact value.
 */
export function parseInt64(bytes: Uint8Array, start: number, end: number): number {
  let s = start;
  let negative = false;
  let base = 10;
  const c0 = bytes[s];
  if (c0 >= 0x31 && c0 <= 0x39) {
    // the common case: a plain positive decimal
  } else {
    const p = readPrefix(bytes, start, end);
    s = p.at;
    negative = p.negative;
    base = p.base;
  }
  let value = 0;
  for (; s < end; s++) {
    const d = digitValue(bytes[s]);
    if (d >= base) break;
    value = value * base + d;
  }
  int64Status.exact = value <= Number.MAX_SAFE_INTEGER;
  return negative ? 0 - value : value;
}

/** The exact `strtoll(word, NULL, 0)` as a bigint, saturated to the int64 range like strtoll. */
export function parseInt64Big(bytes: Uint8Array, start: number, end: number): bigint {
  const p = readPrefix(bytes, start, end);
  const big = BigInt(p.base);
  let value = 0n;
  for (let s = p.at; s < end; s++) {
    const d = digitValue(bytes[s]);
    if (d >= p.base) break;
    value = value * big + BigInt(d);
    if (value > INT64_MAX + 1n) break;
  }
  if (p.negative) value = -value;
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return value;
}

/** `strtol(word, NULL, 0)` for a string word (multiplier, divisor), saturated to int64. */
export function parseLong(word: string): number {
  const bytes = Buffer.from(word, 'latin1');
  const value = parseInt64(bytes, 0, bytes.length);
  return int64Status.exact ? value : Number(parseInt64Big(bytes, 0, bytes.length));
}

/**
 * netdata's `str2l`/`str2i`/`str2ull`: an optional `-` (only `str2l`), then decimal digits up
 * to the first other char; 0 when none.
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number, signed: boolean): number {
  let s = start;
  const negative = signed && s < end && bytes[s] === 0x2d;
  if (negative) s++;
  let value = 0;
  for (; s < end; s++) {
    const c = bytes[s];
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  return negative ? 0 - value : value;
}

/**
 * netdata's `str2ll` on a string word (RDSTATE's last collected value): an optional sign, then
 * decimal digits up to the first other char; 0 when there is none. A number while that is
 * exact, else the exact bigint, saturated to the int64 range.
 */
export function parseLongLongWord(word: string): number | bigint {
  const first0 = word.charCodeAt(0);
  const negative = first0 === 0x2d;
  const first = negative || first0 === 0x2b ? 1 : 0;
  let end = first;
  let value = 0;
  for (; end < word.length; end++) {
    const c = word.charCodeAt(end);
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  if (value <= Number.MAX_SAFE_INTEGER) return negative ? 0 - value : value;
  const magnitude = BigInt(word.slice(first, end));
  if (negative) return magnitude > INT64_MAX + 1n ? INT64_MIN : -magnitude;
  return magnitude > INT64_MAX ? INT64_MAX : magnitude;
}

/** {@link parseDecimal} on a string word, read with `charCodeAt` (no Buffer per word). */
export function parseDecimalWord(word: string, signed: boolean): number {
  const length = word.length;
  let s = 0;
  const negative = signed && length > 0 && word.charCodeAt(0) === 0x2d;
  if (negative) s++;
  let value = 0;
  for (; s < length; s++) {
    const c = word.charCodeAt(s);
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  return negative ? 0 - value : value;
}

const LEADING_DOUBLE = /^[ \t\n\v\f\r]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf(?:inity)?)/i;

/** A strtod-like parse: the number and what was left over after it (`''` when nothing). */
export interface ParsedDouble {
  value: number;
  /** The unparsed tail; the whole word when it did not start with a number. */
  rest: string;
}

/** Parses a VARIABLE value the way netdata's `str2ndd` reads it: a leading decimal number. */
export function parseDouble(word: string): ParsedDouble {
  const match = LEADING_DOUBLE.exec(word);
  if (!match) return { value: 0, rest: word };
  const text = match[0].trim().toLowerCase();
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  let value: number;
  if (body === 'nan') value = NaN;
  else if (body.startsWith('inf')) value = sign * Infinity;
  else value = Number(text);
  return { value, rest: word.slice(match[0].length) };
}

/** 10^0 .. 10^22: every one exact as a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT_POWER = POWERS_OF_TEN.length - 1;

/** Set by {@link readDecimal}: where it stopped, and whether what it read had a value it gives exactly. */
export const decimalStatus = { end: 0, exact: false };

/**
 * Reads the common form of a double from `bytes[start]`: an optional sign, digits, and an
 * optional `.` with more digits (`500.0000000`, `-0.5000000`), up to the first other byte
 * (`decimalStatus.end`). Its digits, trailing zeros of the fraction dropped, make an integer m
 * below 2^53 and its fraction f at most 22 digits, so m / 10^f is one correctly rounded division:
 * the double `Number()` gives for the text. `decimalStatus.exact` is false (and the result NaN)
 * when there was no digit or more than that; allocates nothing.
 */
export function readDecimal(bytes: Uint8Array, start: number, end: number): number {
  let s = start;
  const sign = s < end ? bytes[s] : 0;
  if (sign === 0x2d || sign === 0x2b) s++;
  let mantissa = 0;
  let digits = 0;
  for (; s < end; s++) {
    const d = bytes[s] - 0x30;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
  }
  let fraction = 0;
  if (s < end && bytes[s] === 0x2e) {
    let zeros = 0;
    for (s++; s < end; s++) {
      const d = bytes[s] - 0x30;
      if (d < 0 || d > 9) break;
      digits++;
      if (d === 0) {
        zeros++;
      } else {
        fraction += zeros + 1;
        // past 10^22 the factor is undefined and the mantissa NaN: not exact
        mantissa = mantissa * POWERS_OF_TEN[zeros + 1] + d;
        zeros = 0;
      }
    }
  }
  decimalStatus.end = s;
  if (digits === 0 || !(mantissa <= Number.MAX_SAFE_INTEGER) || fraction > MAX_EXACT_POWER) {
    decimalStatus.exact = false;
    return NaN;
  }
  decimalStatus.exact = true;
  const value = fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction];
  return sign === 0x2d ? -value : value;
}

/**
 * `parseDouble(word).value` for the word `bytes[start, end)` (utf8): {@link readDecimal} when
 * the word is its common form, else {@link parseDouble} on the word's text (an exponent, NAN,
 * inf, too many digits, leftovers, an empty word).
 */
export function parseDoubleBytes(bytes: Buffer, start: number, end: number): number {
  const value = readDecimal(bytes, start, end);
  if (decimalStatus.exact && decimalStatus.end === end) return value;
  return parseDouble(bytes.toString('utf8', start, end)).value;
}
