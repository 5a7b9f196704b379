/**
 * `[web] query threads`: `/api/v1/data` answered by worker threads reading the charts' rings in
 * shared memory (`database/shared-chart.ts`), so queries of several connections run on several
 * cores as netdata's web threads do. The main thread resolves the chart, tells a thread the
 * chart's definitions when they are new to it, posts the parameters and sends what comes back;
 * the threads run the same code (`dataRequest`) on a shadow of the chart. A request goes to the
 * main thread's `dataRequest` instead when the chart is unknown or its rings are not shared, when
 * the thread could not hold the chart still, or when the thread died. Threads start at the first
 * request that can use one and never keep the process alive.
 *
 * A hop to a thread and back costs more than a small query, so a query that reads fewer than
 * THREAD_MIN_SLOTS slots is answered on the main thread. It also costs more than it saves when
 * requests come one at a time (one connection: the main thread would only wait), so for the
 * larger ones the pool looks at the requests that arrived
 * in one turn of the event loop (their handlers all run before `setImmediate`): the first of a
 * turn, while no thread has work outstanding, is answered on the main thread at once; the others
 * wait for the end of the turn, and one alone then, with no thread busy, is answered on the main
 * thread; otherwise they go to the threads, but the last of the turn is answered on the main
 * thread when every thread has `THREAD_QUEUE` requests already (the main thread also parses and
 * writes every request, so it takes at most one a turn).
 */
import { Worker } from 'node:worker_threads';
import { sharedChartMemory, shadowMeta, type Chart, type Host, type SharedChartMemory } from '../database/index.js';
import { dataRequest, dataRequestSlots } from './api-data.js';
import { BufferPool } from './body-pool.js';
import { HttpError, type ApiResponse } from './http-error.js';
import { param, type Params } from './params.js';
import type { PoolReply, PoolRequest } from './query-messages.js';
import { error } from '../log.js';

/** Requests queued on a thread before the main thread answers the next one itself. */
const THREAD_QUEUE = 2;
/**
 * A query that reads fewer slots than this (every dimension's) is answered on the main thread:
 * the hop to a thread and back costs the process about 40 us of CPU, as much as such a query.
 * Measured on 2 cores, 16 connections asking 10-dimension charts: at 3,000 slots (the last 5
 * minutes at points=300) the main thread alone answered 10,300 requests a second at a p99 of
 * 3.1 ms, with a thread 8,700 at 9.5 ms; at 6,000 slots the thread won (7,500 against 5,900).
 */
export const THREAD_MIN_SLOTS = 4000;

/** How a pool chooses (tests force the threads). */
export interface QueryPoolOptions {
  /**
   * Whether a small query (under `threadMinSlots`), or a request alone in its turn of the event
   * loop with no thread busy, is answered on the main thread (default true). False sends every
   * request that can go to a thread at once.
   */
  mainWhenAlone?: boolean;
  /** The fewest slots a query reads to go to a thread (default THREAD_MIN_SLOTS). */
  threadMinSlots?: number;
  /** A thread's script (default WORKER_SCRIPT beside this module; tests give one that cannot load). */
  script?: URL;
}

/** Answers `/api/v1/data`; made by `createQueryPool`, closed with the web server. */
export interface QueryPool {
  /** `dataRequest(host, params)`, on a query thread when one can answer it. Throws HttpError as it does. */
  data(host: Host, params: Params): Promise<ApiResponse>;
  /** Requests answered by a thread and by the main thread since the start. */
  readonly counts: Readonly<{ threads: number; main: number }>;
  /** Stops the threads; requests under way go to the main thread, later ones start threads again. */
  close(): Promise<void>;
}

/** What the pool knows of one chart: its number, the definitions last seen, its memory. */
interface ChartEntry {
  readonly key: number;
  definition: unknown;
  dimensions: unknown[];
  /** Bumped when the definitions change; a thread that saw an older one is told again. */
  version: number;
  /** Null when a ring is not in shared memory (the main thread answers). */
  memory: SharedChartMemory | null;
}

