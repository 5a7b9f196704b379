/**
 * Replication, receiver side (reference §2.8, netdata 1.37's `replicate_chart_request` and the
 * R* commands of `pluginsd_parser.c`): after each chart's definition the child waits for a
 * `REPLAY_CHART`; this decides what the parent lacks (from the chart's last stored slot up to
 * now, clipped to the child's retention, one step at a time), asks, and stores the answered
 * points at their own timestamps. Live data of a chart flows only after its last answer.
 *
 * Bad input (DESIGN "Bad input"): a point in the future, with its end not after its start, or
 * outside the window asked for is refused with an ERROR naming the link (throttled per link) and
 * its RSETs are ignored; a collection state in the future is refused the same way. An answer
 * nobody asked for, or R* lines outside an answer, break the protocol: the link is closed. What
 * is stored already is never touched by a refusal, and a replayed point never overwrites a value.
 */
import type { ReplicationSettings } from '../config/index.js';
import type { Chart, Dimension } from '../database/index.js';
import { LogThrottle } from '../log.js';
import { ProtocolError, type ReplayEnd, type ReplicationReceiver } from '../protocol/index.js';
import { chartLedger, type ChartLedger } from './coverage-ledger.js';
import { replicationLog } from './events.js';

/** A point may end this far past the child's clock: its update every + 1 s (1.37's RBEGIN check). */
const CHILD_CLOCK_TOLERANCE_SECS = 1;
/** …or this far past ours: update every + 5 s, 1.37's tolerance when it judges by its own clock. */
const OWN_CLOCK_TOLERANCE_SECS = 5;
/** Refusal lines per link and minute, then counted as suppressed. */
const REFUSALS_PER_PERIOD = 10;
const REFUSALS_PERIOD_MS = 60_000;
const USEC_PER_SEC = 1_000_000;

/** A point's times as its refusals name them. */
function span(times: { startS: number; endS: number }): string {
  return `RBEGIN from ${times.startS} to ${times.endS}`;
}

/** What one REPLAY_CHART asked for (after = before = 0: an empty request, nothing asked). */
interface Request {
  afterS: number;
  beforeS: number;
  startStreaming: boolean;
}

/** One chart's replication on this link. */
interface ChartReplication {
  /** The request in flight, or the last one answered. */
  request: Request;
  finished: boolean;
  /** Between the answer's first RBEGIN and its REND. */
  answering: boolean;
  /** The point being received: its slot time (0 = none, or refused) and one value per dimension (NaN = none). */
  pointS: number;
  values: Float64Array;
  /**
   * While the point's RSETs come in definition order, how many came: `values` from there on
   * still holds the last point's and is cleared when the point is stored; -1 once one came out
   * of order (then every value not set is NaN already).
   */
  inOrder: number;
  /** The chart's coverage ledger (replicated slots, pending or not). */
  ledger: ChartLedger;
}

/** Counters of one link's replication, for `/api/v1/info` and the agent's own charts. */
export interface ReplicationReceiverStats {
  /** Charts asked for and not finished. */
  pendingCharts: number;
  /** Charts whose replication finished on this link. */
  finishedCharts: number;
  /** Seconds still to fill: for each pending chart, from what it has (or was asked from) to now. */
  secondsToFill: number;
  /** Points stored from replies: at least one value written, or the times moved (mode none). */
  pointsReplayed: number;
  /** Points whose slot already held every value they carried (live data is never overwritten). */
  pointsKept: number;
  /** Points refused: in the future, outside the window asked for, misaligned or older than the ring. */
  pointsRefused: number;
  /** REPLAY_CHART requests sent. */
  requests: number;
}

/** What a link's replication needs from its session. */
export interface ReplicationReceiverOptions {
  /** `STREAM host [receive from ...]`, for log lines. */
  tag: string;
  settings: Readonly<ReplicationSettings>;
  /** Writes a line to the child (parent → child direction of the socket). */
  send: (line: string) => void;
  /** Wall clock, seconds. */
  nowS?: () => number;
  /** Told when a chart's replication starts (a proxy holds the chart back upstream meanwhile). */
  onChartStarted?: (chart: Chart) => void;
  /** Told when a chart's replication finished (the proxy exposes it upstream then). */
  onChartFinished?: (chart: Chart) => void;
}

