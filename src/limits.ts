/**
 * Every limit that bounds what the agent's inputs can make it hold, in one place: each one's
 * default, what it bounds, and the counter of its refusals on `netdata.refusals`. The part that
 * would spend the memory enforces its limit before spending it (the parser's through
 * `protocol/source-limits.ts`, the database's totals through `database/capacity.ts`, the
 * receiver's and the web server's where they accept) and counts every refusal here with
 * {@link countRefusal}. Values an operator may set are read by config, which takes these
 * defaults; `docs/memory.md` adds them up into the worst case.
 *
 * The counters only grow, for the whole process (agents run in one process in some tests share
 * them).
 */

/** The defaults of every limit on input (DESIGN "Bad input"). */
export const DEFAULT_LIMITS = Object.freeze({
  /** Longest line from a plugin or a child, newline excluded; a longer one stops the source. */
  lineBytes: 65536,
  /** Most charts one host may have; a new chart past it is refused alone. */
  chartsPerHost: 20000,
  /** Most dimensions one chart may have (netdata's 5000 of a 1.37 child); a new one past it is refused alone. */
  dimensionsPerChart: 5000,
  /** Most charts of all hosts together (`[db] max charts`); a new chart past it is refused alone. */
  charts: 50_000,
  /** Most dimensions of all hosts together (`[db] max dimensions`); a new one past it is refused alone. */
  dimensions: 100_000,
  /** Most mirrored hosts (connected or orphan); a new machine GUID past it is refused. */
  hosts: 1000,
  /** Most STREAM connections at once, handshaking or streaming. */
  streamConnections: 1000,
  /** Longest STREAM request head (request line and headers). */
  streamRequestBytes: 16 * 1024,
  /** Most function calls in flight per plugin; more are answered 503 at once. */
  functionCallsInFlight: 64,
  /** Largest function result body kept; a larger one is dropped and its call answered with an error. */
  functionResultBytes: 10 * 1024 * 1024,
  /** Most function call bytes waiting in a plugin's stdin; a plugin that does not read it gets no more calls. */
  functionStdinBytes: 64 * 1024,
  /** Longest stderr line of a plugin passed on to the log; longer ones are cut. */
  stderrLineBytes: 1024,
  /** Longest command line a parent sends back to its child (a REPLAY_CHART is under 300 bytes); longer ones are cut. */
  parentCommandBytes: 16 * 1024,
  /** Largest BEGIN..END block a proxy keeps to forward; a larger one is not forwarded (its values are stored). */
  proxiedBlockBytes: 64 * 1024 * 1024,
});

/** One counter per limit (and per kind of refusal that protects the agent without a value). */
export interface RefusalCounts {
  /** Lines longer than the line limit (each stops its source). */
  lineBytes: number;
  /** CHART lines refused: their host had its most charts. */
  chartsPerHost: number;
  /** DIMENSION lines ignored because their chart had its most dimensions already. */
  dimensions: number;
  /** CHART lines refused: all hosts together had the most charts. */
  charts: number;
  /** DIMENSION lines refused: all hosts together had the most dimensions. */
  dimensionsTotal: number;
  /** STREAM requests of a new machine GUID refused: the parent held its most hosts. */
  hosts: number;
  /** STREAM connections refused: the most were open. */
  streamConnections: number;
  /** STREAM requests whose head was longer than the limit. */
  streamRequestBytes: number;
  /** Function calls refused (too many in flight, or the plugin does not read its input) and results dropped as too large. */
  functionCalls: number;
  /** Data blocks a proxy did not forward, as larger than it keeps. */
  proxiedBlocks: number;
  /** Connections lost or refused because the process was out of file descriptors (EMFILE, ENFILE). */
  descriptors: number;
  /** Connections closed at once because `web server max sockets` were open. */
  maxSockets: number;
  /** Connections closed because their first request was not complete within its deadline. */
  requestDeadline: number;
  /** Mirrored hosts without a chart freed when their child's link ended. */
  emptyHosts: number;
}

/** The chart's dimensions, in order: [counter, dimension id]. */
export const REFUSAL_DIMENSIONS: ReadonlyArray<readonly [keyof RefusalCounts, string]> = [
  ['descriptors', 'descriptors'],
  ['maxSockets', 'max_sockets'],
  ['requestDeadline', 'request_deadline'],
  ['dimensions', 'dimensions'],
  ['emptyHosts', 'empty_hosts_freed'],
  ['lineBytes', 'line_bytes'],
  ['chartsPerHost', 'charts_per_host'],
  ['charts', 'charts_all_hosts'],
  ['dimensionsTotal', 'dimensions_all_hosts'],
  ['hosts', 'hosts'],
  ['streamConnections', 'stream_connections'],
  ['streamRequestBytes', 'stream_request_bytes'],
  ['functionCalls', 'function_calls'],
  ['proxiedBlocks', 'proxied_blocks'],
];

const counts = Object.fromEntries(REFUSAL_DIMENSIONS.map(([key]) => [key, 0])) as unknown as RefusalCounts;

/** Counts one refusal of `kind` (or `n`). */
export function countRefusal(kind: keyof RefusalCounts, n = 1): void {
  counts[kind] += n;
}

/** The counters since start. */
export function refusalCounts(): Readonly<RefusalCounts> {
  return counts;
}

/** Whether an error is the process (EMFILE) or the system (ENFILE) being out of file descriptors. */
export function isDescriptorShortage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}
