/**
 * One access-log line per request, in netdata's layout (1.10 `web_client_request_done`):
 * `2017-02-25 01:57:44: 12: 3301 '[127.0.0.1]:40312' 'DATA' (sent/all = 512/512 bytes -0%,
 * prep/sent/total = 0.41/0.05/0.46 ms) 200 '/api/v1/info'`.
 */
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
 * of ids, as netdata's web clients do.
 */
export class AccessLog {
  #nextId = 1;

  constructor(readonly sink: AccessLogSink) {}

  /** The id of the next request or connection; call once per record. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Writes one line for `record`. */
  write(record: Readonly<AccessRecord>): void {
    this.sink(accessLine(record));
  }
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
