/**
 * What the agent refused or freed to protect itself from its inputs, counted in one place and
 * shown on `netdata.refusals` (self-monitoring). Each part that enforces a limit calls
 * {@link countRefusal} where it refuses; the counters only grow, for the whole process (agents
 * run in one process in some tests share them).
 */

/** One counter per limit. */
export interface RefusalCounts {
  /** Connections lost or refused because the process was out of file descriptors (EMFILE, ENFILE). */
  descriptors: number;
  /** Connections closed at once because `web server max sockets` were open. */
  maxSockets: number;
  /** Connections closed because their first request was not complete within its deadline. */
  requestDeadline: number;
  /** DIMENSION lines ignored because their chart had its most dimensions already. */
  dimensions: number;
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
];

const counts: RefusalCounts = { descriptors: 0, maxSockets: 0, requestDeadline: 0, dimensions: 0, emptyHosts: 0 };

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
