/**
 * One access-log line per request, in netdata's layout (1.10 `web_client_request_done`):
 * `2017-02-25 01:57:44: 12: 3301 '[127.0.0.1]:40312' 'DATA' (sent/all = 512/512 bytes -0%,
 * prep/sent/total = 0.41/0.05/0.46 ms) 200 '/api/v1/info'`.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { error } from '../log.js';
import { urlDecode } from './params.js';

/** Where access lines go (without the trailing newline). */
export type AccessLogSink = (line: string) => void;

/** What one access line says. */
export interface AccessRecord {
  id: number;
  ip: string;
  port: number;
  /** `DATA`, `FILECOPY`, `OPTIONS` or `STREAM`. */
  mode: string;
  sentBytes: number;
  sizeBytes: number;
  prepMs: number;
  sentMs: number;
  totalMs: number;
  status: number;
  url: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** netdata's `log_date`: local `YYYY-MM-DD HH:MM:SS`. */
export function logDate(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Formats one access line. */
export function accessLine(r: AccessRecord, when: Date = new Date()): string {
  const saved = r.sizeBytes > 0 ? ((r.sizeBytes - r.sentBytes) / r.sizeBytes) * 100 : 0;
  const pct = (-saved).toFixed(0);
  const percent = saved === 0 ? '-0' : pct;
  return `${logDate(when)}: ${r.id}: ${process.pid} '[${r.ip}]:${r.port}' '${r.mode}' ` +
    `(sent/all = ${r.sentBytes}/${r.sizeBytes} bytes ${percent}%, ` +
    `prep/sent/total = ${r.prepMs.toFixed(2)}/${r.sentMs.toFixed(2)}/${r.totalMs.toFixed(2)} ms) ` +
    `${r.status} '${r.url}'`;
}

/**
 * The access log of one web server: HTTP requests and stream connections share one sequence
 * of ids, as netdata's web clients do. A line is formatted only when it is written: callers ask
 * `enabled()` before they gather a record, so a log that is off (`[logs] access = none`, or the
 * agent log's DEBUG when that is off) costs a request nothing but its id.
 */
export class AccessLog {
  #nextId = 1;

  /** `sink` null: no access log. `enabled`: whether lines are wanted now (default: a sink is given). */
  constructor(readonly sink: AccessLogSink | null, readonly enabled: () => boolean = () => sink !== null) {}

  /** The id of the next request or connection; call once per record, logged or not. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Writes one line for `record`, if the log is enabled. */
  write(record: Readonly<AccessRecord>): void {
    if (this.sink !== null && this.enabled()) this.sink(accessLine(record));
  }
}

/** An access log file and its end; made by `openAccessLogFile`. */
export interface AccessLogFile {
  readonly sink: AccessLogSink;
  /** Writes what is pending and closes the file. */
  close(): void;
}

/** Pending access lines past this many characters are written at once. */
const ACCESS_BATCH_MAX_CHARS = 64 * 1024;
/** Longest an access line waits to be written. */
const ACCESS_FLUSH_MS = 1000;

/**
 * Appends access lines to `path`, buffered as netdata's stdio stream is: lines go out together
 * once ACCESS_BATCH_MAX_CHARS are pending or ACCESS_FLUSH_MS after the first of them, instead of
 * one write, and one hop to the file system's thread, per request (measured: about a third of
 * what a small `/api/v1/data` answer cost the process). Its directory is made when missing. A
 * directory that cannot be made or a file that cannot be written (a read-only or full disk) is
 * said once, naming the file, and the lines are dropped from then on: the access log never
 * stops the agent or its web server.
 */
export function openAccessLogFile(path: string): AccessLogFile {
  let file: WriteStream | null = null;
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const fail = (err: unknown): void => {
    file?.destroy();
    file = null;
    pending = '';
    error(`access log ${path}: ${err instanceof Error ? err.message : String(err)}; access lines are not written`);
  };
  try {
    mkdirSync(dirname(path), { recursive: true });
    file = createWriteStream(path, { flags: 'a' });
    file.on('error', fail);
  } catch (err) {
    fail(err);
  }
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending === '') return;
    file?.write(pending);
    pending = '';
  };
  return {
    sink(line) {
      if (file === null) return;
      pending += `${line}\n`;
      if (pending.length >= ACCESS_BATCH_MAX_CHARS) flush();
      else if (timer === null) timer = setTimeout(flush, ACCESS_FLUSH_MS).unref();
    },
    close() {
      flush();
      file?.end();
    },
  };
}

const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * The URL netdata logs for a stream connection: the request target after `STREAM ` (up to the
 * next space or line end) URL-decoded, control characters as spaces. Like netdata, it keeps
 * every parameter, the `key=` API key included.
 */
export function streamRequestTarget(head: Buffer, prefixBytes: number): string {
  let end = prefixBytes;
  while (end < head.length && head[end] !== SPACE && head[end] !== CR && head[end] !== LF) end++;
  return urlDecode(head.toString('utf8', prefixBytes, end)).replace(CONTROL_CHARACTERS, ' ');
}