interface Pending {
  resolve(r: PoolReply): void;
}

/** A request waiting for the end of its turn of the event loop. */
interface Waiting {
  host: Host;
  params: Params;
  chart: Chart;
  resolve(r: ApiResponse | Promise<ApiResponse>): void;
  reject(err: unknown): void;
}

/**
 * A query thread's script: query-worker.js beside this module, or, in the agent's one-file bundle
 * (dist/tributary.cjs, whose import.meta.url is its own), the worker's bundle beside it
 * (scripts/bundle.mjs), which each thread loads in less memory than the ES modules.
 */
const WORKER_SCRIPT = import.meta.url.endsWith('.cjs') ? './tributary-query-worker.cjs' : './query-worker.js';

class QueryThread {
  readonly worker: Worker;
  readonly seen = new Map<number, number>();
  readonly pending = new Map<number, Pending>();
  alive = true;
  /** Whether it ever answered: a thread that fails before it did cannot start at all. */
  answered = false;
  /** Stopped by the pool's close (its exit is no failure). */
  closed = false;

  constructor(script: URL, onExit: (t: QueryThread, why: string) => void) {
    this.worker = new Worker(script);
    this.worker.unref();
    this.worker.on('message', (r: PoolReply) => {
      this.answered = true;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      p?.resolve(r);
    });
    const gone = (why: string): void => {
      if (!this.alive) return;
      this.alive = false;
      for (const [id, p] of this.pending) p.resolve({ id, kind: 'fallback' });
      this.pending.clear();
      onExit(this, why);
    };
    this.worker.on('error', (err: Error) => gone(err.message));
    this.worker.on('exit', (code: number) => gone(`exit code ${code}`));
  }

  post(m: PoolRequest): void {
    this.worker.postMessage(m);
  }
}

