/**
 * The `/api/v1/*` routes and `GET /netdata.conf`. Each route reads `ctx.state.host` (set by the
 * host-prefix middleware) so the same routes serve `/` and `/host/NAME/`.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Host } from '../database/types.js';
import { chartsJson, singleChartJson } from './api-charts.js';
import { requireChart } from './api-data.js';
import { coverageJson } from './api-coverage.js';
import { infoJson } from './api-info.js';
import { alarmLogBody, alarmVariablesBody, alarmsBody } from './api-health.js';
import { allmetricsFilter, allmetricsJson, allmetricsShell, prometheusDefaults } from './allmetrics.js';
import {
  allmetricsPrometheus, parseDataSource, PROMETHEUS_CONTENT_TYPE, prometheusChartFilter, prometheusHostFilter, ScrapeMemory,
  type PrometheusRequest,
} from '../exporting/index.js';
import { badgeRequest } from './badge.js';
import { topologyJson } from './api-topology.js';
import { functionCall, functionsInfo } from './api-function.js';
import { CONTENT_TYPE } from './data-format.js';
import { HttpError, methodNotAllowed, type ApiResponse } from './http-error.js';
import { htmlEscape } from './number-format.js';
import { param, parseParams, toInteger, type Params } from './params.js';
import { accessMatcher, clientIp } from './patterns.js';
import type { WebContext } from './web-context.js';

type Handler = (host: Host, params: Params, ctx: Context) => ApiResponse | Promise<ApiResponse>;

/** The commands `[web] allow functions from` guards (instead of `allow dashboard from`). */
const FUNCTION_COMMANDS = new Set(['function', 'functions']);

function send(ctx: Context, r: ApiResponse): void {
  ctx.status = r.status;
  ctx.body = r.body;
  // set the header itself: `ctx.type` would append a charset netdata does not send (prometheus)
  ctx.set('Content-Type', r.contentType);
  for (const [k, v] of Object.entries(r.headers ?? {})) ctx.set(k, v);
}

const json = (body: string): ApiResponse => ({ status: 200, contentType: CONTENT_TYPE.json, body });
const text = (body: string, contentType: string = CONTENT_TYPE.text): ApiResponse => ({ status: 200, contentType, body });

const ALLMETRICS_FORMATS = ['shell', 'prometheus', 'prometheus_all_hosts', 'json'];

function allmetrics(w: WebContext, memory: ScrapeMemory): Handler {
  return (host, params, ctx) => {
    const format = param(params, 'format') ?? 'shell';
    if (!ALLMETRICS_FORMATS.includes(format)) {
      throw new HttpError(400, "Which format? 'shell', 'prometheus', 'prometheus_all_hosts' and 'json' are currently supported.");
    }
    const filter = param(params, 'filter');
    if (format === 'shell') return text(allmetricsShell(host, w.health, allmetricsFilter(filter, 'name')));
    if (format === 'json') return json(allmetricsJson(host, allmetricsFilter(filter, 'id or name')));
    const backend = prometheusDefaults(w.config, w.exporting);
    const yes = (name: string, fallback: boolean) => {
      const v = param(params, name);
      return v === undefined ? fallback : v === 'yes';
    };
    const source = param(params, 'data', 'source', 'data source', 'data-source', 'data_source', 'datasource');
    const req: PrometheusRequest = {
      prefix: param(params, 'prefix') ?? backend.prefix,
      source: source ? parseDataSource(source, backend.dataSource) : backend.dataSource,
      help: yes('help', false),
      types: yes('types', false),
      names: yes('names', backend.sendNamesInsteadOfIds),
      timestamps: yes('timestamps', true),
      server: param(params, 'server') ?? clientIp(ctx.socket.remoteAddress),
      updateEverySecs: backend.updateEverySecs,
      nowS: Math.floor(w.nowMs() / 1000),
      program: 'netdata',
      version: w.version,
      sendChart: prometheusChartFilter(filter ?? backend.sendChartsMatching, backend.sendNamesInsteadOfIds),
      labels: backend.labels,
    };
    const hosts = format === 'prometheus_all_hosts'
      ? w.registry.hosts().filter(prometheusHostFilter(backend.sendHostsMatching))
      : undefined;
    return text(allmetricsPrometheus(host, hosts, req, memory), PROMETHEUS_CONTENT_TYPE);
  };
}

function handlers(w: WebContext): Record<string, Handler> {
  const memory = new ScrapeMemory();
  return {
    info: (host) => json(infoJson(host, w)),
    charts: (host) => json(chartsJson(host, w.registry, w.health, w.version, w.functions(host))),
    chart: (host, params) => json(singleChartJson(requireChart(host, params), w.health, w.functions(host))),
    data: (host, params) => w.queryPool.data(host, params),
    allmetrics: allmetrics(w, memory),
    alarms: (host, _params, ctx) => {
      const all = ctx.querystring.split('&').includes('all');
      return json(alarmsBody(host, w.health, all, Math.floor(w.nowMs() / 1000)));
    },
    alarm_log: (host, params) => json(alarmLogBody(host, w.health, toInteger(param(params, 'after'), 0))),
    alarm_variables: (host, params) => json(alarmVariablesBody(requireChart(host, params), w.health)),
    'badge.svg': (host, params) => badgeRequest(host, params, w.health),
    function: (host, params) => functionCall(param(params, 'function'), param(params, 'timeout'),
      w.functions(host), w.nowMs()),
    functions: (host) => json(`${JSON.stringify(functionsInfo(w.functions(host)), null, '\t')}\n`),
    coverage: (host, params) => json(coverageJson(host, params, Math.floor(w.nowMs() / 1000))),
    // the tree as this node sees it, whichever host the prefix names
    topology: () => json(topologyJson(w)),
  };
}

/** Builds the router for `/api/v1/*` and `/netdata.conf`. */
export function createApiRouter(w: WebContext): Router {
  const router = new Router();
  const table = handlers(w);
  const allowFunctions = accessMatcher(w.config.web.allowFunctionsFrom);
  router.get('/api/v1/:command', async (ctx) => {
    const command = ctx.params.command;
    const handler = Object.hasOwn(table, command) ? table[command] : undefined;
    if (!handler) throw new HttpError(404, `Unsupported v1 API command: ${htmlEscape(command)}`);
    const allowed = command === 'badge.svg' ? w.allowBadges
      : FUNCTION_COMMANDS.has(command) ? allowFunctions : w.allowDashboard;
    if (!allowed(ctx.socket.remoteAddress)) throw new HttpError(403, 'You are not allowed to access this resource.');
    send(ctx, await handler(ctx.state.host as Host, parseParams(ctx.querystring), ctx));
  });
  router.get('/netdata.conf', (ctx) => {
    if (!w.allowNetdataConf(ctx.socket.remoteAddress)) {
      throw new HttpError(403, 'You are not allowed to access this resource.');
    }
    send(ctx, text(w.effectiveConfig()));
  });
  // other methods on a known route: 405 with Allow (GET and HEAD were answered above)
  router.all('/api/v1/:command', (ctx) => {
    const command = ctx.params.command;
    if (!Object.hasOwn(table, command)) throw new HttpError(404, `Unsupported v1 API command: ${htmlEscape(command)}`);
    throw methodNotAllowed(ctx.method, `/api/v1/${command}`);
  });
  router.all('/netdata.conf', (ctx) => {
    throw methodNotAllowed(ctx.method, '/netdata.conf');
  });
  return router;
}
