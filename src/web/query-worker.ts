/**
 * A query thread (`query-pool.ts`): keeps a `ShadowChart` per chart the main thread told it of
 * and answers `/api/v1/data` requests on them with the main thread's own code (`dataRequest`).
 * A request whose chart moved while it was read is run again; one it cannot answer (the chart
 * unknown, gone, or busy) goes back to the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { ShadowChart } from '../database/index.js';
import { dataRequest } from './api-data.js';
import { HttpError } from './http-error.js';
import type { PoolReply, PoolRequest } from './query-messages.js';

/** Runs of one request before it goes back to the main thread (each after a write under way). */
const QUERY_TRIES = 4;

const charts = new Map<number, ShadowChart>();

function answer(m: Extract<PoolRequest, { type: 'query' }>): PoolReply {
  const chart = charts.get(m.key);
  if (chart === undefined) return { id: m.id, kind: 'fallback' };
  for (let i = 0; i < QUERY_TRIES; i++) {
    const seq = chart.hold();
    if (seq < 0) break;
    try {
      const r = dataRequest(chart.host, m.params);
      if (chart.unchanged(seq)) {
        return { id: m.id, kind: 'ok', status: r.status, contentType: r.contentType, body: r.body, headers: r.headers };
      }
    } catch (err) {
      if (!(err instanceof HttpError)) break;
      if (chart.unchanged(seq)) {
        return { id: m.id, kind: 'error', status: err.status, message: err.message, headers: { ...err.headers } };
      }
    }
  }
  return { id: m.id, kind: 'fallback' };
}

/**
 * The memory of a body that can move to the main thread instead of being copied: a body
 * BodyWriter made (its own memory); never a view of Node's shared pool of small buffers, which
 * other buffers of this thread use.
 */
function movable(r: PoolReply): ArrayBuffer[] {
  if (r.kind !== 'ok' || typeof r.body === 'string') return [];
  const memory = r.body.buffer;
  return memory instanceof ArrayBuffer && memory.byteLength !== Buffer.poolSize ? [memory] : [];
}

parentPort!.on('message', (m: PoolRequest) => {
  if (m.type === 'chart') charts.set(m.meta.key, new ShadowChart(m.meta));
  else if (m.type === 'forget') charts.delete(m.key);
  else {
    const r = answer(m);
    parentPort!.postMessage(r, movable(r));
  }
});
