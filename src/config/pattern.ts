/**
 * netdata simple patterns (reference §3): a list of words separated by whitespace (or by the
 * caller's separators), `\` escapes the next character, `!` makes a word negative, `*` is the
 * only wildcard. Words are tried left to right and the first match wins; no match, an empty
 * list or an empty subject means false. Matching is case-sensitive and exact where a word has
 * no `*`.
 *
 * Each word is compiled once with picomatch (`{ bash: true, dot: true }`, every character but
 * `*` escaped, see DESIGN). picomatch still refuses `.` and `..` as path segments even with
 * `dot` (`*` misses `..`, `a*` misses `a/../b`), which netdata does not; so dots are swapped for
 * a control character in both the compiled word and the subject, and picomatch never sees one.
 */
import picomatch from 'picomatch';

/** A compiled simple pattern; immutable, safe to share. */
export interface SimplePattern {
  /** The text it was made from. */
  readonly text: string;
  /** Whether `subject` matches (first matching word decides; none → false). */
  matches(subject: string): boolean;
}

interface Word {
  negative: boolean;
  regex: RegExp;
}

const PICOMATCH_OPTIONS = { bash: true, dot: true } as const;
/** Stands in for `.` on both sides of picomatch (see the file comment). */
const DOT_STAND_IN = '\u0001';
const ALPHANUMERIC = /[A-Za-z0-9_]/;

/**
 * Compiles `text`. `separators` replaces the default whitespace set (space, tab, CR, LF, FF,
 * VT) with the given characters, e.g. `',|'`.
 */
export function createSimplePattern(text: string, separators?: string): SimplePattern {
  const words = splitWords(text, separators).map(compileWord);
  return Object.freeze({
    text,
    matches(subject: string): boolean {
      if (subject === '') return false;
      const s = subject.includes('.') ? subject.replaceAll('.', DOT_STAND_IN) : subject;
      for (const word of words) if (word.regex.test(s)) return !word.negative;
      return false;
    },
  });
}

interface RawWord {
  chars: string;
  /** A leading `!` that was not escaped. */
  negative: boolean;
}

function splitWords(text: string, separators: string | undefined): RawWord[] {
  const isSeparator = separators === undefined
    ? (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v'
    : (ch: string) => separators.includes(ch);
  const words: RawWord[] = [];
  let current: RawWord = { chars: '', negative: false };
  const finish = (): void => {
    if (current.chars !== '') words.push(current);
    current = { chars: '', negative: false };
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current.chars += text[++i];
    } else if (isSeparator(ch)) {
      finish();
    } else if (ch === '!' && current.chars === '' && !current.negative) {
      current.negative = true;
    } else {
      current.chars += ch;
    }
  }
  finish();
  return words;
}

function compileWord(word: RawWord): Word {
  let glob = '';
  for (const ch of word.chars) {
    if (ch === '*') glob += '*';
    else if (ch === '.') glob += DOT_STAND_IN;
    else glob += ALPHANUMERIC.test(ch) ? ch : `\\${ch}`;
  }
  return { negative: word.negative, regex: picomatch.makeRe(glob, PICOMATCH_OPTIONS) };
}
