/**
 * The `/api/v1/*` routes and `GET /netdata.conf`. Each route reads `x.host` (set by the app from
 * the `/host/NAME/` prefix) so the same routes serve `/` and `/host/NAME/`.
 */
import type { Host } from '../database/index.js';
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
import type { Exchange } from './exchange.js';
import { HttpError, methodNotAllowed, type ApiResponse } from './http-error.js';
import { htmlEscape } from './number-format.js';
import { param, parseParams, toInteger, type Params } from './params.js';
import { accessMatcher, clientIp } from './patterns.js';
import type { WebContext } from './web-context.js';

type Handler = (host: Host, params: Params, x: Exchange) => ApiResponse | Promise<ApiResponse>;

/**
 * A route table: the answer for a request it knows (maybe not ready yet), undefined for a path
 * it does not route. Throws HttpError for netdata's error answers.
 */
export type ApiRouter = (x: Exchange) => ApiResponse | Promise<ApiResponse> | undefined;

/**
 * `/api/v1/COMMAND` and `/netdata.conf`, as the router the API had matched them: any letter
 * case, an optional trailing slash, COMMAND URL-decoded.
 */
const API_ROUTE = /^\/api\/v1\/([^/]+)\/?$/i;
const CONF_ROUTE = /^\/netdata\.conf\/?$/i;

/** The commands `[web] allow functions from` guards (instead of `allow dashboard from`). */
const FUNCTION_COMMANDS = new Set(['function', 'functions']);

const json = (body: string): ApiResponse => ({ status: 200, contentType: CONTENT_TYPE.json, body });
const text = (body: string, contentType: string = CONTENT_TYPE.text): ApiResponse => ({ status: 200, contentType, body });

const ALLMETRICS_FORMATS = ['shell', 'prometheus', 'prometheus_all_hosts', 'json'];

function allmetrics(w: WebContext, memory: ScrapeMemory): Handler {
  return (host, params, x) => {
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
      server: param(params, 'server') ?? clientIp(x.remoteAddress),
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
    alarms: (host, _params, x) => {
      const all = x.querystring.split('&').includes('all');
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

/** The command's text, or the text as sent when it is not valid percent-encoding. */
function decodeCommand(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Builds the router for `/api/v1/*` and `/netdata.conf`. */
export function createApiRouter(w: WebContext): ApiRouter {
  const table = handlers(w);
  const allowFunctions = accessMatcher(w.config.web.allowFunctionsFrom);
  const read = (x: Exchange) => x.method === 'GET' || x.method === 'HEAD';
  const api = (x: Exchange, command: string): ApiResponse | Promise<ApiResponse> => {
    const handler = Object.hasOwn(table, command) ? table[command] : undefined;
    if (!handler) throw new HttpError(404, `Unsupported v1 API command: ${htmlEscape(command)}`);
    // other methods on a known route: 405 with Allow
    if (!read(x)) throw methodNotAllowed(x.method, `/api/v1/${command}`);
    const allowed = command === 'badge.svg' ? w.allowBadges
      : FUNCTION_COMMANDS.has(command) ? allowFunctions : w.allowDashboard;
    if (!allowed(x.remoteAddress)) throw new HttpError(403, 'You are not allowed to access this resource.');
    return handler(x.host, parseParams(x.querystring), x);
  };
  return (x) => {
    const m = API_ROUTE.exec(x.path);
    if (m) return api(x, decodeCommand(m[1]));
    if (!CONF_ROUTE.test(x.path)) return undefined;
    if (!read(x)) throw methodNotAllowed(x.method, '/netdata.conf');
    if (!w.allowNetdataConf(x.remoteAddress)) throw new HttpError(403, 'You are not allowed to access this resource.');
    return text(w.effectiveConfig());
  };
}
