/** The messages between the main thread and its query threads (`query-pool.ts`, `query-worker.ts`). */
import type { ChartShadowMeta } from '../database/index.js';
import type { Params } from './params.js';

/** Main → query thread, in order on one port: a chart's (new) definitions, a chart gone, a request. */
export type PoolRequest =
  | { type: 'chart'; meta: ChartShadowMeta }
  | { type: 'forget'; key: number }
  | { type: 'query'; id: number; key: number; params: Params };

/** Query thread → main: the answer, netdata's error answer, or "run it yourself". */
export type PoolReply =
  | { id: number; kind: 'ok'; status: number; contentType: string; body: string | Uint8Array; headers?: Record<string, string> }
  | { id: number; kind: 'error'; status: number; message: string; headers: Record<string, string> }
  | { id: number; kind: 'fallback' };
