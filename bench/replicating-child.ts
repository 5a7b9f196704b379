/**
 * A synthetic netdata 1.37 child that holds the last hour of 100 charts x 10 dimensions and
 * replicates it to a parent over a real TCP socket on 127.0.0.1 (reference §2.8, §11; the text
 * copies `captures/netdata-1.37-replication-*`): a STREAM request with `ver=15352` (1.37's bits
 * without compression), the parent's `version=` prompt, every chart's CHART / CLABEL /
 * DIMENSION lines ending in `CHART_DEFINITION_END <first> <last> <now>`, then an answer to
 * each `REPLAY_CHART` the parent sends, whatever window it asks for, and live BEGIN/SET/END at
 * 1 Hz for each chart whose replication finished.
 *
 * Values are a pure function of (chart, dimension, second), so a parent's stored points can be
 * checked against `valueAt`. Requests are answered in the order they arrive, one at a time, the
 * next only after the socket took the previous answer: the parent sets the pace.
 */
import { once } from 'node:events';
import net from 'node:net';
import { CAP, PROMPT_VN } from '../src/streaming/index.js';

/** 1.37's bits without compression: V1 V2 VN VCAPS HLABELS CLAIM CLABELS FUNCTIONS REPLICATION BINARY. */
export const CHILD_VERSION = 15352;
const UPDATE_EVERY_SECS = 1;
/** The `CLABEL` source 1.37 sends for its automatic labels (the capture's `536870913`). */
const LABEL_SOURCE_AUTO = 536870913;

const VALUE_RANGE = 100_000;
/** `RSET "d<n>" <value>.0000000 ""` lines, built once: the child's time goes to the parent, not to formatting. */
const RSET_PREFIXES: string[] = [];
const RSET_SUFFIXES: string[] = Array.from({ length: VALUE_RANGE }, (_, v) => `${v}.0000000 ""\n`);

function rsetLine(dim: number, value: number): string {
  return (RSET_PREFIXES[dim] ??= `RSET "d${dim}" `) + RSET_SUFFIXES[value];
}

/** The stored (and collected) value of `dim` of `chart` at second `t`: an integer, exact in any 4-byte store. */
export function valueAt(chart: number, dim: number, t: number): number {
  return (t * 7 + chart * 131 + dim * 1009) % VALUE_RANGE;
}

export function chartId(chart: number): string {
  return `rbench.c${chart}`;
}

export interface ReplicatingChildOptions {
  port: number;
  apiKey: string;
  hostname: string;
  machineGuid: string;
  charts: number;
  dimensions: number;
  /** How far back the child's database reaches: `first = now - historySecs`. */
  historySecs: number;
  /** Called as the first REPLAY_CHART is read (where a measurement starts). */
  onFirstRequest?: () => void;
}

/** What one replication exchange carried, counted by the child. */
export interface ReplicationCounts {
  /** REPLAY_CHART lines answered. */
  requests: number;
  /** `RBEGIN ''` points sent (one per chart and second). */
  points: number;
  /** Bytes of replication answers (RBEGIN .. REND) sent. */
  answerBytes: number;
  /** Charts whose last answer (start streaming) went out. */
  finishedCharts: number;
  /** Milliseconds spent building answers. */
  buildMs: number;
  /** Milliseconds waiting for the socket to take an answer (the parent reading slower than the child writes). */
  drainWaitMs: number;
  /** Milliseconds with nothing asked and replication not finished (the parent thinking). */
  idleMs: number;
}

/** One connection of the synthetic child; `connect`, `sendDefinitions`, await `finished`, `close`. */
export class ReplicatingChild {
  readonly #o: ReplicatingChildOptions;
  readonly #socket: net.Socket;
  readonly #queue: string[] = [];
  readonly #liveNextS: number[];
  readonly counts: ReplicationCounts = { requests: 0, points: 0, answerBytes: 0, finishedCharts: 0, buildMs: 0, drainWaitMs: 0, idleMs: 0 };
  /** The child's first stored second, fixed at construction. */
  readonly firstS: number;
  /** The capabilities the parent's prompt carried. */
  negotiated = 0;
  #pending = '';
  #pumping = false;
  /** When the queue last ran empty with charts still to finish (0: not idle). */
  #idleSinceMs = 0;
  #closed = false;
  #liveTimer: NodeJS.Timeout | null = null;
  #finish!: () => void;
  #fail!: (err: Error) => void;
  /** Resolves once every chart's start-streaming answer has been handed to the socket (the parent may still be reading). */
  readonly finished: Promise<void>;

