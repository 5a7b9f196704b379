/**
 * Reader for `health.d/*.conf` (reference §5.1): `key: value` lines, `#` comment lines, a
 * trailing `\` joins the next line, keys are case-insensitive. `alarm:` or `template:` starts a
 * definition and finishes the previous one.
 *
 * Errors name the file and line. A definition whose `on`, `lookup`, `calc`, `warn`, `crit` or
 * `every` cannot be read, or that has no chart/context, no frequency or nothing to evaluate, is
 * skipped with an error; the other definitions of the file load. Smaller mistakes (an unknown
 * key or option, a bad `delay` word) are reported and the definition loads without them, as
 * netdata does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseDurationSecs } from '../config/index.js';
import { ExpressionError, parseExpression, type Expression } from './expression.js';
import { parseLookup } from './lookup-spec.js';
import type { AlarmDefinition, DelaySpec } from './definition.js';

/** What reading files gave: the definitions that load and every error found. */
export interface HealthConfigResult {
  definitions: AlarmDefinition[];
  errors: ConfigError[];
}

/** netdata's longest joined line (`HEALTH_CONF_MAX_LINE`). */
export const MAX_HEALTH_LINE_CHARS = 4096;

type Draft = { -readonly [K in keyof AlarmDefinition]: AlarmDefinition[K] } & { broken: boolean };

const TEMPLATE_ONLY_KEYS = new Set(['families', 'charts']);

/** Replaces characters netdata does not allow in alarm names with `_` (`rrdvar_fix_name`). */
function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._]/g, '_');
}

/** netdata's simple_pattern_trim_around_equal: `name = value` becomes `name=value`. */
function trimAroundEqual(value: string): string {
  return value.replace(/ ?= ?/g, '=');
}