/** A pool of `threads` query threads; 0 answers every request on the main thread. */
export function createQueryPool(threads: number, options: QueryPoolOptions = {}): QueryPool {
  const mainWhenAlone = options.mainWhenAlone ?? true;
  const threadMinSlots = options.threadMinSlots ?? THREAD_MIN_SLOTS;
  const script = options.script ?? new URL(WORKER_SCRIPT, import.meta.url);
  const entries = new WeakMap<Chart, ChartEntry>();
  let threadList: QueryThread[] = [];
  let nextKey = 1;
  let nextId = 1;
  const counts = { threads: 0, main: 0 };
  const forget = new FinalizationRegistry<number>((key) => {
    for (const t of threadList) {
      t.seen.delete(key);
      t.post({ type: 'forget', key });
    }
  });

  // the bodies of the answers made here (the app gives each back once it is sent)
  const bodies = new BufferPool();
  const onMain = (host: Host, params: Params): ApiResponse => {
    counts.main++;
    return dataRequest(host, params, bodies);
  };

  let waiting: Waiting[] = [];
  /** Whether the current turn of the event loop has seen a request (cleared once it ends). */
  let turnSeen = false;
  const endTurn = (): void => { turnSeen = false; };
  /** Requests posted to threads and not answered yet. */
  let outstanding = 0;

  const threadFree = (): boolean =>
    threadList.length < threads || threadList.some((t) => t.alive && t.pending.size < THREAD_QUEUE);

  /** The requests of one turn: one alone on main, else to threads, the last on main if they are all busy. */
  const dispatch = (): void => {
    const list = waiting;
    waiting = [];
    const last = list.pop()!;
    const alone = list.length === 0 && outstanding === 0;
    for (const w of list) w.resolve(onThread(w.host, w.params, w.chart));
    if (!alone && threadFree()) {
      last.resolve(onThread(last.host, last.params, last.chart));
      return;
    }
    try {
      last.resolve(onMain(last.host, last.params));
    } catch (err) {
      last.reject(err);
    }
  };

  /** Set when a thread failed before its first answer (its script cannot load): no more threads. */
  let broken = false;
  const onThreadExit = (dead: QueryThread, why: string): void => {
    threadList = threadList.filter((x) => x !== dead);
    if (dead.closed) return;
    if (dead.answered) {
      error(`query thread stopped (${why}): its queries are answered on the main thread, and the next starts another`);
    } else if (!broken) {
      broken = true;
      error(`query thread could not start (${why}): every /api/v1/data query is answered on the main thread`);
    }
  };

  const pick = (): QueryThread => {
    if (threadList.length < threads) {
      const t = new QueryThread(script, onThreadExit);
      threadList.push(t);
      return t;
    }
    let best = threadList[0];
    for (const t of threadList) if (t.pending.size < best.pending.size) best = t;
    return best;
  };

  const entryOf = (chart: Chart): ChartEntry => {
    let e = entries.get(chart);
    if (e === undefined) {
      e = { key: nextKey++, definition: null, dimensions: [], version: 0, memory: null };
      entries.set(chart, e);
      forget.register(chart, e.key);
    }
    const dims = chart.dimensions;
    let same = e.definition === chart.definition && e.dimensions.length === dims.length;
    for (let i = 0; same && i < dims.length; i++) same = e.dimensions[i] === dims[i].definition;
    if (!same) {
      e.definition = chart.definition;
      e.dimensions = dims.map((d) => d.definition);
      e.version++;
      // a new dimension brings a new ring
      e.memory = sharedChartMemory(chart);
    }
    return e;
  };

  const onThread = async (host: Host, params: Params, chart: Chart): Promise<ApiResponse> => {
    const e = entryOf(chart);
    const memory = e.memory;
    if (memory === null || broken) return onMain(host, params);
    const t = pick();
    if (!t.alive) return onMain(host, params);
    if (t.seen.get(e.key) !== e.version) {
      t.post({ type: 'chart', meta: shadowMeta(e.key, chart, memory) });
      t.seen.set(e.key, e.version);
    }
    const id = nextId++;
    outstanding++;
    const reply = await new Promise<PoolReply>((resolve) => {
      t.pending.set(id, { resolve });
      t.post({ type: 'query', id, key: e.key, params });
    });
    outstanding--;
    if (reply.kind === 'fallback') return onMain(host, params);
    counts.threads++;
    if (reply.kind === 'error') throw new HttpError(reply.status, reply.message, { headers: reply.headers });
    // a Buffer crosses the thread as a plain Uint8Array over the same bytes
    const body = typeof reply.body === 'string' ? reply.body
      : Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength);
    return { status: reply.status, contentType: reply.contentType, body, headers: reply.headers };
  };

  return {
    counts,
    async data(host, params) {
      if (threads <= 0) return onMain(host, params);
      const id = param(params, 'chart');
      const chart = id ? host.chart(id) : undefined;
      // no chart: the main thread gives netdata's 400/404
      if (chart === undefined) return onMain(host, params);
      if (!mainWhenAlone) return onThread(host, params, chart);
      if (dataRequestSlots(chart, params) < threadMinSlots) return onMain(host, params);
      if (!turnSeen && outstanding === 0) {
        // the first request of a turn while no thread has work (with one connection, every
        // request): answered at once, not after the turn ends, which cost it more than a hop saves
        turnSeen = true;
        setImmediate(endTurn);
        return onMain(host, params);
      }
      return new Promise<ApiResponse>((resolve, reject) => {
        if (waiting.length === 0) setImmediate(dispatch);
        waiting.push({ host, params, chart, resolve, reject });
      });
    },
    async close() {
      const list = threadList;
      threadList = [];
      for (const t of list) t.closed = true;
      await Promise.all(list.map((t) => t.worker.terminate()));
    },
  };
}
