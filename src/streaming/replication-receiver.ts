/**
 * Replication, receiver side (reference §2.8, netdata 1.37's `replicate_chart_request` and the
 * R* commands of `pluginsd_parser.c`): after each chart's definition the child waits for a
 * `REPLAY_CHART`; this decides what the parent lacks (from the chart's last stored slot up to
 * now, clipped to the child's retention, one step at a time), asks, and stores the answered
 * points at their own timestamps. Live data of a chart flows only after its last answer.
 */
import type { ReplicationSettings } from '../config/types.js';
import type { Chart, Dimension } from '../database/types.js';
import { ProtocolError, type ReplayEnd, type ReplicationReceiver } from '../protocol/index.js';
import { replicationLog } from './events.js';

/** A child's replayed point may be this many update-everys ahead of its own clock (netdata: ue + 1 s). */
const FUTURE_TOLERANCE_SECS = 1;

/** What one REPLAY_CHART asked for. */
interface Request {
  afterS: number;
  beforeS: number;
  startStreaming: boolean;
}

/** One chart's replication on this link. */
interface ChartReplication {
  /** The last request sent; null before the first. */
  request: Request | null;
  finished: boolean;
  /** The point being received: its slot time and one value per dimension (NaN = none). */
  pointS: number;
  values: Float64Array;
}

/** Counters of one link's replication, for `/api/v1/info` and the agent's own charts. */
export interface ReplicationReceiverStats {
  /** Charts asked for and not finished. */
  pendingCharts: number;
  /** Charts whose replication finished on this link. */
  finishedCharts: number;
  /** Seconds still to fill: for each pending chart, from what it has to now. */
  secondsToFill: number;
  /** Points stored from replies (one per chart and slot). */
  pointsReplayed: number;
  /** Points refused: outside the window asked for, in the future, or misaligned. */
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
  readonly #stats = { pointsReplayed: 0, pointsRefused: 0, requests: 0 };
  readonly #startedS: number;
  #allFinishedLogged = false;

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
      const from = Math.max(chart.lastEntryS(), r.request?.afterS ?? 0);
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
    // netdata sends no second request while one is in flight for the chart
    if (existing && !existing.finished) return;
    if ((firstS !== 0 || lastS !== 0) && (firstS === 0 || lastS === 0)) {
      replicationLog.malformedTimings(this.#o.tag, chart.id, firstS, lastS, childNowS);
    }
    const r: ChartReplication = { request: null, finished: false, pointS: 0, values: new Float64Array(0) };
    this.#charts.set(chart, r);
    this.#allFinishedLogged = false;
    this.#o.onChartStarted?.(chart);
    this.#ask(chart, r, firstS, lastS, null);
  }

  begin(chart: Chart, times: { startS: number; endS: number; childNowS: number } | null): void {
    const r = this.#replicationOf(chart, 'RBEGIN');
    this.#storePoint(chart, r);
    if (times === null) return;
    const { startS, endS } = times;
    const clock = times.childNowS > 0 ? times.childNowS : this.#nowS();
    const tolerance = chart.definition.updateEverySecs + FUTURE_TOLERANCE_SECS;
    const request = r.request;
    if (!(startS > 0 && endS > startS && endS < clock + tolerance && endS <= this.#nowS() + tolerance)) {
      this.#refuse(chart, `RBEGIN from ${startS} to ${endS} has invalid or future timestamps (child clock ${clock})`);
      return;
    }
    if (request && (endS <= request.afterS || (!request.startStreaming && endS > request.beforeS))) {
      this.#refuse(chart, `RBEGIN from ${startS} to ${endS} is outside the window asked for (${request.afterS} to ${request.beforeS})`);
      return;
    }
    r.pointS = endS;
    if (r.values.length !== chart.dimensions.length) r.values = new Float64Array(chart.dimensions.length);
    r.values.fill(NaN);
  }

  set(chart: Chart, dimension: Dimension, value: number, _flags: string): void {
    const r = this.#replicationOf(chart, 'RSET');
    if (r.pointS === 0) return; // its RBEGIN was refused (logged there)
    if (dimension.index < r.values.length) r.values[dimension.index] = value;
  }

  dimensionState(chart: Chart, dimension: Dimension, lastCollectedUs: number, lastCollectedValue: number | bigint,
    lastCalculated: number, lastStored: number): void {
    const r = this.#replicationOf(chart, 'RDSTATE');
    this.#storePoint(chart, r);
    chart.restoreDimensionState(dimension.index, lastCollectedUs, lastCollectedValue, lastCalculated, lastStored);
  }

  chartState(chart: Chart, lastCollectedUs: number, lastUpdatedUs: number): void {
    const r = this.#replicationOf(chart, 'RSSTATE');
    this.#storePoint(chart, r);
    chart.restoreChartState(lastCollectedUs, lastUpdatedUs);
  }

  end(chart: Chart, end: ReplayEnd): void {
    const r = this.#replicationOf(chart, 'REND');
    this.#storePoint(chart, r);
    if (end.startStreaming) {
      r.finished = true;
      this.#o.onChartFinished?.(chart);
      this.#logIfAllFinished();
      return;
    }
    this.#ask(chart, r, end.firstS, end.lastS, { afterS: end.afterS, beforeS: end.beforeS, startStreaming: false });
  }

  #replicationOf(chart: Chart, keyword: string): ChartReplication {
    const r = this.#charts.get(chart);
    if (!r || r.finished) throw new ProtocolError(`${keyword} for chart "${chart.id}", for which no replication was requested`);
    return r;
  }

  /** Stores the point received since the last RBEGIN, if any. */
  #storePoint(chart: Chart, r: ChartReplication): void {
    if (r.pointS === 0) return;
    const timeS = r.pointS;
    r.pointS = 0;
    const outcome = chart.storeReplayed(timeS, r.values);
    if (outcome === 'misaligned' || outcome === 'too-old') this.#stats.pointsRefused++;
    else this.#stats.pointsReplayed++;
  }

  #refuse(chart: Chart, problem: string): void {
    this.#stats.pointsRefused++;
    replicationLog.refusedPoint(this.#o.tag, chart.id, problem);
  }

  /**
   * netdata's `replicate_chart_request`: the gap runs from the chart's last stored slot (or
   * `seconds to replicate` back) — or from where the last request ended — to now, clipped to
   * the child's first and last times, one step per request.
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
