/**
 * A response body written as bytes into one buffer: integers digit by digit, text without
 * intermediate strings, so a large answer is one allocation and goes out with one `end`.
 */
import { formatValue, splitFixed, type FixedParts } from './number-format.js';

const MINUS = 0x2d;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
/** Below this an integer's digits are split off exactly by float division (and it has at most 15). */
const EXACT_DIGITS_BELOW = 1e15;
const INT32_MAX = 2 ** 31 - 1;
/** The tens and the units digit of 0..99, as character codes. */
const PAIR_HIGH = Uint8Array.from({ length: 100 }, (_, i) => ZERO + Math.floor(i / 10));
const PAIR_LOW = Uint8Array.from({ length: 100 }, (_, i) => ZERO + (i % 10));
/** Up to this many characters, ASCII text is copied by a loop. */
const SHORT_TEXT_CHARS = 24;
/** Longest text of a finite number (`-1.7976931348623157e+308`), the room a value reserves. */
const NUMBER_MAX_BYTES = 24;

/** Builds one body; `bytes()` ends it. Not reusable after that. */
export class BodyWriter {
  #buf: Buffer;
  #at = 0;
  readonly #parts: FixedParts = { negative: false, whole: 0, fraction: 0, decimals: 0 };

  /** `sizeHint`: the bytes expected; the buffer grows past it when needed. */
  constructor(sizeHint: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  /** Any text (UTF-8). */
  text(s: string): void {
    const n = s.length;
    this.#reserve(n * 3);
    if (n <= SHORT_TEXT_CHARS) {
      // a name or an id: copied by a loop while it is ASCII, cheaper than a native call
      const buf = this.#buf;
      const at = this.#at;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) {
        this.#at = at + n;
        return;
      }
    }
    this.#at += this.#buf.write(s, this.#at, 'utf8');
  }

  /** Text known to be ASCII (punctuation, numbers): one byte per character. */
  ascii(s: string): void {
    const n = s.length;
    this.#reserve(n);
    if (n > SHORT_TEXT_CHARS) {
      this.#at += this.#buf.write(s, this.#at, 'latin1');
      return;
    }
    // a number's few characters: cheaper stored one by one than through a native call
    const buf = this.#buf;
    let at = this.#at;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.#at = at;
  }

  /** One ASCII character by its code. */
  byte(code: number): void {
    this.#reserve(1);
    this.#buf[this.#at++] = code;
  }

  /** An integer as `String` prints it (`-0` as `0`). */
  integer(n: number): void {
    if (!(n > -EXACT_DIGITS_BELOW && n < EXACT_DIGITS_BELOW)) {
      this.ascii(String(n));
      return;
    }
    this.#reserve(NUMBER_MAX_BYTES);
    if (n < 0) {
      this.#buf[this.#at++] = MINUS;
      n = -n;
    }
    this.#digits(n, digitCount(n));
  }

  /** A stored or computed value as `formatValue` prints it, without making its text. */
  value(v: number): void {
    if (Number.isInteger(v) && v > -EXACT_DIGITS_BELOW && v < EXACT_DIGITS_BELOW) {
      this.integer(v);
      return;
    }
    if (!Number.isFinite(v)) {
      // NaN and the infinities print as formatValue prints them (`null`)
      this.ascii(formatValue(v));
      return;
    }
    const parts = this.#parts;
    if (!splitFixed(v, parts)) {
      this.ascii(formatValue(v));
      return;
    }
    this.#reserve(NUMBER_MAX_BYTES);
    const buf = this.#buf;
    if (parts.negative) buf[this.#at++] = MINUS;
    this.#digits(parts.whole, digitCount(parts.whole));
    if (parts.fraction === 0) return;
    buf[this.#at++] = DOT;
    const digits = digitCount(parts.fraction);
    for (let zeros = parts.decimals - digits; zeros > 0; zeros--) buf[this.#at++] = ZERO;
    this.#digits(parts.fraction, digits);
  }

  /**
   * `count` values from `values[from]` on, each after a comma, as `value` prints them, NaN as
   * `nullText`: a json row's values, with room reserved once for the row.
   */
  commaValues(values: Float64Array, from: number, count: number, nullText: string): void {
    this.#reserve(count * (Math.max(NUMBER_MAX_BYTES, nullText.length) + 1));
    // the slow paths reserve on their own: the buffer is read again after them
    let buf = this.#buf;
    for (let i = from, end = from + count; i < end; i++) {
      const v = values[i];
      buf[this.#at++] = COMMA;
      if (v !== v) {
        this.ascii(nullText);
        buf = this.#buf;
      } else if (Number.isInteger(v) && v > -EXACT_DIGITS_BELOW && v < EXACT_DIGITS_BELOW) {
        if (v < 0) {
          buf[this.#at++] = MINUS;
          this.#digits(-v, digitCount(-v));
        } else {
          this.#digits(v, digitCount(v));
        }
      } else {
        this.value(v);
        buf = this.#buf;
      }
    }
  }

  /** The body written so far (a view of the buffer, not a copy). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  /** The `digits` digits of a non-negative integer below EXACT_DIGITS_BELOW; room reserved by the caller. */
  #digits(n: number, digits: number): void {
    const buf = this.#buf;
    let end = this.#at + digits;
    this.#at = end;
    if (n > INT32_MAX) {
      while (n >= 10) {
        const q = Math.floor(n / 10);
        buf[--end] = ZERO + (n - q * 10);
        n = q;
      }
      buf[--end] = ZERO + n;
      return;
    }
    // small integers: int32 arithmetic, two digits a step
    let m = n | 0;
    while (m >= 100) {
      const q = (m / 100) | 0;
      const pair = m - q * 100;
      buf[--end] = PAIR_LOW[pair];
      buf[--end] = PAIR_HIGH[pair];
      m = q;
    }
    if (m >= 10) {
      buf[--end] = PAIR_LOW[m];
      buf[--end] = PAIR_HIGH[m];
    } else {
      buf[--end] = ZERO + m;
    }
  }

  #reserve(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}

/** How many digits a non-negative integer below EXACT_DIGITS_BELOW has. */
function digitCount(n: number): number {
  if (n < 1e4) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : 4;
  if (n < 1e8) return n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : 8;
  let digits = 9;
  for (let p = 1e9; p <= n; p *= 10) digits++;
  return digits;
}
