/**
 * The agent's log: one line per event, netdata's layout
 * (`2017-02-25 01:57:44: tributary INFO : message`), written to stderr or to a sink set by the
 * agent (the log directory's error.log). Levels mean consequences: ERROR = data lost or an
 * operator must act; WARN = unexpected, nothing lost; INFO = what the operator did worked.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Where finished log lines go; the default writes to stderr. */
export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stderr.write(line);
let program = 'tributary';
let debugEnabled = false;

/** Redirects every later log line (tests capture lines with this). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** The name written after the timestamp (default `tributary`). */
export function setLogProgram(name: string): void {
  program = name;
}

/** Whether DEBUG lines are written (default off). */
export function setDebug(enabled: boolean): void {
  debugEnabled = enabled;
}

/** Whether DEBUG lines are written now. */
export function isDebugEnabled(): boolean {
  return debugEnabled;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function stamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Writes one line at a level; the message should name its source (plugin, socket, file). */
export function log(level: LogLevel, message: string): void {
  if (level === 'DEBUG' && !debugEnabled) return;
  const tag = level === 'INFO' ? 'INFO ' : level === 'WARN' ? 'WARN ' : level;
  sink(`${stamp(new Date())}: ${program} ${tag}: ${message}\n`);
}

/** `log('INFO', message)`; likewise warn, error and debug below. */
export const info = (message: string): void => log('INFO', message);
export const warn = (message: string): void => log('WARN', message);
export const error = (message: string): void => log('ERROR', message);
export const debug = (message: string): void => log('DEBUG', message);

/**
 * Lets a noisy source log at most `perPeriod` lines every `periodMs`; the first line after a
 * quiet period reports how many were suppressed (netdata's errors flood protection).
 */
export class LogThrottle {
  #windowStartMs = 0;
  #inWindow = 0;
  #suppressed = 0;

  constructor(readonly perPeriod = 200, readonly periodMs = 1200_000) {}

  log(level: LogLevel, message: string, nowMs = Date.now()): void {
    if (nowMs - this.#windowStartMs >= this.periodMs) {
      if (this.#suppressed > 0) log(level, `${this.#suppressed} similar log lines were suppressed`);
      this.#windowStartMs = nowMs;
      this.#inWindow = 0;
      this.#suppressed = 0;
    }
    if (this.#inWindow++ < this.perPeriod) log(level, message);
    else this.#suppressed++;
  }
}
