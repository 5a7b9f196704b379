/**
 * A response body written as bytes into one buffer: integers digit by digit, text without
 * intermediate strings, so a large answer is one allocation and goes out with one `end`.
 */
import type { BufferPool } from './body-pool.js';
import { FIXED_DECIMALS, FIXED_FRACTION, FIXED_WHOLE, fixedParts, formatValue, splitFixed } from './number-format.js';

const MINUS = 0x2d;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
/** Below this an integer's digits are split off exactly by float division (and it has at most 15). */
const EXACT_DIGITS_BELOW = 1e15;
const INT32_MAX = 2 ** 31 - 1;
/**
 * The text of 0..9999 as the four bytes of a little-endian uint32 (written in one store), the
 * first digit lowest: `PADDED` zero-padded to four digits, `UNPADDED` without leading zeros (its
 * unused bytes zero), and how many digits that has.
 */
const PADDED = new Uint32Array(10_000);
const UNPADDED = new Uint32Array(10_000);
const UNPADDED_DIGITS = new Uint8Array(10_000);
for (let v = 0; v < 10_000; v++) {
  const digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
  let padded = 0;
  for (let i = 0, rest = v; i < 4; i++, rest = Math.floor(rest / 10)) padded |= (ZERO + (rest % 10)) << (8 * (3 - i));
  PADDED[v] = padded >>> 0;
  UNPADDED[v] = PADDED[v] >>> (8 * (4 - digits));
  UNPADDED_DIGITS[v] = digits;
}
/** Up to this many characters, ASCII text is copied by a loop. */
const SHORT_TEXT_CHARS = 24;
/** Longest text of a finite number (`-1.7976931348623157e+308`), the room a value reserves. */
const NUMBER_MAX_BYTES = 24;

/** Builds one body; `bytes()` ends it. Not reusable after that. */
export class BodyWriter {
  #buf: Buffer;
  readonly #pool: BufferPool | null;
  #released = false;
  /** `#buf` for the four-byte stores of digits. */
  #view: DataView;
  #at = 0;
  readonly #parts = fixedParts();

  /**
   * `sizeHint`: the bytes expected; the buffer grows past it when needed. Its memory is its
   * own, never Node's shared pool of small buffers, so a query thread can hand the body to the
   * main thread without a copy (query-worker.ts). With a `pool`, the buffer is the pool's, and
   * {@link release} gives it back once the body has been sent.
   */
  constructor(sizeHint: number, pool: BufferPool | null = null) {
    this.#pool = pool;
    const bytes = Math.max(64, sizeHint);
    this.#buf = pool ? pool.take(bytes) : Buffer.allocUnsafeSlow(bytes);
    this.#view = viewOf(this.#buf);
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
    this.#digits(n);
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
    const view = this.#view;
    let at = this.#at;
    if (v < 0) buf[at++] = MINUS;
    at = writeUint32(view, at, parts[FIXED_WHOLE]);
    const fraction = parts[FIXED_FRACTION];
    if (fraction !== 0) {
      buf[at++] = DOT;
      for (let zeros = parts[FIXED_DECIMALS] - digitCount(fraction); zeros > 0; zeros--) buf[at++] = ZERO;
      at = writeUint32(view, at, fraction);
    }
    this.#at = at;
  }

  /**
   * `count` values from `values[from]` on, each after a comma, as `value` prints them, NaN as
   * `nullText`: a json row's values, with room reserved once for the row.
   */
  commaValues(values: Float64Array, from: number, count: number, nullText: string): void {
    this.#reserve(count * (Math.max(NUMBER_MAX_BYTES, nullText.length) + 1));
    // the slow paths write through the methods, which reserve on their own: the buffer and the
    // position are taken back after them
    let buf = this.#buf;
    let view = this.#view;
    let at = this.#at;
    for (let i = from, end = from + count; i < end; i++) {
      const v = values[i];
      buf[at++] = COMMA;
      if (v >= 0 && v <= INT32_MAX && (v | 0) === v) {
        at = writeUint32(view, at, v);
      } else if (v < 0 && v >= -INT32_MAX && (v | 0) === v) {
        buf[at++] = MINUS;
        at = writeUint32(view, at, -v);
      } else {
        this.#at = at;
        if (v !== v) this.ascii(nullText);
        else this.value(v);
        buf = this.#buf;
        view = this.#view;
        at = this.#at;
      }
    }
    this.#at = at;
  }

  /** The body written so far (a view of the buffer, not a copy). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  /** Gives the buffer back to the pool it came from (once): no view of it may be read after this. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pool?.give(this.#buf);
  }

  /** The digits of a non-negative integer below EXACT_DIGITS_BELOW; room reserved by the caller. */
  #digits(n: number): void {
    if (n <= INT32_MAX) {
      this.#at = writeUint32(this.#view, this.#at, n);
      return;
    }
    // past int32: split off by float division, from the last digit back
    const buf = this.#buf;
    let end = this.#at + digitCount(n);
    this.#at = end;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--end] = ZERO + (n - q * 10);
      n = q;
    }
    buf[--end] = ZERO + n;
  }

  #reserve(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(grown, 0, 0, this.#at);
    // nothing has seen the old buffer's bytes: it can serve another body at once
    this.#pool?.give(this.#buf);
    this.#buf = grown;
    this.#view = viewOf(grown);
  }
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * The digits of `n`, a non-negative int32, into `view` from `at`, four at a time (a table's
 * uint32 in one store). Returns the position after them. A store may write up to 3 bytes past
 * the digits, which the next writes overwrite: the room the caller reserved covers them (every
 * caller reserves NUMBER_MAX_BYTES a number).
 */
function writeUint32(view: DataView, at: number, n: number): number {
  // as an int32 from here: integer division by constants, table indexes without conversion
  const m = n | 0;
  if (m < 10_000) {
    view.setUint32(at, UNPADDED[m], true);
    return at + UNPADDED_DIGITS[m];
  }
  if (m < 100_000_000) {
    const high = (m / 10_000) | 0;
    view.setUint32(at, UNPADDED[high], true);
    at += UNPADDED_DIGITS[high];
    view.setUint32(at, PADDED[m - high * 10_000], true);
    return at + 4;
  }
  const high = (m / 100_000_000) | 0;
  const rest = m - high * 100_000_000;
  const middle = (rest / 10_000) | 0;
  view.setUint32(at, UNPADDED[high], true);
  at += UNPADDED_DIGITS[high];
  view.setUint32(at, PADDED[middle], true);
  view.setUint32(at + 4, PADDED[rest - middle * 10_000], true);
  return at + 8;
}

/** How many digits a non-negative integer below EXACT_DIGITS_BELOW has. */
function digitCount(n: number): number {
  if (n < 1e4) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : 4;
  if (n < 1e8) return n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : 8;
  let digits = 9;
  for (let p = 1e9; p <= n; p *= 10) digits++;
  return digits;
}
