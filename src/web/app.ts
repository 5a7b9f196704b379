/**
 * The HTTP application over `node:http`: access log, netdata's error answers, the CORS headers,
 * the `/host/NAME/` prefix, the preflight, the API routes and the dashboard files. One request
 * runs through plain function calls and is answered by one `writeHead` and one `end`.
 */
import type * as http from 'node:http';
import type { Host } from '../database/index.js';
import type { AccessLog } from './access-log.js';
import { createApiRouter } from './api-routes.js';
import { CONTENT_TYPE } from './data-format.js';
import { splitTarget, writeAnswer, type Exchange } from './exchange.js';
import { HttpError, methodNotAllowed, type ApiResponse } from './http-error.js';
import { htmlEscape } from './number-format.js';
import { clientIp } from './patterns.js';
import { createStaticHandler } from './static-files.js';
import type { WebContext } from './web-context.js';

const HOST_PREFIX = /^\/host\/([^/]+)(\/.*)?$/;
const API_VERSION = /^\/api\/([^/]*)/;

/** An answer and whether it is a file (the access log's `FILECOPY`). */
interface Answer extends ApiResponse {
  file?: boolean;
}

/** Hears a request that failed with something other than an HttpError (answered 500). */
export type RequestErrorListener = (err: unknown) => void;

/** CORS preflight answers as netdata 1.37 writes them (web_client.c, WEB_CLIENT_MODE_OPTIONS). */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
  'Access-Control-Allow-Headers': 'accept, x-requested-with, origin, content-type, cookie, pragma, cache-control, x-auth-token',
  'Access-Control-Max-Age': '1209600',
};

const INTERNAL_ERROR = 'Internal server error.';

/** netdata answers errors as plain text with the status (html for a missing file); anything unexpected is a 500. */
function errorAnswer(x: Exchange, err: unknown, onError: RequestErrorListener): Answer {
  if (!(err instanceof HttpError)) {
    onError(err);
    return { status: 500, contentType: CONTENT_TYPE.text, body: INTERNAL_ERROR };
  }
  const html = err.status === 404 && !x.path.startsWith('/api/');
  return { status: err.status, contentType: html ? CONTENT_TYPE.html : CONTENT_TYPE.text, body: err.message, headers: err.headers };
}

function findHost(w: WebContext, name: string): Host | undefined {
  return w.registry.hosts().find((h) => h.hostname === name) ?? w.registry.find(name);
}

/**
 * `/host/NAME/...` → that host (by hostname, then machine GUID), the prefix taken off `x.path`;
 * `/host/NAME` alone → the 301 to `/host/NAME/`, returned; otherwise undefined.
 */
function hostPrefix(w: WebContext, x: Exchange): Answer | undefined {
  if (!x.path.startsWith('/host/')) return undefined;
  const m = HOST_PREFIX.exec(x.path);
  if (!m) return undefined;
  const name = m[1].includes('%') ? decodeURIComponent(m[1]) : m[1];
  if (m[2] === undefined) {
    const search = x.querystring ? `?${x.querystring}` : '';
    return { status: 301, contentType: CONTENT_TYPE.text, body: 'Permanent redirect', headers: { Location: `${x.path}/${search}` } };
  }
  const host = findHost(w, name);
  if (!host) throw new HttpError(404, `This netdata does not maintain a database for host: ${htmlEscape(name)}`);
  if (HOST_PREFIX.test(m[2])) throw new HttpError(400, 'Nesting of hosts is not allowed.');
  x.host = host;
  x.path = m[2];
  return undefined;
}

/** `OPTIONS` on any path: netdata's "OK" with the preflight headers, to a client allowed anything. */
function preflight(w: WebContext, x: Exchange): Answer {
  const address = x.remoteAddress;
  if (!w.allowDashboard(address) && !w.allowBadges(address) && !w.allowNetdataConf(address)) {
    throw new HttpError(403, 'You are not allowed to access this resource.');
  }
  return { status: 200, contentType: CONTENT_TYPE.text, body: 'OK', headers: PREFLIGHT_HEADERS };
}

/**
 * Builds the request listener; `log` receives one line per finished request, `onError` every
 * unexpected failure.
 */
export function createApp(w: WebContext, log: AccessLog, onError: RequestErrorListener): http.RequestListener {
  const routeApi = createApiRouter(w);
  const serveFile = createStaticHandler(w.config.global.directories.web);

  /** Paths no route took: netdata's API errors, 405, then a dashboard file. */
  const fallback = (x: Exchange): Promise<Answer> => {
    const api = API_VERSION.exec(x.path);
    if (api && api[1] !== 'v1') throw new HttpError(404, `Unsupported API version: ${htmlEscape(api[1])}`);
    if (api) throw new HttpError(404, `Unsupported v1 API command: ${htmlEscape(x.path.slice(8))}`);
    if (x.method !== 'GET' && x.method !== 'HEAD') throw methodNotAllowed(x.method, x.path);
    if (!w.allowDashboard(x.remoteAddress)) throw new HttpError(403, 'You are not allowed to access this resource.');
    return serveFile(x.path).then((r): Answer => ({ ...r, file: true }));
  };

  const route = (x: Exchange): Answer | Promise<Answer> =>
    hostPrefix(w, x) ?? (x.method === 'OPTIONS' ? preflight(w, x) : routeApi(x) ?? fallback(x));

  return (req, res) => {
    const logged = log.enabled();
    const started = logged ? process.hrtime.bigint() : 0n;
    const id = log.nextId();
    const url = req.url ?? '/';
    const { path, querystring } = splitTarget(url);
    const socket = req.socket;
    const x: Exchange = { method: req.method ?? 'GET', path, querystring, remoteAddress: socket.remoteAddress, host: w.registry.localhost };
    const origin = req.headers.origin || '*';

    const finish = (a: Answer): void => {
      // a client gone before the answer was ready gets none (and no access line)
      if (res.writableEnded || res.destroyed) {
        a.release?.();
        return;
      }
      // a pool's body is read until the response is written or abandoned, both of which end in 'close'
      if (a.release) res.once('close', a.release);
      let bytes = 0;
      if (logged) {
        const prepared = process.hrtime.bigint();
        res.once('finish', () => {
          const done = process.hrtime.bigint();
          const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;
          log.write({
            id, ip: clientIp(socket.remoteAddress), port: socket.remotePort ?? 0,
            mode: x.method === 'OPTIONS' ? 'OPTIONS' : a.file ? 'FILECOPY' : 'DATA',
            sentBytes: bytes, sizeBytes: bytes, prepMs: ms(started, prepared), sentMs: ms(prepared, done),
            totalMs: ms(started, done), status: res.statusCode, url,
          });
        });
      }
      try {
        bytes = writeAnswer(req, res, a.status, {
          'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true',
          'Content-Type': a.contentType, ...a.headers,
        }, a.body);
      } catch (err) {
        // a header Node refuses to send (an Origin it cannot echo)
        onError(err);
        if (res.headersSent) res.destroy();
        else bytes = writeAnswer(req, res, 500, { 'Content-Type': CONTENT_TYPE.text }, INTERNAL_ERROR);
      }
    };
    const fail = (err: unknown): void => finish(errorAnswer(x, err, onError));

    let answer: Answer | Promise<Answer>;
    try {
      answer = route(x);
    } catch (err) {
      answer = errorAnswer(x, err, onError);
    }
    if (answer instanceof Promise) answer.then(finish, fail);
    else finish(answer);
  };
}