/** netdata's strip_quotes: quotes in units/info/class become spaces. */
function stripQuotes(value: string): string {
  return value.replace(/['"]/g, ' ');
}

function newDraft(kind: 'alarm' | 'template', name: string, file: string, line: number): Draft {
  return {
    kind, name: sanitizeName(name), on: '', file, line, source: `${line}@${file}`,
    os: null, hosts: null, hostLabels: null, families: null, charts: null, plugin: null, module: null,
    lookup: null, calc: null, warn: null, crit: null, updateEverySecs: 0,
    green: NaN, red: NaN, exec: null, to: null, units: '', info: '',
    classification: null, component: null, type: null,
    delay: { upSecs: 0, downSecs: 0, multiplier: 1, maxSecs: 0 },
    warnRepeatSecs: undefined, critRepeatSecs: undefined, noClearNotification: false, broken: false,
  };
}

/** Joins continued lines; yields [first line number, text]. */
function* logicalLines(text: string): Generator<[number, string]> {
  const lines = text.split(/\r?\n/);
  let pending = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    if (!pending && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (!pending) start = i + 1;
    if (trimmed.endsWith('\\') && pending.length + trimmed.length < MAX_HEALTH_LINE_CHARS) {
      pending += trimmed.slice(0, -1) + ' ';
      continue;
    }
    yield [start, pending + trimmed];
    pending = '';
  }
  if (pending) yield [start, pending.trim()];
}

class FileParser {
  readonly definitions: AlarmDefinition[] = [];
  readonly errors: ConfigError[] = [];
  #current: Draft | undefined;

  constructor(readonly file: string) {}

  error(line: number, key: string, message: string): void {
    const section = this.#current ? `${this.#current.kind} ${this.#current.name}` : '';
    this.errors.push(new ConfigError(this.file, line, section, key, message));
  }

  /** An error that makes the current definition unusable. */
  fatal(line: number, key: string, message: string): void {
    this.error(line, key, `${message}; the ${this.#current?.kind ?? 'definition'} is skipped`);
    if (this.#current) this.#current.broken = true;
  }

  parse(text: string): void {
    for (const [line, s] of logicalLines(text)) this.#line(line, s);
    this.#finish();
  }

  #line(line: number, s: string): void {
    const colon = s.indexOf(':');
    if (colon < 0) {
      this.error(line, '', `line does not contain a ':', ignoring it: '${s.slice(0, 80)}'`);
      return;
    }
    const key = s.slice(0, colon).trim().replace(/\s+/g, ' ').toLowerCase();
    // netdata's trim_all: runs of spaces inside the value become one space
    const value = s.slice(colon + 1).trim().replace(/\s+/g, ' ');
    if (!key) return this.error(line, '', 'keyword is empty, ignoring the line');
    if (!value) return this.error(line, key, 'value is empty, ignoring the line');
    if (key === 'alarm' || key === 'template') {
      this.#finish();
      this.#current = newDraft(key, value, this.file, line);
      if (this.#current.name !== value) {
        this.error(line, key, `renamed '${value}' to '${this.#current.name}'`);
      }
      return;
    }
    if (!this.#current) return this.error(line, key, 'key before any alarm or template, ignoring it');
    this.#key(this.#current, line, key, value);
  }

  #key(d: Draft, line: number, key: string, value: string): void {
    if (TEMPLATE_ONLY_KEYS.has(key) && d.kind !== 'template') {
      return this.error(line, key, `'${key}' applies only to templates, ignoring it`);
    }
    switch (key) {
      case 'on': d.on = value; return;
      case 'os': d.os = value; return;
      case 'hosts': d.hosts = value; return;
      case 'host labels': d.hostLabels = trimAroundEqual(value); return;
      case 'families': d.families = value; return;
      case 'charts': d.charts = value; return;
      case 'plugin': d.plugin = value; return;
      case 'module': d.module = value; return;
      case 'lookup': return this.#lookup(d, line, value);
      case 'calc': d.calc = this.#expression(line, key, value); return;
      case 'warn': d.warn = this.#expression(line, key, value); return;
      case 'crit': d.crit = this.#expression(line, key, value); return;
      case 'every': return this.#every(d, line, value);
      case 'green': d.green = this.#number(line, key, value); return;
      case 'red': d.red = this.#number(line, key, value); return;
      case 'exec': d.exec = value; return;
      case 'to': d.to = value; return;
      case 'units': d.units = stripQuotes(value); return;
      case 'info': d.info = stripQuotes(value); return;
      case 'class': d.classification = stripQuotes(value); return;
      case 'component': d.component = stripQuotes(value); return;
      case 'type': d.type = stripQuotes(value); return;
      case 'delay': d.delay = this.#delay(line, value); return;
      case 'repeat': return this.#repeat(d, line, value);
      case 'options': return this.#options(d, line, value);
      default: this.error(line, key, `unknown key '${key}', ignoring it`);
    }
  }

  #lookup(d: Draft, line: number, value: string): void {
    const parsed = parseLookup(value);
    for (const message of parsed.warnings) this.error(line, 'lookup', message);
    if (!parsed.spec) return this.fatal(line, 'lookup', parsed.error ?? 'invalid lookup');
    if (parsed.spec.foreach !== null && d.kind === 'alarm') {
      this.error(line, 'lookup', "'foreach' applies only to templates, ignoring it");
      parsed.spec.foreach = null;
    }
    d.lookup = parsed.spec;
    d.updateEverySecs = parsed.spec.everySecs;
  }

  #expression(line: number, key: string, value: string): Expression | null {
    try {
      return parseExpression(value);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      this.fatal(line, key, err.message);
      return null;
    }
  }

  #every(d: Draft, line: number, value: string): void {
    const secs = parseDurationSecs(value);
    if (secs === undefined) return this.fatal(line, 'every', `cannot parse duration '${value}'`);
    d.updateEverySecs = secs;
  }

  #number(line: number, key: string, value: string): number {
    const match = /^[+-]?(?:nan|inf|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(value);
    if (!match) {
      this.error(line, key, `'${value}' is not a number, using nan`);
      return NaN;
    }
    if (match[0].length < value.length) {
      this.error(line, key, `leaves this string unmatched: '${value.slice(match[0].length)}'`);
    }
    const text = match[0].replace(/^\+/, '');
    if (text.endsWith('nan')) return NaN;
    if (text.endsWith('inf')) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text);
  }

  /** `delay: [up D] [down D] [multiplier F] [max D]` with netdata's defaults. */
  #delay(line: number, value: string): DelaySpec {
    const words = value.split(/\s+/);
    const given: Partial<DelaySpec> = {};
    for (let i = 0; i < words.length; i += 2) {
      const word = words[i].toLowerCase();
      const arg = words[i + 1] ?? '';
      if (word === 'multiplier') {
        const n = Number.parseFloat(arg);
        if (!(n > 0) || !Number.isFinite(n)) this.error(line, 'delay', `invalid value '${arg}' for 'multiplier'`);
        else given.multiplier = n;
        continue;
      }
      const field = word === 'up' ? 'upSecs' : word === 'down' ? 'downSecs' : word === 'max' ? 'maxSecs' : null;
      if (!field) { this.error(line, 'delay', `unknown keyword '${words[i]}'`); continue; }
      const secs = parseDurationSecs(arg);
      if (secs === undefined) this.error(line, 'delay', `invalid value '${arg}' for '${word}'`);
      else given[field] = secs;
    }
    const delay: DelaySpec = {
      upSecs: given.upSecs ?? 0,
      downSecs: given.downSecs ?? 0,
      multiplier: given.multiplier ?? 1,
      maxSecs: given.maxSecs ?? 0,
    };
    if (given.maxSecs === undefined) {
      delay.maxSecs = Math.trunc(Math.max(delay.upSecs * delay.multiplier, delay.downSecs * delay.multiplier));
    }
    return delay;
  }

  /** `repeat: [off] [warning D] [critical D]`. */
  #repeat(d: Draft, line: number, value: string): void {
    const words = value.split(/\s+/);
    for (let i = 0; i < words.length; i += 2) {
      const word = words[i].toLowerCase();
      if (word === 'off') {
        d.warnRepeatSecs = 0;
        d.critRepeatSecs = 0;
        return;
      }
      const secs = parseDurationSecs(words[i + 1] ?? '');
      if (word !== 'warning' && word !== 'critical') {
        this.error(line, 'repeat', `unknown keyword '${words[i]}'`);
      } else if (secs === undefined) {
        this.error(line, 'repeat', `invalid value '${words[i + 1] ?? ''}' for '${word}'`);
      } else if (word === 'warning') {
        d.warnRepeatSecs = secs;
      } else {
        d.critRepeatSecs = secs;
      }
    }
  }

  #options(d: Draft, line: number, value: string): void {
    for (const word of value.split(/\s+/)) {
      const lower = word.toLowerCase();
      if (lower === 'no-clear-notification' || lower === 'no-clear') d.noClearNotification = true;
      else this.error(line, 'options', `ignoring unknown alarm option '${word}'`);
    }
  }

  /** Validates the current definition (netdata's rrdcalc_add_from_config) and keeps it. */
  #finish(): void {
    const d = this.#current;
    this.#current = undefined;
    if (!d) return;
    const what = `${d.kind} '${d.name}'`;
    const reject = (message: string): void => {
      this.errors.push(new ConfigError(this.file, d.line, `${d.kind} ${d.name}`, '', message));
    };
    if (d.broken) return;
    if (!d.on) return reject(`${what} does not have ${d.kind === 'alarm' ? 'a chart' : 'a context'} ('on'), skipped`);
    if (!d.updateEverySecs) return reject(`${what} has no frequency (parameter 'every'), skipped`);
    if (!d.lookup && !d.calc && !d.warn && !d.crit) {
      return reject(`${what} is useless (no lookup, no calc, no warn and no crit), skipped`);
    }
    const { broken: _broken, ...definition } = d;
    this.definitions.push(Object.freeze(definition));
  }
}

