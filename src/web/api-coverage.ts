/**
 * `GET /api/v1/coverage[?chart=ID]` (also under `/host/NAME/`): the host's coverage ledger,
 * what it holds, what is missing and why (docs/coverage.md).
 */
import type { Host } from '../database/index.js';
import { hostCoverage } from '../streaming/index.js';
import { requireChart } from './api-data.js';
import { param, type Params } from './params.js';

/** The ledger's JSON body; an unknown `chart` is a 404 as for `/api/v1/chart`. */
export function coverageJson(host: Host, params: Params, nowS: number): string {
  const only = param(params, 'chart') === undefined ? undefined : requireChart(host, params);
  return `${JSON.stringify(hostCoverage(host, nowS, only), null, '\t')}\n`;
}