/** The receiving end of one link's replication; the parser calls it (`ParserOptions.replication`). */
export class LinkReplicationReceiver implements ReplicationReceiver {
  readonly #o: ReplicationReceiverOptions;
  readonly #nowS: () => number;
  readonly #charts = new Map<Chart, ChartReplication>();
  readonly #stats = { pointsReplayed: 0, pointsKept: 0, pointsRefused: 0, requests: 0 };
  readonly #throttle = new LogThrottle(REFUSALS_PER_PERIOD, REFUSALS_PERIOD_MS);
  readonly #startedS: number;
  #allFinishedLogged = false;
  /** The chart of the last R* line and its replication: a point's RSETs find it without a map lookup. */
  #lastChart: Chart | null = null;
  #last: ChartReplication | null = null;

  constructor(options: ReplicationReceiverOptions) {
    this.#o = options;
    this.#nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
    this.#startedS = this.#nowS();
  }

  get stats(): ReplicationReceiverStats {
    let pending = 0;
    let finished = 0;
    let toFill = 0;
    const now = this.#nowS();
    for (const [chart, r] of this.#charts) {
      if (r.finished) { finished++; continue; }
      pending++;
      const from = Math.max(chart.lastEntryS(), r.request.afterS);
      if (from > 0 && now > from) toFill += now - from;
    }
    return { pendingCharts: pending, finishedCharts: finished, secondsToFill: toFill, ...this.#stats };
  }

  /** Whether `chart` waits for replication on this link (its live data is held back by the child). */
  replicating(chart: Chart): boolean {
    const r = this.#charts.get(chart);
    return r !== undefined && !r.finished;
  }

  definitionEnd(chart: Chart, firstS: number, lastS: number, childNowS: number): void {
    const existing = this.#charts.get(chart);
    // 1.37 sends no second request while one is in flight for the chart
    if (existing && !existing.finished) return;
    if ((firstS !== 0 || lastS !== 0) && (firstS === 0 || lastS === 0)) {
      replicationLog.malformedTimings(this.#o.tag, chart.id, firstS, lastS, childNowS);
    }
    const r: ChartReplication = {
      request: { afterS: 0, beforeS: 0, startStreaming: true },
      finished: false,
      answering: false,
      pointS: 0,
      values: new Float64Array(0),
      inOrder: 0,
      ledger: chartLedger(chart),
    };
    this.#charts.set(chart, r);
    if (this.#lastChart === chart) this.#last = r;
    this.#allFinishedLogged = false;
    this.#o.onChartStarted?.(chart);
    this.#ask(chart, r, firstS, lastS, null);
    r.ledger.replicationPending = true;
    r.ledger.childFirstS = firstS;
    r.ledger.replicationFromS = r.request.afterS;
  }

  begin(chart: Chart, times: { startS: number; endS: number; childNowS: number } | null): void {
    const r = this.#inFlight(chart, 'RBEGIN');
    this.#storePoint(chart, r);
    r.answering = true;
    if (times === null) return;
    const problem = this.#pointProblem(chart, r.request, times);
    if (problem !== null) {
      this.#stats.pointsRefused++;
      replicationLog.refusedPoint(this.#throttle, this.#o.tag, chart.id, problem);
      return;
    }
    r.pointS = times.endS;
    if (r.values.length !== chart.dimensions.length) r.values = new Float64Array(chart.dimensions.length);
    r.inOrder = 0;
  }

  set(chart: Chart, dimension: Dimension, value: number, _flags: string): void {
    const r = this.#answering(chart, 'RSET');
    if (r.pointS === 0) return; // no point open, or its RBEGIN was refused (logged there)
    const index = dimension.index;
    const values = r.values;
    if (index >= values.length) return;
    if (index !== r.inOrder && r.inOrder >= 0) {
      values.fill(NaN, r.inOrder);
      r.inOrder = -1;
    }
    values[index] = value;
    if (r.inOrder >= 0) r.inOrder++;
  }

  dimensionState(chart: Chart, dimension: Dimension, lastCollectedUs: number, lastCollectedValue: number | bigint,
    lastCalculated: number, lastStored: number): void {
    const r = this.#answering(chart, 'RDSTATE');
    this.#storePoint(chart, r);
    const problem = this.#stateProblem(chart, lastCollectedUs);
    if (problem !== null) {
      replicationLog.refusedState(this.#throttle, this.#o.tag, chart.id, `RDSTATE of dimension '${dimension.definition.id}' ${problem}`);
      return;
    }
    chart.restoreDimensionState(dimension.index, lastCollectedUs, lastCollectedValue, lastCalculated, lastStored);
  }

  chartState(chart: Chart, lastCollectedUs: number, lastUpdatedUs: number): void {
    const r = this.#answering(chart, 'RSSTATE');
    this.#storePoint(chart, r);
    const problem = this.#stateProblem(chart, Math.max(lastCollectedUs, lastUpdatedUs));
    if (problem !== null) {
      replicationLog.refusedState(this.#throttle, this.#o.tag, chart.id, `RSSTATE ${problem}`);
      return;
    }
    chart.restoreChartState(lastCollectedUs, lastUpdatedUs);
  }

  end(chart: Chart, end: ReplayEnd): void {
    const r = this.#answering(chart, 'REND');
    this.#storePoint(chart, r);
    r.answering = false;
    if (end.startStreaming) {
      r.finished = true;
      r.ledger.replicationPending = false;
      this.#o.onChartFinished?.(chart);
      this.#logIfAllFinished();
      return;
    }
    this.#ask(chart, r, end.firstS, end.lastS, this.#answered(r.request, end));
  }

  /** The chart's replication with a request in flight; anything else is an answer nobody asked for. */
  #inFlight(chart: Chart, keyword: string): ChartReplication {
    let r = this.#last;
    if (chart !== this.#lastChart || r === null) {
      r = this.#charts.get(chart) ?? null;
      this.#lastChart = chart;
      this.#last = r;
    }
    if (!r || r.finished) throw new ProtocolError(`${keyword} for chart "${chart.id}", for which no replication was requested`);
    return r;
  }

  /** …and inside its answer: RSET, RDSTATE, RSSTATE and REND come after the answer's RBEGIN. */
  #answering(chart: Chart, keyword: string): ChartReplication {
    const r = this.#inFlight(chart, keyword);
    if (!r.answering) throw new ProtocolError(`${keyword} for chart "${chart.id}" without its RBEGIN "${chart.id}"`);
    return r;
  }

  /**
   * What is wrong with a point's times, or null. 1.37 checks start and end against the child's
   * clock (update every + 1 s) or, without one, its own (+ 5 s); here both clocks bound it, and
   * so does the window asked for: after < end, and end <= before unless the child was told to
   * start streaming (it then sends up to its last point).
   */
  #pointProblem(chart: Chart, request: Request, times: { startS: number; endS: number; childNowS: number }): string | null {
    const { startS, endS, childNowS } = times;
    const ue = chart.definition.updateEverySecs;
    const now = this.#nowS();
    if (!(startS > 0 && endS > startS)) return `${span(times)} has invalid timestamps (the end must be after the start)`;
    if (childNowS > 0 && endS >= childNowS + ue + CHILD_CLOCK_TOLERANCE_SECS) {
      return `${span(times)} is in the future of the child's clock (${childNowS}, tolerance ${ue + CHILD_CLOCK_TOLERANCE_SECS} s)`;
    }
    if (endS >= now + ue + OWN_CLOCK_TOLERANCE_SECS) {
      return `${span(times)} is in the future (now is ${now}, tolerance ${ue + OWN_CLOCK_TOLERANCE_SECS} s)`;
    }
    if (request.afterS === 0 && request.beforeS === 0) return `${span(times)} was not asked for (the request was empty)`;
    if (endS <= request.afterS || (!request.startStreaming && endS > request.beforeS)) {
      return `${span(times)} is outside the window asked for (${request.afterS} to ${request.beforeS})`;
    }
    return null;
  }

  /** A collection state's time must not be in our future: it would move the chart's clock there. */
  #stateProblem(chart: Chart, timeUs: number): string | null {
    const limitS = this.#nowS() + chart.definition.updateEverySecs + OWN_CLOCK_TOLERANCE_SECS;
    if (timeUs / USEC_PER_SEC < limitS) return null;
    return `at ${Math.floor(timeUs / USEC_PER_SEC)} is in the future (now is ${this.#nowS()})`;
  }

  /** Stores the point received since the last RBEGIN, if any. */
  #storePoint(chart: Chart, r: ChartReplication): void {
    if (r.pointS === 0) return;
    const timeS = r.pointS;
    r.pointS = 0;
    if (r.inOrder >= 0 && r.inOrder < r.values.length) r.values.fill(NaN, r.inOrder);
    const outcome = chart.storeReplayed(timeS, r.values);
    if (outcome === 'misaligned') {
      this.#stats.pointsRefused++;
      replicationLog.refusedPoint(this.#throttle, this.#o.tag, chart.id,
        `the point at ${timeS} is not on the chart's grid of ${chart.definition.updateEverySecs} s`);
    } else if (outcome === 'too-old') {
      this.#stats.pointsRefused++; // older than the ring holds: nothing to log, retention is shorter here
    } else if (outcome === 'kept') {
      this.#stats.pointsKept++;
    } else {
      this.#stats.pointsReplayed++;
      if (outcome !== 'no-store') r.ledger.replayedSlots++;
    }
  }

  /**
   * The window a REND says was answered, for the next request (1.37 continues from REND's
   * `before`; both 0 = as a first request). Unlike 1.37 its `before` is kept inside the window
   * asked for, so a child claiming more than it could send leaves no gap behind.
   */
  #answered(request: Request, end: ReplayEnd): Request | null {
    if (end.afterS === 0 || end.beforeS === 0) return null;
    let beforeS = Math.max(end.beforeS, request.afterS);
    if (!request.startStreaming && beforeS > request.beforeS) beforeS = request.beforeS;
    return { afterS: end.afterS, beforeS, startStreaming: false };
  }