  constructor(o: ReplicatingChildOptions) {
    this.#o = o;
    this.firstS = nowS() - o.historySecs;
    this.#liveNextS = new Array<number>(o.charts).fill(0);
    this.finished = new Promise((ok, fail) => { this.#finish = ok; this.#fail = fail; });
    this.finished.catch(() => undefined);
    this.#socket = new net.Socket();
    this.#socket.setNoDelay(true);
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => {
      if (!this.#closed) this.#fail(new Error(`${o.hostname}: the parent closed the connection`));
    });
  }

  /** Connects, sends the request and reads the prompt; returns the negotiated capability bits. */
  async connect(): Promise<number> {
    const o = this.#o;
    this.#socket.connect(o.port, '127.0.0.1');
    await once(this.#socket, 'connect');
    this.#socket.write(`STREAM key=${o.apiKey}&hostname=${o.hostname}&registry_hostname=${o.hostname}` +
      `&machine_guid=${o.machineGuid}&update_every=${UPDATE_EVERY_SECS}&os=linux&timezone=Etc/UTC&abbrev_timezone=UTC` +
      `&utc_offset=0&hops=1&ml_capable=0&ml_enabled=0&mc_version=1&tags=&ver=${CHILD_VERSION}` +
      '&NETDATA_PROTOCOL_VERSION=1.1 HTTP/1.1\r\nUser-Agent: netdata/v1.37.1\r\nAccept: */*\r\n\r\n');
    // the prompt has no newline and is written at once; nothing follows it before our definitions
    let reply = '';
    while (!/version=\d+/.test(reply)) {
      const [chunk] = await once(this.#socket, 'data') as [Buffer];
      reply += chunk.toString('latin1');
      if (!PROMPT_VN.startsWith(reply) && !reply.startsWith(PROMPT_VN)) {
        throw new Error(`${o.hostname}: the parent replied ${JSON.stringify(reply)}`);
      }
    }
    const match = /^Hit me baby, push them over with the version=(\d+)/.exec(reply)!;
    this.negotiated = Number(match[1]);
    if (!(this.negotiated & CAP.REPLICATION)) throw new Error(`${o.hostname}: the parent did not negotiate REPLICATION (version=${this.negotiated})`);
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk.toString('latin1')));
    const rest = reply.slice(match[0].length);
    if (rest) this.#read(rest);
    return this.negotiated;
  }

  /** Claim id, host labels, and every chart's definition ending in CHART_DEFINITION_END. */
  sendDefinitions(): void {
    const o = this.#o;
    const now = nowS();
    let text = `CLAIMED_ID ${o.machineGuid} NULL\nLABEL "_is_parent" = 1 "false"\nLABEL "_os_name" = 1 "synthetic"\nOVERWRITE labels\n`;
    for (let c = 0; c < o.charts; c++) {
      text += `CHART "${chartId(c)}" "" "Replication bench ${c}" "things" "rbench" "rbench.c" "line" ${1000 + c} ${UPDATE_EVERY_SECS} "   " "rbench.plugin" ""\n` +
        `CLABEL "_collect_plugin" "rbench.plugin" ${LABEL_SOURCE_AUTO}\nCLABEL "_collect_module" "[none]" ${LABEL_SOURCE_AUTO}\nCLABEL_COMMIT\n`;
      for (let d = 0; d < o.dimensions; d++) text += `DIMENSION "d${d}" "d${d}" "absolute" 1 1 "  "\n`;
      text += `CHART_DEFINITION_END ${this.firstS} ${now - 1} ${now}\n`;
    }
    this.#socket.write(text);
  }

  /** Stops the live data and closes the connection. */
  close(): void {
    this.#closed = true;
    if (this.#liveTimer) clearInterval(this.#liveTimer);
    this.#socket.destroy();
  }

  #read(text: string): void {
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('REPLAY_CHART ')) continue; // nothing else is asked of this child
      if (this.counts.requests === 0 && this.#queue.length === 0) this.#o.onFirstRequest?.();
      this.#queue.push(line);
    }
    if (this.#queue.length > 0 && !this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    const c = this.counts;
    if (this.#idleSinceMs) c.idleMs += performance.now() - this.#idleSinceMs;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const t0 = performance.now();
        const answer = this.#answer(this.#queue.shift()!);
        const t1 = performance.now();
        c.buildMs += t1 - t0;
        if (!this.#socket.write(answer)) {
          await once(this.#socket, 'drain');
          c.drainWaitMs += performance.now() - t1;
        }
      }
      if (c.finishedCharts === this.#o.charts) this.#finish();
    } catch (err) {
      this.#fail(err as Error);
    } finally {
      this.#pumping = false;
      this.#idleSinceMs = c.finishedCharts < this.#o.charts ? performance.now() : 0;
    }
  }

  /**
   * 1.37's `replicate_chart_response` for the synthetic hour: points with end times in
   * (after, before], clipped to what the child holds; with start streaming the window runs to
   * the child's last second, and the collection state closes it.
   */
  #answer(line: string): string {
    const words = line.split(' ').map((w) => w.replace(/^"(.*)"$/, '$1'));
    const id = words[1];
    const chart = Number(id.slice(id.lastIndexOf('c') + 1));
    if (!id.startsWith('rbench.c') || !(chart >= 0 && chart < this.#o.charts)) throw new Error(`asked for an unknown chart: ${line}`);
    const start = words[2] === 'true';
    let after = Number(words[3]);
    let before = Number(words[4]);
    this.counts.requests++;
    const now = nowS();
    const last = now - 1;
    const first = this.firstS;
    let text = `RBEGIN "${id}"\n`;
    if (after === 0 && before === 0) {
      // the parent needs nothing: an empty answer that starts streaming
    } else {
      const from = Math.max(after, first);
      const to = start ? last : Math.min(before, last);
      if (start) before = to;
      const dims = this.#o.dimensions;
      for (let t = from + 1; t <= to; t++) {
        let point = `RBEGIN '' ${t - UPDATE_EVERY_SECS} ${t} ${now}\n`;
        for (let d = 0; d < dims; d++) point += rsetLine(d, valueAt(chart, d, t));
        text += point;
        this.counts.points++;
      }
    }
    if (start) {
      const collectedUs = last * 1_000_000 + 971_814;
      for (let d = 0; d < this.#o.dimensions; d++) {
        const v = valueAt(chart, d, last);
        text += `RDSTATE "d${d}" ${collectedUs} ${v} ${v}.0000000 ${v}.0000000\n`;
      }
      text += `RSSTATE ${collectedUs} ${last * 1_000_000}\n`;
    }
    text += `REND ${UPDATE_EVERY_SECS} ${first} ${last} ${start} ${after} ${before} ${nowS()}\n`;
    this.counts.answerBytes += text.length;
    if (start) {
      this.counts.finishedCharts++;
      this.#liveNextS[chart] = last + 1;
      this.#startLive();
    }
    return text;
  }

  /** Once a second, one iteration of every chart that finished replicating. */
  #startLive(): void {
    if (this.#liveTimer) return;
    this.#liveTimer = setInterval(() => {
      let text = '';
      for (let c = 0; c < this.#o.charts; c++) {
        const t = this.#liveNextS[c];
        if (t === 0) continue;
        text += `BEGIN "${chartId(c)}" ${UPDATE_EVERY_SECS * 1_000_000}\n`;
        for (let d = 0; d < this.#o.dimensions; d++) text += `SET "d${d}" = ${valueAt(c, d, t)}\n`;
        text += 'END\n';
        this.#liveNextS[c] = t + UPDATE_EVERY_SECS;
      }
      if (text && !this.#closed) this.#socket.write(text);
    }, UPDATE_EVERY_SECS * 1000);
  }
}

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}
