/**
 * netdata's query-string reading (`web/api/web_api_v1.c`): split at `&`, then at the first `=`,
 * values URL-decoded (`+` is a space); a name or value that is empty is skipped.
 */

/** One name → value pair per occurrence, in order. */
export type Params = Array<[name: string, value: string]>;

/** One URL-encoded component: `%XX` sequences decoded, `+` as a space; the text as given when malformed. */
export function urlDecode(text: string): string {
  // most names and values have nothing to decode
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Parses a raw query string (without `?`). */
export function parseParams(queryString: string): Params {
  const out: Params = [];
  for (const part of queryString.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = urlDecode(part.slice(0, eq));
    const value = urlDecode(part.slice(eq + 1));
    if (name && value) out.push([name, value]);
  }
  return out;
}

/** The last value of a parameter, or undefined. */
export function param(params: Params, ...names: string[]): string | undefined {
  let found: string | undefined;
  for (const [name, value] of params) if (names.includes(name)) found = value;
  return found;
}

/** netdata's `str2l`: leading integer, 0 when none. */
export function toInteger(text: string | undefined, fallback = 0): number {
  if (text === undefined) return fallback;
  const n = parseInt(text, 10);
  return Number.isNaN(n) ? 0 : n;
}

/** netdata's `fix_google_param`: anything but alphanumerics, `.`, `_`, `-` becomes `_`. */
export function safeIdentifier(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}