/** Parses the text of one health.d file; `file` labels sources and errors. */
export function parseHealthConfig(text: string, file: string): HealthConfigResult {
  const parser = new FileParser(file);
  parser.parse(text);
  return { definitions: parser.definitions, errors: parser.errors };
}

function confFiles(dir: string): string[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith('.conf')).sort();
}

/**
 * Reads every `*.conf` of the user directory, then those of the stock directory whose name the
 * user directory does not have (a user file replaces the stock file of the same name).
 * Definitions come user files first, so a user alarm wins over a stock one of the same name.
 */
export function loadHealthConfig(stockDir: string, userDir: string): HealthConfigResult {
  const result: HealthConfigResult = { definitions: [], errors: [] };
  const userFiles = confFiles(userDir);
  const overridden = new Set(userFiles);
  const files = [
    ...userFiles.map((name) => join(userDir, name)),
    ...confFiles(stockDir).filter((name) => !overridden.has(name)).map((name) => join(stockDir, name)),
  ];
  for (const path of files) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      result.errors.push(new ConfigError(path, 0, '', '', `cannot read file: ${(err as Error).message}`));
      continue;
    }
    const parsed = parseHealthConfig(text, path);
    result.definitions.push(...parsed.definitions);
    result.errors.push(...parsed.errors);
  }
  return result;
}
