/**
 * Reader for netdata's ini-like files (`netdata.conf`, `stream.conf`), reference §8.
 *
 * The `ini` package reads a different dialect (it splits sections at dots, cuts values at an
 * inline `;`, turns `true` into a boolean and `key[]` into an array, and keeps no line numbers;
 * `document.test.ts` pins each case), so this is a small reader of its own:
 * - `[name]` starts a section; the name is everything between the brackets, trimmed
 *   (`[plugin:python.d]` is one section, `[plugin:proc:/proc/stat]` too);
 * - a line whose first non-blank character is `#` is a comment; a `#` or `;` later on a line
 *   is part of the value;
 * - `name = value`: the name is trimmed text before the first `=`, the value is everything
 *   after it, trimmed (a value may itself contain `=`);
 * - a later key overrides an earlier one; a repeated section header continues the section.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigDocument, type ConfigEntry } from './types.js';

/** Where a section header was read. */
export interface SectionOrigin {
  file: string;
  line: number;
}

/** A parsed file: the document, the line each section first appeared on, and syntax errors. */
export interface ParsedConfig {
  readonly document: ConfigDocument;
  /** Where each section first appeared (for an unknown-section error). */
  readonly sectionLines: Map<string, SectionOrigin>;
  readonly errors: ConfigError[];
}

/** Parses the text of one file; `file` is only used to label entries and errors. */
export function parseConfigText(text: string, file: string): ParsedConfig {
  const document: ConfigDocument = new Map();
  const sectionLines = new Map<string, SectionOrigin>();
  const errors: ConfigError[] = [];
  let section: Map<string, ConfigEntry> | undefined;
  let sectionName = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const s = lines[i].trim();
    if (s === '' || s.startsWith('#')) continue;
    if (s.startsWith('[')) {
      if (!s.endsWith(']') || s.length < 3) {
        errors.push(new ConfigError(file, line, sectionName, '', `bad section header ${quote(s)}`));
        continue;
      }
      sectionName = s.slice(1, -1).trim();
      section = document.get(sectionName);
      if (!section) {
        section = new Map();
        document.set(sectionName, section);
        sectionLines.set(sectionName, { file, line });
      }
      continue;
    }
    const eq = s.indexOf('=');
    const key = eq < 0 ? '' : s.slice(0, eq).trim();
    if (key === '') {
      errors.push(new ConfigError(file, line, sectionName, '', `expected 'name = value', got ${quote(s)}`));
      continue;
    }
    if (!section) {
      errors.push(new ConfigError(file, line, '', key, 'key outside of any [section]'));
      continue;
    }
    section.set(key, { value: s.slice(eq + 1).trim(), file, line });
  }
  return { document, sectionLines, errors };
}

/** Reads and parses one file; an unreadable file is one error at line 0. */
export function readConfigFile(file: string): ParsedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    return { document: new Map(), sectionLines: new Map(), errors: [new ConfigError(file, 0, '', '', `cannot read the file (${reason})`)] };
  }
  return parseConfigText(text, file);
}

const MAX_QUOTED_CHARS = 120;

/** Quotes input for an error message, cut to a fixed length. */
export function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}...` : text);
}
