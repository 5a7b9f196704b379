/**
 * One HTTP request as the routes read it, and the one way an answer is written: status and
 * every header in one `writeHead`, the body in one `end`.
 */
import type * as http from 'node:http';
import type { Host } from '../database/index.js';

/** What the routes read of a request; made by the app, which alone sees `req`. */
export interface Exchange {
  readonly method: string;
  /** The path after the `/host/NAME` prefix (the app takes it off), not decoded, without `?`. */
  path: string;
  /** The query string as sent, without `?` ('' when none). */
  readonly querystring: string;
  /** The client's address as the socket gives it (maybe IPv4-mapped IPv6). */
  readonly remoteAddress: string | undefined;
  /** The host the request is about: the local one, or the one `/host/NAME/` names. */
  host: Host;
}

/** The path and query string of a request target (`/a/b?x=1`, or an absolute-form URL). */
export function splitTarget(url: string): { path: string; querystring: string } {
  if (url.charCodeAt(0) !== 0x2f || url.includes('#')) {
    // absolute-form (`http://h/p?q`) or a fragment: rare, so the URL parser is fine here
    try {
      const u = new URL(url, 'http://localhost');
      return { path: u.pathname, querystring: u.search.slice(1) };
    } catch {
      return { path: url, querystring: '' };
    }
  }
  const q = url.indexOf('?');
  return q < 0 ? { path: url, querystring: '' } : { path: url.slice(0, q), querystring: url.slice(q + 1) };
}

/**
 * Writes a whole answer: `headers` (without Content-Length, which this adds) in one
 * `writeHead`, then the body, or none for HEAD. Returns the body's length in bytes.
 */
export function writeAnswer(req: http.IncomingMessage, res: http.ServerResponse, status: number,
  headers: http.OutgoingHttpHeaders, body: string | Buffer): number {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  headers['Content-Length'] = bytes.length;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') res.end();
  else res.end(bytes);
  return bytes.length;
}
