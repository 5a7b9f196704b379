/**
 * A response body written as bytes into one buffer: integers digit by digit, text without
 * intermediate strings, so a large answer is one allocation and goes out with one `end`.
 */
import { formatValue } from './number-format.js';

const MINUS = 0x2d;
const ZERO = 0x30;
/** Below this an integer's digits are split off exactly by float division (and it has at most 15). */
const EXACT_DIGITS_BELOW = 1e15;
/** Up to this many characters, ASCII text is copied by a loop. */
const SHORT_TEXT_CHARS = 24;
/** Longest text of a finite number (`-1.7976931348623157e+308`), the room a value reserves. */
const NUMBER_MAX_BYTES = 24;

/** Builds one body; `bytes()` ends it. Not reusable after that. */
export class BodyWriter {
  #buf: Buffer;
  #at = 0;

  /** `sizeHint`: the bytes expected; the buffer grows past it when needed. */
  constructor(sizeHint: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  /** Any text (UTF-8). */
  text(s: string): void {
    this.#reserve(s.length * 3);
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
    const buf = this.#buf;
    let at = this.#at;
    if (n < 0) {
      buf[at++] = MINUS;
      n = -n;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let end = at + digits;
    this.#at = end;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      buf[--end] = ZERO + (n - q * 10);
      n = q;
    }
    buf[--end] = ZERO + n;
  }

  /** A stored or computed value as `formatValue` prints it. */
  value(v: number): void {
    if (Number.isInteger(v) && v > -EXACT_DIGITS_BELOW && v < EXACT_DIGITS_BELOW) this.integer(v);
    else this.ascii(formatValue(v));
  }

  /** The body written so far (a view of the buffer, not a copy). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  #reserve(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}
