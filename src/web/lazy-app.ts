/**
 * The request side of the web server (app.ts: the API routes, the dashboard files, the query
 * pool) loaded on the first HTTP request instead of at start. Its modules are most of what the
 * web part costs in memory (docs/memory.md): a parent that only takes streams, or that nobody
 * asks anything yet, does not hold them. Every request, the first included, is answered by the
 * same listener as when it is loaded at start; a request that comes while it loads waits for it.
 */
import type * as http from 'node:http';
import type { AccessLog } from './access-log.js';
import type { RequestErrorListener } from './app.js';
import type { WebContext } from './web-context.js';

/** The web context without what the request side makes itself when it loads. */
export type WebContextBase = Omit<WebContext, 'queryPool'>;

/** The request listener and what stopping the server must release. */
export interface LazyApp {
  /** Gives `http.createServer` this; the first call loads the request side. */
  readonly listener: http.RequestListener;
  /** Whether the request side is loaded (the first request came). */
  loaded(): boolean;
  /** Closes the query pool's threads when the request side was loaded; after the listeners closed. */
  close(): Promise<void>;
}

/** Loads the app and its query pool (`[web] query threads`) for `base`. */
async function loadApp(base: WebContextBase, queryThreads: number, log: AccessLog, onError: RequestErrorListener):
Promise<{ listener: http.RequestListener; context: WebContext }> {
  const [{ createApp }, { createQueryPool }] = await Promise.all([import('./app.js'), import('./query-pool.js')]);
  const context: WebContext = { ...base, queryPool: createQueryPool(queryThreads) };
  return { listener: createApp(context, log, onError), context };
}

/** A listener that loads the request side on its first call; `onError` also hears a failed load. */
export function createLazyApp(base: WebContextBase, queryThreads: number, log: AccessLog, onError: RequestErrorListener): LazyApp {
  let app: { listener: http.RequestListener; context: WebContext } | null = null;
  let loading: Promise<void> | null = null;
  const load = (): Promise<void> => loading ??= loadApp(base, queryThreads, log, onError).then((a) => { app = a; });
  return {
    listener(req, res) {
      if (app) { app.listener(req, res); return; }
      load().then(() => app!.listener(req, res), (err: unknown) => {
        onError(err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Internal server error.');
      });
    },
    loaded: () => app !== null,
    async close() {
      if (loading) await loading.catch(() => undefined);
      await app?.context.queryPool.close();
    },
  };
}
