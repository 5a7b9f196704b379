/**
 * The stream sender: one host's charts to a parent (reference §2.1–§2.5). On every (re)connect
 * it discards what the last connection left, sends every chart definition (CHART, DIMENSION,
 * VARIABLE) and the host variables, then one BEGIN/SET/END block per chart iteration. A local
 * host's blocks are formatted from the chart's state; a proxied host's blocks are the bytes its
 * child sent, forwarded unchanged (DESIGN "The one idea").
 */
import type net from 'node:net';
import { chartDefinitionLines, DataBlockWriter, formatVariableValue, hostVariableLines } from '../protocol/index.js';
import type { Chart, Dimension, Host, HostObserver } from '../database/types.js';
import { Connection, type ConnectionStats, type HandshakeOutcome } from './connection.js';
import type { Destination } from './destination.js';
import { SenderLog } from './events.js';
import { mayBeIncomplete, validateResponse } from './prompts.js';
import { buildStreamRequest, type SenderIdentity } from './request.js';

/** One host's sender: what it streams, where to, with which timing. */
export interface SenderOptions {
  /** The host whose charts go upstream (the local one, or a mirrored one for a proxy). */
  host: Host;
  /** What the request says (its `hops` is already the host's hops + 1). */
  identity: SenderIdentity;
  destinations: readonly Destination[];
  timeoutSecs: number;
  bufferSizeBytes: number;
  reconnectDelaySecs: number;
  initialClockResyncIterations: number;
  /** `send charts matching`, evaluated once per chart against its id and its name. */
  sendChart: (idOrName: string) => boolean;
  /**
   * `local`: blocks are formatted at each chart's END. `proxy`: blocks come from
   * {@link StreamSender.forwardBlock} (the receiving parser's `onDataBlock`).
   */
  mode: 'local' | 'proxy';
}

interface ChartState {
  readonly send: boolean;
  writer: DataBlockWriter | null;
  /** The definition went up on this connection and has not changed since. */
  exposed: boolean;
  /** CHART or DIMENSION came again: compare with what went up before the next block. */
  recheck: boolean;
  /** The definition text as last sent. */
  sent: string;
  /** Blocks left that carry 0 µs, so the parent uses its own clock (resync). */
  resyncBlocksLeft: number;
}

/** Stats for self-monitoring. */
export interface SenderStats extends ConnectionStats {
  connected: boolean;
  blocksSent: number;
  destination: string;
}

const QUOTE = 0x22;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const BEGIN_LENGTH = 5; // "BEGIN"

