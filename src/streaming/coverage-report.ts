/**
 * `GET /api/v1/coverage`: per host and chart, the seconds held (walked from the stored slots on
 * request), the seconds missing between the first and the last entry (and after it while the
 * child is away), each gap with why, and what replication filled. The why comes from the
 * host's link periods and the chart's replication ledger (`coverage-ledger.ts`):
 *
 * - `replication pending`: the chart's replication on the current link has not finished yet;
 * - `not connected`: the child is away now (a later link may still replicate it);
 * - `not connected and no replication`: the child was away and the link after did not replicate;
 * - `spool full`: it was away, and when replication asked, the child's spool (a sender
 *   without a database) no longer reached back that far because it had dropped its oldest
 *   points for room, as the child's request said (spool-claim.ts);
 * - `retention passed`: it was away, and when replication asked, the child's database (or a
 *   spool that dropped nothing, e.g. started after) no longer reached back that far;
 * - `not collected`: the source had no value there (a local collector's gap, a live child's
 *   gap, or a replicated answer without one).
 *
 * Every reason but the first two is lost for good.
 */
import { heldRanges, type HeldRange, type Chart, type Host } from '../database/index.js';
import { chartLedger, linkPeriods, type ChartLedger, type LinkPeriod } from './coverage-ledger.js';

/** Why seconds are missing (see the file's comment). */
export type GapReason =
  | 'replication pending'
  | 'not connected'
  | 'not connected and no replication'
  | 'spool full'
  | 'retention passed'
  | 'not collected';

/** Reasons that a later link or answer may still fill. */
const NOT_YET_LOST: ReadonlySet<GapReason> = new Set(['replication pending', 'not connected']);

/** One run of missing seconds, both ends included. */
export interface CoverageGap {
  from: number;
  to: number;
  seconds: number;
  reason: GapReason;
  /** Whether the seconds are lost for good. */
  lost: boolean;
}

/** One chart's entry of the report (the endpoint's `charts[]`). */
export interface ChartCoverage {
  id: string;
  update_every: number;
  first_entry: number | null;
  last_entry: number | null;
  held: HeldRange[];
  held_seconds: number;
  missing_seconds: number;
  /** Seconds stored from replicated points (REPLAY_CHART answers) rather than live. */
  replicated_seconds: number;
  lost_seconds: number;
  gaps: CoverageGap[];
}

/** The endpoint's body for one host. */
export interface HostCoverage {
  hostname: string;
  now: number;
  /** Whether the host is this node's own, and whether its child is connected now. */
  local: boolean;
  connected: boolean;
  first_entry: number | null;
  last_entry: number | null;
  totals: { held_seconds: number; missing_seconds: number; replicated_seconds: number; lost_seconds: number };
  charts: ChartCoverage[];
}

/**
 * Seconds before a link ended that may still belong to its disconnection: the last slots are
 * stored after the socket closes is noticed only so late.
 */
const DISCONNECT_SLACK_SLOTS = 2;

/** The coverage of `host` at `nowS`, of every chart or of `only`. */
export function hostCoverage(host: Host, nowS: number, only?: Chart): HostCoverage {
  const charts = only ? [only] : [...host.charts.values()];
  const periods = linkPeriods(host);
  const connected = host.isLocal || host.stream.connected;
  const out = charts.map((chart) => chartCoverage(chart, periods, host.isLocal, connected, nowS));
  const firsts = out.map((c) => c.first_entry).filter((t): t is number => t !== null);
  const lasts = out.map((c) => c.last_entry).filter((t): t is number => t !== null);
  const sum = (key: 'held_seconds' | 'missing_seconds' | 'replicated_seconds' | 'lost_seconds'): number =>
    out.reduce((n, c) => n + c[key], 0);
  return {
    hostname: host.hostname,
    now: nowS,
    local: host.isLocal,
    connected,
    first_entry: firsts.length ? Math.min(...firsts) : null,
    last_entry: lasts.length ? Math.max(...lasts) : null,
    totals: {
      held_seconds: sum('held_seconds'),
      missing_seconds: sum('missing_seconds'),
      replicated_seconds: sum('replicated_seconds'),
      lost_seconds: sum('lost_seconds'),
    },
    charts: out,
  };
}

function chartCoverage(chart: Chart, periods: readonly LinkPeriod[], local: boolean, connected: boolean, nowS: number): ChartCoverage {
  const step = chart.definition.updateEverySecs;
  const held = heldRanges(chart);
  const ledger = chartLedger(chart);
  const gaps: CoverageGap[] = [];
  const gap = (from: number, to: number, reason: GapReason): void => {
    gaps.push({ from, to, seconds: to - from + step, reason, lost: !NOT_YET_LOST.has(reason) });
  };
  const why = (from: number, to: number): GapReason => local ? 'not collected' : reasonOf(from, to, step, periods, ledger);
  for (let i = 1; i < held.length; i++) {
    const from = held[i - 1]![1] + step;
    const to = held[i]![0] - step;
    gap(from, to, why(from, to));
  }
  const last = held.at(-1)?.[1];
  // while the child is away, the seconds after its last entry are missing too
  if (!connected && last !== undefined && nowS - step > last) {
    const to = nowS - ((nowS - last) % step || step);
    if (to > last) gap(last + step, to, 'not connected');
  }
  const seconds = (list: CoverageGap[]): number => list.reduce((n, g) => n + g.seconds, 0);
  return {
    id: chart.id,
    update_every: step,
    first_entry: held.length ? held[0]![0] : null,
    last_entry: last ?? null,
    held,
    held_seconds: held.reduce((n, [from, to]) => n + to - from + step, 0),
    missing_seconds: seconds(gaps),
    replicated_seconds: ledger.replayedSlots * step,
    lost_seconds: seconds(gaps.filter((g) => g.lost)),
    gaps,
  };
}

/** Why a mirrored chart misses `[from, to]`: the link periods around it decide. */
function reasonOf(from: number, to: number, step: number, periods: readonly LinkPeriod[], ledger: ChartLedger): GapReason {
  if (ledger.replicationPending && to >= ledger.replicationFromS) return 'replication pending';
  const slack = DISCONNECT_SLACK_SLOTS * step;
  for (let i = 0; i < periods.length; i++) {
    const awayFrom = i === 0 ? -Infinity : periods[i - 1]!.toS - slack;
    if (to < awayFrom || from > periods[i]!.fromS) continue;
    // away before link i: it alone could have brought these seconds back
    if (!periods[i]!.replication) return 'not connected and no replication';
    if (i === periods.length - 1 && ledger.childFirstS > 0 && from < ledger.childFirstS) return beforeChildFirst(from, periods[i]!);
    return 'not collected';
  }
  const lastLink = periods.at(-1);
  if (lastLink && lastLink.toS > 0 && to >= lastLink.toS - slack) return 'not connected';
  return 'not collected';
}

/** Why seconds before what the child still had are lost: its spool dropped them, or it never kept them. */
function beforeChildFirst(from: number, link: LinkPeriod): GapReason {
  const spool = link.spool;
  return spool !== null && spool.droppedUntilS > 0 && from <= spool.droppedUntilS ? 'spool full' : 'retention passed';
}