  /**
   * netdata's `replicate_chart_request`: the gap runs from the chart's last stored slot (or
   * `seconds to replicate` back) — or from where the last answer ended — to now, clipped to
   * the child's first and last times, one step per request. An empty request (`"true" 0 0`)
   * when replication is off, the child has nothing or invalid times, the chart has no
   * dimensions, or the parent is ahead of the child.
   */
  #ask(chart: Chart, r: ChartReplication, childFirstS: number, childLastS: number, last: Request | null): void {
    const settings = this.#o.settings;
    const now = this.#nowS();
    let localLast = chart.lastEntryS();
    if (localLast > now) localLast = now;
    const gapFrom = last ? last.beforeS : localLast > 0 ? localLast : now - settings.secondsToReplicate;
    const empty = !settings.enabled || childLastS <= 0 || chart.dimensions.length === 0 || childFirstS <= 0 ||
      childFirstS > childLastS || localLast > childLastS;
    let request: Request;
    if (empty) {
      request = { afterS: 0, beforeS: 0, startStreaming: true };
    } else {
      let after = Math.max(childFirstS, gapFrom);
      let before = now - after > settings.stepSecs ? after + settings.stepSecs : now;
      if (before > childLastS) before = childLastS;
      if (after > before) after = before;
      request = { afterS: after, beforeS: before, startStreaming: now - after <= settings.stepSecs || before === childLastS };
    }
    r.request = request;
    this.#stats.requests++;
    this.#o.send(`REPLAY_CHART "${chart.id}" "${request.startStreaming}" ${request.afterS} ${request.beforeS}\n`);
  }

  #logIfAllFinished(): void {
    if (this.#allFinishedLogged) return;
    for (const r of this.#charts.values()) if (!r.finished) return;
    this.#allFinishedLogged = true;
    replicationLog.receiverFinished(this.#o.tag, this.#charts.size, this.#stats.pointsReplayed, this.#nowS() - this.#startedS);
  }
}
