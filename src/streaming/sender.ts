/**
 * The stream sender: one host's charts to a parent (reference §2.1–§2.5). On every (re)connect
 * it discards what the last connection left, sends what the link negotiated on connect (host
 * variables, the claim id, host labels) and every chart definition (CHART, chart labels,
 * DIMENSION, VARIABLE, and with replication CHART_DEFINITION_END), then one BEGIN/SET/END block
 * per chart iteration. A local host's blocks are formatted from the chart's state; a proxied
 * host's blocks are the bytes its child sent, forwarded unchanged (DESIGN "The one idea").
 * With replication a chart's blocks wait until the parent's replay of it is answered. Where
 * the link negotiated compression, everything queued goes out as frames of its algorithm (lz4
 * as netdata 1.37, zstd as 1.44: the connection's transport); the parent's commands come back
 * plain.
 */
import type net from 'node:net';
import {
  chartDefinitionLines, DataBlockWriter, formatVariableValue, hostLabelLines, hostVariableLines,
} from '../protocol/index.js';
import type { CompressionLevels } from '../config/index.js';
import type { Chart, Dimension, Host, HostObserver } from '../database/index.js';
import { Connection, type ConnectionListener, type ConnectionStats, type HandshakeOutcome } from './connection.js';
import type { Destination } from './destination.js';
import { replicationLog, SenderLog } from './events.js';
import type { HostFunction } from './function-relay.js';
import { FunctionRequests } from './function-requests.js';
import { LinkCapabilities } from './negotiation.js';
import type { LinkStatus } from './link-stats.js';
import { OutboundLinkCounts } from './outbound-link.js';
import { ParentCommandReader } from './parent-commands.js';
import { mayBeIncomplete, POSTPONE_SECS, validateResponse } from './prompts.js';
import type { ReplaySource } from './replay-source.js';
import { ReplicationResponder, type ResponderStats } from './replication-sender.js';
import { buildStreamRequest, type SenderIdentity } from './request.js';
import { spoolClaim } from './spool-claim.js';
import type { SpoolRecorder } from './spool-recorder.js';
import type { SpoolStats } from './spool.js';
import type { ClientTls } from './tls-client.js';
import { outboundTransport } from './transport.js';

/** One host's sender: what it streams, where to, with which timing. */
export interface SenderOptions {
  /** The host whose charts go upstream (the local one, or a mirrored one for a proxy). */
  host: Host;
  /**
   * What the request says (its `hops` is already the host's hops + 1, its `version` the
   * capability bits offered).
   */
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
  /** Where replication requests are answered from: the host's rings, or its spool. */
  source: ReplaySource;
  /** A host without a database: what its charts store goes to the spool (`source`). */
  recorder?: SpoolRecorder;
  /** `[stream]`'s compression levels (netdata 1.44's defaults when absent). */
  compressionLevels?: Readonly<CompressionLevels>;
  /** How `:SSL` destinations are connected (`[stream]` TLS settings). */
  tls?: ClientTls;
  /**
   * The host's functions: announced with their charts' definitions and called by the parent
   * where the link negotiated FUNCTIONS. None when absent.
   */
  functions?: () => readonly HostFunction[];
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
  /** Blocks left that carry 0 µs, so the parent uses its own clock (resync, version-1 links). */
  resyncBlocksLeft: number;
  /** A proxy holds the chart back while its own child is replaying it (see holdChart). */
  held: boolean;
}

/** Stats for self-monitoring. */
export interface SenderStats extends ConnectionStats {
  connected: boolean;
  blocksSent: number;
  destination: string;
  /** What the current (or last) link negotiated, as netdata prints it. */
  capabilities: string;
  /** The algorithm the current (or last) link compresses with; null when plain. */
  compression: string | null;
  replication: ResponderStats;
  /** The disk spool of a host without a database; null for a host with one. */
  spool: Readonly<SpoolStats> | null;
}

/** This node has no claim id: `CLAIMED_ID <guid> NULL` (1.37 sends it on every CLAIM link). */
const NO_CLAIM_ID = 'NULL';

