/**
 * netdata's plugins.d word splitter (reference §1.3, `quoted_strings_splitter`), written fresh
 * from its documented behaviour:
 * - separators are space, `\t`, `\r`, `\n` and `=` (so `SET x = 5` is `SET x 5`);
 * - a word starting with `'` or `"` runs to the same quote char, separators inside are literal;
 *   the closing quote ends the word like a separator would (`"a"b` is two words);
 * - a quote char in the middle of an unquoted word is literal;
 * - a backslash makes the splitter step over the next char (so `\"` does not close a quote) but
 *   the backslash itself stays in the word;
 * - at most {@link MAX_WORDS} words, keyword included: the last one kept ends at its separator
 *   and everything after it is dropped;
 * - the first word is always returned, even empty (an empty line gives one empty word); a later
 *   word exists only when at least one char follows its separator (or its opening quote).
 *
 * The lines given here exclude their newline, so a quote left open ends at the end of the line.
 */

/** `PLUGINSD_MAX_WORDS` of netdata: keyword plus 19 arguments. */
export const MAX_WORDS = 20;

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const EQUALS = 0x3d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

/** True for the bytes netdata's `pluginsd_space()` treats as separators. */
export function isSeparator(byte: number): boolean {
  return byte === SPACE || byte === EQUALS || byte === TAB || byte === LF || byte === CR;
}

/**
 * Splits `bytes[start, end)` into words without allocating: word `i` is
 * `bytes[spans[2*i], spans[2*i+1])`. `spans` must hold `2 * MAX_WORDS` entries; it is reused by
 * the caller for every line. Returns the number of words (at least 1).
 */
export function splitWords(bytes: Uint8Array, start: number, end: number, spans: Int32Array): number {
  let s = start;
  while (s < end && isSeparator(bytes[s])) s++;
  let quote = 0;
  if (s < end && (bytes[s] === DOUBLE_QUOTE || bytes[s] === SINGLE_QUOTE)) quote = bytes[s++];
  spans[0] = s;
  let count = 1;
  let open = true;
  while (s < end) {
    const c = bytes[s];
    if (c === BACKSLASH && s + 1 < end) {
      s += 2;
      continue;
    }
    if (quote !== 0 ? c !== quote : !isSeparator(c)) {
      s++;
      continue;
    }
    // a closing quote or a separator ends the current word here
    spans[2 * count - 1] = s;
    open = false;
    quote = 0;
    s++;
    while (s < end && isSeparator(bytes[s])) s++;
    if (s < end && (bytes[s] === DOUBLE_QUOTE || bytes[s] === SINGLE_QUOTE)) quote = bytes[s++];
    if (s >= end || count >= MAX_WORDS) break;
    spans[2 * count] = s;
    count++;
    open = true;
  }
  if (open) spans[2 * count - 1] = end;
  return count;
}

/** Whether the word `bytes[start, end)` is exactly `expected` (an id's bytes), without a string. */
export function bytesEqual(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  const length = expected.length;
  if (end - start !== length) return false;
  for (let i = 0; i < length; i++) {
    if (bytes[start + i] !== expected[i]) return false;
  }
  return true;
}

/**
 * The words of `bytes[start, end)` as strings (utf8), split by {@link splitWords} into `spans`.
 * Cold path only: it allocates a string per word.
 */
export function wordsOf(bytes: Buffer, start: number, end: number, spans: Int32Array): string[] {
  const count = splitWords(bytes, start, end, spans);
  const words = new Array<string>(count);
  for (let i = 0; i < count; i++) words[i] = bytes.toString('utf8', spans[2 * i], spans[2 * i + 1]);
  return words;
}

/** `words[i]`, or undefined past the last word (a missing optional argument). */
export function wordAt(words: readonly string[], i: number): string | undefined {
  return i < words.length ? words[i] : undefined;
}

const stringSpans = new Int32Array(2 * MAX_WORDS);

/**
 * Splits one line (without its newline) into words as netdata does. For tests, definitions and
 * other cold paths; the data path uses {@link splitWords} on the received bytes.
 */
export function tokenize(line: string): string[] {
  const bytes = Buffer.from(line, 'utf8');
  return wordsOf(bytes, 0, bytes.length, stringSpans);
}
