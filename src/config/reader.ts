/**
 * Typed reading of a parsed document: every key read goes through `read()`, which parses it,
 * collects a `ConfigError` for a bad value (and uses the default instead), remembers the key as
 * known, and records the effective value (set or default) for `GET /netdata.conf`. After all
 * reads, `reportUnknown()` names every section and key nobody asked for.
 */
import { ConfigError, type ConfigDocument, type ConfigEntry } from './types.js';
import type { ParsedConfig, SectionOrigin } from './document.js';
import { warn } from '../log.js';
import { BadValue, CONFIG_LINE_MAX_BYTES, cutToUtf8Bytes } from './values.js';

/** What a line holds besides its key and value: ` = `. */
const SEPARATOR_BYTES = 3;

/** A key's place: `[section]` and key name. */
export type KeyName = readonly [section: string, key: string];

/** One setting: where it may be written, how to parse it, and its netdata default. */
export interface KeySpec<T> {
  /** Names in priority order: the first one that is set wins. */
  names: readonly KeyName[];
  /** Where the effective config shows it (default: the last of `names`, the oldest name). */
  shownAt?: KeyName;
  parse: (text: string) => T;
  fallback: T;
  /** How the default is written in the effective config (default: `renderValue`). */
  render?: (value: T) => string;
}

/** Writes a value the way netdata writes it in `netdata.conf`. */
function renderValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.join(' ');
  return String(value);
}

/** Where a `-W set` override comes from in entries and errors. */
export const OVERRIDE_FILE = '-W set';

/** Applies `-W set SECTION KEY VALUE` overrides on top of a parsed file (they win). */
export function applyOverrides(parsed: ParsedConfig, overrides: ReadonlyArray<readonly [string, string, string]>): void {
  overrides.forEach(([section, key, value], i) => {
    let keys = parsed.document.get(section);
    if (!keys) {
      keys = new Map();
      parsed.document.set(section, keys);
      parsed.sectionLines.set(section, { file: OVERRIDE_FILE, line: i + 1 });
    }
    keys.set(key, { value: value.trim(), file: OVERRIDE_FILE, line: i + 1 });
  });
}

/** One error listing all of a file's problems (`errors` holds the `ConfigError`s). */
export function configErrors(file: string, errors: ConfigError[]): AggregateError {
  const lines = errors.map((e) => `  ${e.message}`).join('\n');
  return new AggregateError(errors, `${errors.length} error${errors.length === 1 ? '' : 's'} in ${file}:\n${lines}`);
}

/** Reads one parsed file; create it, read every key, then call `reportUnknown()` once. */
export class ConfigReader {
  readonly errors: ConfigError[];
  /** The effective document: every key read, in read order, set or default. */
  readonly effective: ConfigDocument = new Map();
  readonly #document: ConfigDocument;
  readonly #sectionLines: Map<string, SectionOrigin>;
  readonly #known = new Map<string, Set<string>>();
  /** Keys read through `read()`: shown at their canonical name, never copied as written. */
  readonly #read = new Set<string>();
  readonly #file: string;

  constructor(parsed: ParsedConfig, file: string) {
    this.#document = parsed.document;
    this.#sectionLines = parsed.sectionLines;
    this.errors = [...parsed.errors];
    this.#file = file;
    this.#boundValues();
  }

  /**
   * Cuts every value whose line is longer than netdata reads (`CONFIG_LINE_MAX_BYTES`) where
   * netdata cuts it, with a warning naming the file and line: a 100 MB hostname is not kept.
   */
  #boundValues(): void {
    for (const [section, keys] of this.#document) {
      for (const [key, entry] of keys) {
        const room = Math.max(0, CONFIG_LINE_MAX_BYTES - Buffer.byteLength(key) - SEPARATOR_BYTES);
        const value = cutToUtf8Bytes(entry.value, room);
        if (value.length === entry.value.length) continue;
        warn(`${entry.file}:${entry.line}: [${section}] ${key}: the line is longer than the ${CONFIG_LINE_MAX_BYTES} bytes ` +
          `netdata reads (${Buffer.byteLength(entry.value)} bytes of value); keeping the first ${Buffer.byteLength(value)} bytes, as netdata does`);
        keys.set(key, { ...entry, value: value.trimEnd() });
      }
    }
  }

  /** The entry as written, if any. Marks the key known. */
  entry(section: string, key: string): ConfigEntry | undefined {
    this.markKnown(section, [key]);
    return this.#document.get(section)?.get(key);
  }

  /** Reads one setting; a bad value is reported and the default used. */
  read<T>(spec: KeySpec<T>): T {
    let found: { name: KeyName; entry: ConfigEntry } | undefined;
    for (const name of spec.names) {
      this.#read.add(`${name[0]}\0${name[1]}`);
      const entry = this.entry(name[0], name[1]);
      if (entry && !found) found = { name, entry };
    }
    const shownAt = spec.shownAt ?? spec.names[spec.names.length - 1];
    if (found) {
      this.#show(shownAt, found.entry);
      try {
        return spec.parse(found.entry.value);
      } catch (err) {
        if (!(err instanceof BadValue)) throw err;
        this.fail(found.entry, found.name[0], found.name[1], err.message);
        return spec.fallback;
      }
    }
    const render = spec.render ?? renderValue;
    this.#show(shownAt, { value: render(spec.fallback), file: '', line: 0, isDefault: true });
    return spec.fallback;
  }

  /** Shorthand for a setting with one name. */
  value<T>(section: string, key: string, parse: (text: string) => T, fallback: T, render?: (value: T) => string): T {
    return this.read({ names: [[section, key]], parse, fallback, render });
  }

  /** Declares keys netdata has that this agent accepts but does not use. */
  markKnown(section: string, keys: Iterable<string>): void {
    let set = this.#known.get(section);
    if (!set) this.#known.set(section, (set = new Set()));
    for (const key of keys) set.add(key);
  }

  /** Every section as written, with its keys (for open sections such as `[host labels]`). */
  sections(): ConfigDocument {
    return this.#document;
  }

  /** Records a bad value or key. */
  fail(entry: { file: string; line: number } | undefined, section: string, key: string, message: string): void {
    this.errors.push(new ConfigError(entry?.file ?? this.#file, entry?.line ?? 0, section, key, message));
  }

  /**
   * Reports unknown sections and keys. `isOpen(section)` says a section takes any key (its
   * entries are copied to the effective document as written); known-but-unused keys that are
   * set are copied too.
   */
  reportUnknown(isOpen: (section: string) => boolean, what: string): void {
    for (const [section, keys] of this.#document) {
      const known = this.#known.get(section);
      if (isOpen(section)) {
        for (const [key, entry] of keys) if (!known?.has(key)) this.#show([section, key], entry);
        continue;
      }
      if (!known) {
        const origin = this.#sectionLines.get(section);
        this.fail(origin, section, '', `unknown section in ${what}`);
        continue;
      }
      for (const [key, entry] of keys) {
        if (!known.has(key)) this.fail(entry, section, key, `unknown key in ${what}`);
        else if (!this.#read.has(`${section}\0${key}`)) this.#show([section, key], entry);
      }
    }
    this.errors.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  }

  #show([section, key]: KeyName, entry: ConfigEntry): void {
    let keys = this.effective.get(section);
    if (!keys) this.effective.set(section, (keys = new Map()));
    keys.set(key, entry);
  }
}
