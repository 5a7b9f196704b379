/**
 * The Koa application: access log, netdata's error answers, the `/host/NAME/` prefix, the API
 * routes and the dashboard files.
 */
import Koa, { type Context, type Next } from 'koa';
import type { Host } from '../database/types.js';
import type { AccessLog } from './access-log.js';
import { createApiRouter } from './api-routes.js';
import { HttpError, methodNotAllowed } from './http-error.js';
import { htmlEscape } from './number-format.js';
import { clientIp } from './patterns.js';
import { createStaticHandler } from './static-files.js';
import type { WebContext } from './web-context.js';
import { CONTENT_TYPE } from './data-format.js';

const HOST_PREFIX = /^\/host\/([^/]+)(\/.*)?$/;

function accessLog(log: AccessLog) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    const id = log.nextId();
    await next();
    const prepared = process.hrtime.bigint();
    const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
    ctx.res.once('finish', () => {
      const done = process.hrtime.bigint();
      const size = Number(ctx.response.length ?? 0);
      log.write({
        id, ip: clientIp(ctx.socket.remoteAddress), port: ctx.socket.remotePort ?? 0,
        mode: ctx.method === 'OPTIONS' ? 'OPTIONS' : Buffer.isBuffer(ctx.body) ? 'FILECOPY' : 'DATA',
        sentBytes: size, sizeBytes: size, prepMs: ms(started, prepared), sentMs: ms(prepared, done),
        totalMs: ms(started, done), status: ctx.status, url: ctx.originalUrl,
      });
    });
  };
}

/** netdata answers errors as plain text with the status; anything unexpected is a 500. */
async function errors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 500;
    ctx.status = status;
    ctx.type = status === 404 && ctx.path.startsWith('/api/') === false ? CONTENT_TYPE.html : CONTENT_TYPE.text;
    ctx.body = err instanceof HttpError ? err.message : 'Internal server error.';
    if (err instanceof HttpError) for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
    else ctx.app.emit('error', err, ctx);
  }
}

/** `/host/NAME/...` → that host (by hostname, then machine GUID); else the local host. */
function hostPrefix(w: WebContext) {
  return async (ctx: Context, next: Next) => {
    ctx.state.host = w.registry.localhost;
    const m = HOST_PREFIX.exec(ctx.path);
    if (m) {
      const name = decodeURIComponent(m[1]);
      if (m[2] === undefined) {
        ctx.status = 301;
        ctx.set('Location', `${ctx.path}/${ctx.search}`);
        ctx.body = 'Permanent redirect';
        return;
      }
      const host = findHost(w, name);
      if (!host) throw new HttpError(404, `This netdata does not maintain a database for host: ${htmlEscape(name)}`);
      if (HOST_PREFIX.test(m[2])) throw new HttpError(400, 'Nesting of hosts is not allowed.');
      ctx.state.host = host;
      ctx.path = m[2];
    }
    await next();
  };
}

function findHost(w: WebContext, name: string): Host | undefined {
  return w.registry.hosts().find((h) => h.hostname === name) ?? w.registry.find(name);
}

/** netdata's CORS and server headers on every answer. */
async function commonHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
  ctx.set('Access-Control-Allow-Credentials', 'true');
  await next();
}

/** CORS preflight answers as netdata 1.37 writes them (web_client.c, WEB_CLIENT_MODE_OPTIONS). */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
  'Access-Control-Allow-Headers': 'accept, x-requested-with, origin, content-type, cookie, pragma, cache-control, x-auth-token',
  'Access-Control-Max-Age': '1209600',
};

/** `OPTIONS` on any path: netdata's "OK" with the preflight headers, to a client allowed anything. */
function preflight(w: WebContext) {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'OPTIONS') return next();
    const address = ctx.socket.remoteAddress;
    if (!w.allowDashboard(address) && !w.allowBadges(address) && !w.allowNetdataConf(address)) {
      throw new HttpError(403, 'You are not allowed to access this resource.');
    }
    ctx.set(PREFLIGHT_HEADERS);
    ctx.type = CONTENT_TYPE.text;
    ctx.body = 'OK';
  };
}

/** Builds the Koa app; `log` receives one line per finished request. */
export function createApp(w: WebContext, log: AccessLog): Koa {
  const app = new Koa();
  app.silent = true;
  const router = createApiRouter(w);
  const serveFile = createStaticHandler(w.config.global.directories.web);
  app.use(accessLog(log));
  app.use(errors);
  app.use(commonHeaders);
  app.use(hostPrefix(w));
  app.use(preflight(w));
  app.use(router.routes());
  app.use(async (ctx) => {
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const api = /^\/api\/([^/]*)/.exec(ctx.path);
    if (api && api[1] !== 'v1') throw new HttpError(404, `Unsupported API version: ${htmlEscape(api[1])}`);
    if (api) throw new HttpError(404, `Unsupported v1 API command: ${htmlEscape(ctx.path.slice(8))}`);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw methodNotAllowed(ctx.method, ctx.path);
    if (!w.allowDashboard(ctx.socket.remoteAddress)) throw new HttpError(403, 'You are not allowed to access this resource.');
    await serveFile(ctx);
  });
  return app;
}
