/**
 * Replication, sender side (reference §2.8, netdata 1.37's `replicate_chart_response` and its
 * replication thread): each chart's definition ends with `CHART_DEFINITION_END`, after which the
 * chart's live data waits until the parent's `REPLAY_CHART` for it is answered with start
 * streaming. Requests are queued per chart and answered from a `ReplaySource` while the send
 * buffer is under half full, resuming under a tenth (1.37's pacing), interleaved with live data.
 */
import type { Chart, Host } from '../database/index.js';
import { LogThrottle } from '../log.js';
import { formatVariableValue } from '../protocol/index.js';
import { replicationLog } from './events.js';
import type { ReplaySource } from './replay-source.js';

/** Requests wait while the send buffer is fuller than this (1.37's MAX_SENDER_BUFFER_PERCENTAGE_ALLOWED). */
const PAUSE_ABOVE_FILL = 0.5;
/** …and resume once it is emptier than this (MIN_SENDER_BUFFER_PERCENTAGE_ALLOWED). */
const RESUME_BELOW_FILL = 0.1;
/** How often a paused queue looks at the buffer again. */
const PAUSED_CHECK_MS = 50;
/** One answer never takes more than this share of the buffer: the rest is asked for again. */
const MAX_ANSWER_SHARE = 0.25;
/** A timestamp this far past the wall clock is "in the future" (netdata's tolerance). */
const FUTURE_TOLERANCE_SECS = 2;
/** REPLAY_CHART's times: decimal seconds, nothing else (1.37's strtoll would read `-5`, `0x10`, `1e3`). */
const SECONDS = /^[0-9]{1,15}$/;
/** Error lines per link and minute about the parent's requests. */
const ERRORS_PER_PERIOD = 10;
const ERRORS_PERIOD_MS = 60_000;

/** One queued REPLAY_CHART. */
interface ReplayRequest {
  chartId: string;
  startStreaming: boolean;
  afterS: number;
  beforeS: number;
}

/** What a responder needs from its sender. */
export interface ResponderOptions {
  host: Host;
  source: ReplaySource;
  /** `STREAM host [send to ...]`, for log lines. */
  tag: () => string;
  /** Queues text on the link; false when the buffer refused it. */
  write: (text: string) => boolean;
  /** How full the send buffer is (0..1). */
  fill: () => number;
  /** Bytes the send buffer holds at most. */
  bufferBytes: number;
  nowS?: () => number;
}

/** Counters of one sender's replication (self-monitoring, `/api/v1/info`). */
export interface ResponderStats {
  /** Charts whose definition went up and that wait for their last answer. */
  waitingCharts: number;
  queuedRequests: number;
  executedRequests: number;
  pointsSent: number;
}

/** Answers one link's replication requests; reset at every (re)connect. */
export class ReplicationResponder {
  readonly #o: ResponderOptions;
  readonly #nowS: () => number;
  readonly #waiting = new Set<Chart>();
  /** Charts whose definition went up on this connection: the only ones a request may name. */
  readonly #sent = new Set<Chart>();
  readonly #throttle = new LogThrottle(ERRORS_PER_PERIOD, ERRORS_PERIOD_MS);
  readonly #queue = new Map<string, ReplayRequest>();
  #timer: NodeJS.Timeout | null = null;
  #paused = false;
  #executed = 0;
  #executedSinceSummary = 0;
  #points = 0;

