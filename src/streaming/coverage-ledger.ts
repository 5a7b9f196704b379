/**
 * What the coverage report needs besides the stored slots: per mirrored host, when its child
 * was connected and whether that link could replicate; per chart, how many slots replication
 * stored and where its replication stands. Bumped where links start and end and where
 * replication stores a point (integers, no work per live value); the report reads them on
 * request. Kept beside the objects (weak maps), so a host or chart removed takes its ledger.
 */
import type { Chart, Host } from '../database/index.js';
import type { SpoolClaim } from './spool-claim.js';

/** Link periods kept per host; older ones are forgotten (their gaps read as "not collected"). */
export const MAX_LINK_PERIODS = 256;

/** One connection of a host's child. */
export interface LinkPeriod {
  /** When the link started (s). */
  readonly fromS: number;
  /** When it ended (s); 0 while it is up. */
  toS: number;
  /** Whether the link negotiated replication and replication is enabled for the host. */
  readonly replication: boolean;
  /** The child's spool when the link started (a sender without a database); null for any other. */
  readonly spool: SpoolClaim | null;
}

/** One chart's replication counters. */
export interface ChartLedger {
  /** Slots written by replicated points (appended or filled; a slot already held is not counted). */
  replayedSlots: number;
  /** Replication of the chart runs on the current link (its live data is held back meanwhile). */
  replicationPending: boolean;
  /** The oldest second the pending (or last) replication asked for; 0 = it asked nothing. */
  replicationFromS: number;
  /** The child's first entry when the chart's replication started (its retention then); 0 = none. */
  childFirstS: number;
}

const periods = new WeakMap<Host, LinkPeriod[]>();
const charts = new WeakMap<Chart, ChartLedger>();

/** The chart's ledger, created empty on first use. */
export function chartLedger(chart: Chart): ChartLedger {
  let ledger = charts.get(chart);
  if (!ledger) {
    ledger = { replayedSlots: 0, replicationPending: false, replicationFromS: 0, childFirstS: 0 };
    charts.set(chart, ledger);
  }
  return ledger;
}

/** The host's link periods, oldest first (empty for a host never connected, or the local one). */
export function linkPeriods(host: Host): readonly LinkPeriod[] {
  return periods.get(host) ?? [];
}

/** A child's link for `host` started at `nowS`. */
export function linkStarted(host: Host, nowS: number, replication: boolean, spool: SpoolClaim | null = null): void {
  let list = periods.get(host);
  if (!list) { list = []; periods.set(host, list); }
  const open = list.at(-1);
  if (open && open.toS === 0) open.toS = nowS;
  list.push({ fromS: nowS, toS: 0, replication, spool });
  if (list.length > MAX_LINK_PERIODS) list.splice(0, list.length - MAX_LINK_PERIODS);
}

/** The link of `host` ended at `nowS`: no chart's replication is pending any more. */
export function linkEnded(host: Host, nowS: number): void {
  const open = periods.get(host)?.at(-1);
  if (open && open.toS === 0) open.toS = nowS;
  for (const chart of host.charts.values()) {
    const ledger = charts.get(chart);
    if (ledger) ledger.replicationPending = false;
  }
}