/** Streams one host to the first reachable destination; `start()` / `stop()` bound its life. */
export class StreamSender implements HostObserver {
  readonly #options: SenderOptions;
  readonly #host: Host;
  readonly #log: SenderLog;
  readonly #connection: Connection;
  readonly #charts = new Map<Chart, ChartState>();
  readonly #responder: ReplicationResponder;
  readonly #functionRequests: FunctionRequests;
  /** The capability bits this sender offers (`ver=`). */
  readonly #offered: number;
  #link = LinkCapabilities.V1;
  #commands: ParentCommandReader | null = null;
  readonly #counts = new OutboundLinkCounts(Date.now());
  #blocksSent = 0;
  #started = false;

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#host = options.host;
    this.#log = new SenderLog(options.identity.hostname);
    this.#offered = options.identity.version;
    const timeoutMs = options.timeoutSecs * 1000;
    this.#connection = new Connection({
      destinations: options.destinations,
      connectTimeoutMs: timeoutMs,
      sendTimeoutMs: timeoutMs,
      reconnectDelayMs: options.reconnectDelaySecs * 1000,
      bufferSizeBytes: options.bufferSizeBytes,
      tls: options.tls,
      handshake: (socket, d) => this.#handshake(socket, d, this.#request(), timeoutMs),
      listener: this.#linkListener(),
    });
    this.#responder = new ReplicationResponder({
      host: options.host,
      source: options.source,
      tag: () => this.#log.tag(this.#connection.destination),
      write: (text) => this.#connection.write(Buffer.from(text)),
      fill: () => this.#connection.queuedBytes / options.bufferSizeBytes,
      bufferBytes: options.bufferSizeBytes,
    });
    this.#functionRequests = new FunctionRequests({
      functions: options.functions ?? (() => []),
      tag: () => this.#log.tag(this.#connection.destination),
      write: (bytes) => this.#connection.write(bytes),
      room: () => options.bufferSizeBytes - this.#connection.queuedBytes,
      connected: () => this.#connection.ready,
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
      capabilities: this.#link.toString().trim(),
      compression: this.#link.compression,
      replication: this.#responder.stats,
      spool: this.#options.recorder?.spool.stats ?? null,
    };
  }

  /** The link's figures now (`/api/v1/topology`, the `netdata.streaming_*` charts). */
  linkStatus(nowMs: number): LinkStatus {
    const destination = this.#connection.destination ?? this.#options.destinations[0] ?? null;
    return this.#counts.status(this.stats, {
      host: this.#host.hostname,
      machineGuid: this.#host.machineGuid,
      peer: destination?.label ?? '',
      tls: destination?.ssl ?? false,
      queuedBytes: this.#connection.queuedBytes,
      bufferSizeBytes: this.#options.bufferSizeBytes,
    }, nowMs);
  }

  /** The request of this connect: a sender streaming from a spool tells the spool's state now (spool-claim.ts). */
  #request(): string {
    const spool = this.#options.recorder?.spool;
    return buildStreamRequest(spool ? { ...this.#options.identity, spool: spoolClaim(spool.stats) } : this.#options.identity);
  }

  /** The log's listener, also telling the link's counts when it goes up and down. */
  #linkListener(): ConnectionListener {
    const log = this.#log.listener(() => this.#onEstablished(), (chunk) => this.#commands?.feed(chunk));
    return {
      ...log,
      ready: (d) => { this.#counts.changed(Date.now()); log.ready?.(d); },
      closed: (d, reason) => { this.#counts.changed(Date.now()); log.closed?.(d, reason); },
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
    this.#responder.reset();
    await this.#connection.stop();
    this.#options.recorder?.spool.close();
  }

  /**
   * A proxy's hold: its child is replaying `chart`, so the chart stops going up (its gap is
   * still being filled here). {@link releaseChart} sends its definition again, and with
   * replication the parent then asks for what it missed.
   */
  holdChart(chart: Chart): void {
    const state = this.#state(chart);
    state.held = true;
    state.exposed = false;
  }

  /** The child finished replaying `chart`: expose it upstream now (when connected). */
  releaseChart(chart: Chart): void {
    const state = this.#state(chart);
    if (!state.held) return;
    state.held = false;
    if (this.#connection.ready && state.send) this.#expose(chart, state);
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
    const recorder = this.#options.recorder;
    if (recorder && this.#state(chart).send) recorder.chartDone(chart);
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
    if (!this.#mayGoUp(chart, state)) return;
    state.writer ??= new DataBlockWriter(chart);
    let microseconds = chart.lastDurationUs;
    if (state.resyncBlocksLeft > 0) {
      state.resyncBlocksLeft--;
      microseconds = 0;
    }
    const block = state.writer.format(microseconds);
    this.#connection.write(block);
    this.#blocksSent++;
    this.#counts.blockSent(chart);
  }

  pointReplayed(chart: Chart, timeS: number, values: ArrayLike<number>): void {
    const recorder = this.#options.recorder;
    if (recorder && this.#state(chart).send) recorder.pointReplayed(chart, timeS, values);
  }

  /** New host labels go up at once on a link that carries them (as 1.37 sends them on change). */
  hostLabelsChanged(host: Host): void {
    if (this.#connection.ready && this.#link.hostLabels) this.#connection.write(Buffer.from(hostLabelLines(host)));
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
   * A proxy's data path: one BEGIN..END block of `chart` as the child sent it. Its chart's
   * definition goes first when it is new or changed on this connection. The bytes are copied
   * before returning.
   */
  forwardBlock(block: Buffer, chart: Chart): void {
    if (!this.#connection.ready) { this.#log.notReady(); return; }
    try {
      if (!this.#mayGoUp(chart, this.#state(chart))) return;
      this.#connection.write(block);
      this.#blocksSent++;
      this.#counts.blockSent(chart);
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
    if (!verdict.ok) return verdict;
    this.#link = LinkCapabilities.fromParentReply(verdict.version, this.#offered);
    this.#log.negotiated(d, this.#link.toString());
    try {
      return { ok: true, transport: outboundTransport(this.#link, this.#options.compressionLevels) };
    } catch (err) {
      // the algorithm's library was offered (installed) but does not load
      return { ok: false, reason: err instanceof Error ? err.message : String(err), postponeSecs: POSTPONE_SECS.notUnderstood };
    }
  }

  /**
   * Connected and the prompt was right: start clean (reference §2.4, 1.37's
   * `rrdpush_sender_on_connect`): host variables, the claim id and host labels where the link
   * carries them, then every chart's definition.
   */
  #onEstablished(): void {
    this.#log.discarding(this.#connection.discard());
    this.#responder.reset();
    this.#functionRequests.reset();
    const link = this.#link;
    const unknown = (line: string): void =>
      replicationLog.badRequest(this.#log.tag(this.#connection.destination), line, 'not a command this node takes');
    this.#commands = link.replication || link.functions ? new ParentCommandReader({
      replayChart: (words, line) => link.replication ? this.#responder.request(words, line) : unknown(line),
      function: (words, line) => link.functions ? this.#functionRequests.request(words, line) : unknown(line),
      unknown,
    }) : null;
    let onConnect = hostVariableLines(this.#host);
    if (link.claim) onConnect += `CLAIMED_ID ${this.#host.machineGuid} ${NO_CLAIM_ID}\n`;
    if (link.hostLabels) onConnect += hostLabelLines(this.#host);
    if (onConnect) this.#connection.write(Buffer.from(onConnect));
    for (const state of this.#charts.values()) state.exposed = false;
    for (const chart of this.#host.charts.values()) {
      const state = this.#state(chart);
      if (state.send && !state.held) this.#expose(chart, state);
    }
    this.#log.ready();
  }

  /**
   * Whether a block of `chart` may go up now: it is sent, not held by a proxy, its definition is
   * (re)sent first when needed, and it does not wait for its replication to be answered.
   */
  #mayGoUp(chart: Chart, state: ChartState): boolean {
    if (!state.send || state.held) return false;
    this.#exposeIfNeeded(chart, state);
    return !this.#responder.waiting(chart);
  }

  #exposeIfNeeded(chart: Chart, state: ChartState): void {
    if (state.recheck) {
      state.recheck = false;
      if (state.exposed && this.#definition(chart) !== state.sent) state.exposed = false;
    }
    if (!state.exposed) this.#expose(chart, state);
  }

  /** The chart's definition as this link carries it: with its labels and functions where negotiated. */
  #definition(chart: Chart): string {
    const link = this.#link;
    const functions = link.functions && this.#options.functions
      ? this.#options.functions().filter((f) => f.chartIds.includes(chart.id))
      : undefined;
    return chartDefinitionLines(chart, link.chartLabels, functions);
  }

  #expose(chart: Chart, state: ChartState): void {
    state.sent = this.#definition(chart);
    const replication = this.#link.replication;
    this.#connection.write(Buffer.from(replication ? state.sent + this.#responder.definitionEnd(chart) : state.sent));
    state.exposed = true;
    state.recheck = false;
    // reference §2.4, §9: the first `initial clock resync iterations` blocks after a definition
    // carry 0 µs on a version-1 link (netdata counts them in update-every intervals; at a steady
    // pace that is the same); with replication every block carries its real duration
    state.resyncBlocksLeft = replication ? 0 : this.#options.initialClockResyncIterations;
  }

  #state(chart: Chart): ChartState {
    let state = this.#charts.get(chart);
    if (!state) {
      const send = this.#options.sendChart(chart.id) || (chart.fullName !== chart.id && this.#options.sendChart(chart.fullName));
      state = { send, writer: null, exposed: false, recheck: false, sent: '', resyncBlocksLeft: 0, held: false };
      this.#charts.set(chart, state);
    }
    return state;
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
