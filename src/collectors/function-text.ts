/**
 * The text of a function call as netdata 1.37 reads it (`rrdfunctions.c`), shared by every place
 * a call arrives: the API (`/api/v1/function`) and a parent's FUNCTION down the stream.
 */

/** Longest function name with its arguments (netdata's MAX_FUNCTION_LENGTH). */
export const MAX_FUNCTION_TEXT_BYTES = 14848;
/** Characters netdata 1.37 replaces with `_` in a function's text before looking it up. */
const REPLACED_WITH_UNDERSCORE = '"\'`!#$%&;<>|*?(){}[]~';

/**
 * netdata's sanitizing of a function's text: control characters become spaces, quotes and
 * shell specials `_`, a backslash `/`, spaces are squeezed; cut to the longest text allowed.
 * The result can be written inside double quotes on a plugin's stdin.
 */
export function sanitizeFunctionText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 32) out += ' ';
    else if (ch === '\\') out += '/';
    else if (code >= 127 || REPLACED_WITH_UNDERSCORE.includes(ch)) out += '_';
    else out += ch;
  }
  out = out.trim().replace(/ {2,}/g, ' ');
  const bytes = Buffer.from(out, 'utf8');
  return bytes.length > MAX_FUNCTION_TEXT_BYTES ? bytes.subarray(0, MAX_FUNCTION_TEXT_BYTES).toString('utf8') : out;
}

/** netdata's lookup: the whole text, then without its last word, and so on. */
export function findFunction<F extends { readonly name: string }>(text: string, functions: readonly F[]): F | undefined {
  const words = text.split(' ');
  for (let n = words.length; n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    const fn = functions.find((f) => f.name === name);
    if (fn) return fn;
  }
  return undefined;
}