/** Streams one host to the first reachable destination; `start()` / `stop()` bound its life. */
export class StreamSender implements HostObserver {
  readonly #options: SenderOptions;
  readonly #host: Host;
  readonly #log: SenderLog;
  readonly #connection: Connection;
  readonly #charts = new Map<Chart, ChartState>();
  #blocksSent = 0;
  #started = false;

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#host = options.host;
    this.#log = new SenderLog(options.identity.hostname);
    const request = buildStreamRequest(options.identity);
    const timeoutMs = options.timeoutSecs * 1000;
    this.#connection = new Connection({
      destinations: options.destinations,
      connectTimeoutMs: timeoutMs,
      sendTimeoutMs: timeoutMs,
      reconnectDelayMs: options.reconnectDelaySecs * 1000,
      bufferSizeBytes: options.bufferSizeBytes,
      handshake: (socket, d) => this.#handshake(socket, d, request, timeoutMs),
      listener: this.#log.listener(() => this.#onEstablished()),
    });
  }

  /** Whether the link is up and metrics go out. */
  get connected(): boolean {
    return this.#connection.ready;
  }

  get stats(): SenderStats {
    return {
      ...this.#connection.stats,
      connected: this.#connection.ready,
      blocksSent: this.#blocksSent,
      destination: this.#connection.destination?.label ?? '',
    };
  }

  /** Observes the host and starts connecting. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#options.destinations.length === 0) {
      this.#log.badDestination('no usable destination - nothing will be sent.');
      return;
    }
    this.#host.addObserver(this);
    this.#connection.start();
  }

  /** Stops observing and closes the connection. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#host.removeObserver(this);
    await this.#connection.stop();
  }

  // ---- HostObserver ------------------------------------------------------------------------------

  chartDefined(chart: Chart): void {
    // plugins (and reconnecting children) may repeat an unchanged CHART: resend only real changes
    const state = this.#charts.get(chart);
    if (state) state.recheck = true;
  }

  dimensionDefined(chart: Chart, _dimension: Dimension): void {
    this.chartDefined(chart);
  }

  chartDone(chart: Chart): void {
    if (this.#options.mode !== 'local') return;
    if (!this.#connection.ready) { this.#log.notReady(); return; }
    try {
      this.#sendBlock(chart);
    } catch (err) {
      this.#failed(err);
    }
  }

  #sendBlock(chart: Chart): void {
    const state = this.#state(chart);
    if (!state.send) return;
    this.#exposeIfNeeded(chart, state);
    state.writer ??= new DataBlockWriter(chart);
    let microseconds = chart.lastDurationUs;
    if (state.resyncBlocksLeft > 0) {
      state.resyncBlocksLeft--;
      microseconds = 0;
    }
    const block = state.writer.format(microseconds);
    this.#connection.write(block);
    this.#blocksSent++;
  }

  hostVariableSet(name: string, value: number): void {
    if (!this.#connection.ready) return;
    this.#connection.write(Buffer.from(`VARIABLE HOST ${name} = ${formatVariableValue(value)}\n`));
  }

  /** A bug of ours must not break the parser that called us: log it and start the link afresh. */
  #failed(err: unknown): void {
    this.#log.badDestination(`internal error while sending metrics (${err instanceof Error ? err.message : String(err)}) - restarting the connection.`);
    this.#connection.restart('internal error');
  }

  /**
   * A proxy's data path: one BEGIN..END block as the child sent it. Its chart's definition goes
   * first when it is new or changed on this connection. The bytes are copied before returning.
   */
  forwardBlock(block: Buffer): void {
    if (!this.#connection.ready) { this.#log.notReady(); return; }
    try {
      const chart = this.#chartOfBlock(block);
      if (!chart) return;
      const state = this.#state(chart);
      if (!state.send) return;
      this.#exposeIfNeeded(chart, state);
      this.#connection.write(block);
      this.#blocksSent++;
    } catch (err) {
      this.#failed(err);
    }
  }

  // ---- connection --------------------------------------------------------------------------------

  async #handshake(socket: net.Socket, d: Destination, request: string, timeoutMs: number): Promise<HandshakeOutcome> {
    this.#log.initializing(d);
    socket.write(request);
    this.#log.waiting(d);
    const reply = await readReply(socket, timeoutMs);
    if (reply === '') return { ok: false, reason: 'remote netdata did not respond (timeout or connection closed)', postponeSecs: 0 };
    const verdict = validateResponse(reply);
    return verdict.ok ? { ok: true } : verdict;
  }

  /** Connected and the prompt was right: start clean, definitions first (reference §2.4). */
  #onEstablished(): void {
    this.#log.discarding(this.#connection.discard());
    for (const state of this.#charts.values()) state.exposed = false;
    for (const chart of this.#host.charts.values()) {
      const state = this.#state(chart);
      if (state.send) this.#expose(chart, state);
    }
    const variables = hostVariableLines(this.#host);
    if (variables) this.#connection.write(Buffer.from(variables));
    this.#log.ready();
  }

  #exposeIfNeeded(chart: Chart, state: ChartState): void {
    if (state.recheck) {
      state.recheck = false;
      if (state.exposed && chartDefinitionLines(chart) !== state.sent) state.exposed = false;
    }
    if (!state.exposed) this.#expose(chart, state);
  }

  #expose(chart: Chart, state: ChartState): void {
    state.sent = chartDefinitionLines(chart);
    this.#connection.write(Buffer.from(state.sent));
    state.exposed = true;
    state.recheck = false;
    // reference §2.4, §9: the first `initial clock resync iterations` blocks after a definition
    // carry 0 µs (netdata counts them in update-every intervals; at a steady pace that is the same)
    state.resyncBlocksLeft = this.#options.initialClockResyncIterations;
  }

  #state(chart: Chart): ChartState {
    let state = this.#charts.get(chart);
    if (!state) {
      const send = this.#options.sendChart(chart.id) || (chart.fullName !== chart.id && this.#options.sendChart(chart.fullName));
      state = { send, writer: null, exposed: false, recheck: false, sent: '', resyncBlocksLeft: 0 };
      this.#charts.set(chart, state);
    }
    return state;
  }

  /** The chart a block's `BEGIN "type.id" ...` line names. */
  #chartOfBlock(block: Buffer): Chart | undefined {
    let i = BEGIN_LENGTH;
    while (i < block.length && block[i] === SPACE) i++;
    let end: number;
    if (block[i] === QUOTE || block[i] === 0x27) {
      const q = block[i++]!;
      end = block.indexOf(q, i);
    } else {
      end = i;
      while (end < block.length && block[end] !== SPACE && block[end] !== NEWLINE && block[end] !== 0x0d) end++;
    }
    if (end < 0) return undefined;
    return this.#host.charts.get(block.toString('utf8', i, end));
  }
}

/**
 * Reads the receiver's reply as netdata does (one read), but keeps reading while what came is a
 * proper prefix of a known reply, so a split packet is not misread. Ends at close or timeout.
 */
function readReply(socket: net.Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', finish);
      resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (!mayBeIncomplete(text)) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', onData);
    socket.on('close', finish);
  });
}