  constructor(options: ResponderOptions) {
    this.#o = options;
    this.#nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  }

  get stats(): ResponderStats {
    return { waitingCharts: this.#waiting.size, queuedRequests: this.#queue.size, executedRequests: this.#executed, pointsSent: this.#points };
  }

  /** A new connection: nothing is waiting, nothing queued. */
  reset(): void {
    this.#waiting.clear();
    this.#sent.clear();
    this.#queue.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#paused = false;
  }

  /** Whether `chart`'s live data is held back until its replication finishes. */
  waiting(chart: Chart): boolean {
    return this.#waiting.size > 0 && this.#waiting.has(chart);
  }

  /**
   * The `CHART_DEFINITION_END first last now` line ending a chart's definition (1.37's
   * `rrdpush_send_chart_definition`); from now on the chart waits for its replication.
   */
  definitionEnd(chart: Chart): string {
    const now = this.#nowS();
    const range = this.#o.source.range(chart.id);
    let first = range?.firstS ?? 0;
    let last = range?.lastS ?? 0;
    if (last > now) last = now;
    if (first && last && first >= last) first = last - chart.definition.updateEverySecs;
    if (!first && last) first = last;
    this.#waiting.add(chart);
    this.#sent.add(chart);
    return `CHART_DEFINITION_END ${first} ${last} ${now}\n`;
  }

  /**
   * `REPLAY_CHART "id" "true|false" after before` from the parent; queued, a newer one for the
   * same chart replacing an older one still queued. A line with words missing (1.37 refuses
   * those too) or times that are not decimal seconds is logged and ignored: the link stays, and
   * the chart waits for a request it can take.
   */
  request(words: readonly string[], line: string): void {
    const chartId = words[1];
    const afterWord = words[3] ?? '';
    const beforeWord = words[4] ?? '';
    if (!chartId || words[2] === undefined || !SECONDS.test(afterWord) || !SECONDS.test(beforeWord)) {
      const problem = !chartId || words[2] === undefined || words.length < 5 ? 'the command is incomplete' : 'after and before must be decimal seconds';
      replicationLog.badRequest(this.#o.tag(), line, `${problem}: expected REPLAY_CHART "<chart>" "<true|false>" <after> <before>`, this.#throttle);
      return;
    }
    const after = Number(afterWord);
    const before = Number(beforeWord);
    this.#queue.delete(chartId);
    this.#queue.set(chartId, { chartId, startStreaming: words[2] === 'true', afterS: after, beforeS: before });
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => { this.#timer = null; this.#pump(); }, ms);
  }

  /** Answers queued requests while the buffer has room; pauses above half full. */
  #pump(): void {
    const fill = this.#o.fill();
    if (this.#paused && fill >= RESUME_BELOW_FILL) { this.#schedule(PAUSED_CHECK_MS); return; }
    this.#paused = false;
    for (const request of this.#queue.values()) {
      if (this.#o.fill() > PAUSE_ABOVE_FILL) {
        this.#paused = true;
        this.#schedule(PAUSED_CHECK_MS);
        return;
      }
      this.#queue.delete(request.chartId);
      this.#execute(request);
    }
    if (this.#executedSinceSummary > 0 && this.#queue.size === 0 && this.#waiting.size === 0) {
      replicationLog.senderSummary(this.#executedSinceSummary, this.#waiting.size);
      this.#executedSinceSummary = 0;
    }
  }

  #execute(request: ReplayRequest): void {
    const chart = this.#o.host.charts.get(request.chartId);
    if (!chart || !this.#sent.has(chart)) {
      replicationLog.unknownChart(this.#o.tag(), request.chartId, this.#throttle);
      return;
    }
    this.#executed++;
    this.#executedSinceSummary++;
    const { text, startStreaming } = this.#answer(chart, request);
    if (!this.#o.write(text)) return; // the link restarts; the parent asks again
    // its next iteration goes up as live data
    if (startStreaming) this.#waiting.delete(chart);
  }

  /**
   * 1.37's `replicate_chart_response`, answering from the source: the window is clipped to what
   * is stored (an `after` past the last point to the last point, where 1.37 keeps it and swaps),
   * swapped when after > before, and REND says the requested `after` and the `before` answered.
   * Unlike 1.37 it is never cut short by the clock (the answer is built in one turn, so no live
   * point can fall between it and the chart's next block), but it is cut at a quarter of the
   * send buffer, ending with start streaming false and `before` = its last point, from where
   * the parent's next request continues.
   */
  #answer(chart: Chart, request: ReplayRequest): { text: string; startStreaming: boolean } {
    const now = this.#nowS();
    const ue = chart.definition.updateEverySecs;
    const range = this.#o.source.range(chart.id);
    let firstLocal = range?.firstS ?? 0;
    if (firstLocal > now + FUTURE_TOLERANCE_SECS) firstLocal = now;
    let lastLocal = Math.floor(chart.lastUpdatedUs / 1_000_000) || range?.lastS || now;
    if (range && range.lastS > lastLocal) lastLocal = range.lastS;
    if (lastLocal > now + FUTURE_TOLERANCE_SECS) lastLocal = now;
    let { afterS: after, beforeS: before } = request;
    let queryAfter = Math.min(Math.max(after, firstLocal), lastLocal);
    let queryBefore = request.startStreaming ? lastLocal : Math.min(before, lastLocal);
    if (queryAfter > queryBefore) [queryAfter, queryBefore] = [queryBefore, queryAfter];
    let startStreaming = request.startStreaming || queryBefore === lastLocal || after === 0 || before === 0;
    let text = `RBEGIN "${chart.id}"\n`;
    if (after !== 0 && before !== 0) {
      const maxBytes = this.#o.bufferBytes * MAX_ANSWER_SHARE;
      let lastSent = 0;
      let cut = false;
      this.#o.source.read(chart.id, queryAfter, queryBefore, (slotS, ids, values) => {
        if (lastSent > 0 && text.length > maxBytes) { cut = true; return false; }
        text += `RBEGIN '' ${slotS - ue} ${slotS} ${now}\n`;
        for (let i = 0; i < ids.length; i++) {
          const v = values[i];
          text += Number.isFinite(v) ? `RSET "${ids[i]}" ${formatVariableValue(v)} ""\n` : `RSET "${ids[i]}" NAN "E"\n`;
        }
        lastSent = slotS;
        this.#points++;
      });
      // an answer too big for the buffer ends early: the parent asks again from where it stopped
      if (cut) startStreaming = false;
      before = cut ? lastSent : queryBefore;
    } else {
      after = 0;
      before = 0;
      startStreaming = true;
    }
    if (startStreaming) text += collectionState(chart);
    text += `REND ${ue} ${firstLocal} ${lastLocal} ${startStreaming} ${after} ${before} ${this.#nowS()}\n`;
    return { text, startStreaming };
  }
}

/** RDSTATE per dimension and RSSTATE: what the parent needs to continue the chart exactly. */
function collectionState(chart: Chart): string {
  let text = '';
  for (const d of chart.dimensions) {
    const collected = Number.isFinite(d.lastCollectedValue) ? Math.trunc(d.lastCollectedValue) : 0;
    text += `RDSTATE "${d.definition.id}" ${d.lastCollectedTimeUs} ${collected} ` +
      `${formatVariableValue(d.lastCalculatedValue)} ${formatVariableValue(d.lastStoredValue)}\n`;
  }
  return `${text}RSSTATE ${chart.lastCollectedTimeUs} ${chart.lastUpdatedUs}\n`;
}
