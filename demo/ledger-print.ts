/**
 * Reads the coverage ledger (`/api/v1/coverage`, docs/coverage.md) of every host a node holds
 * and prints it for an operator: one line per host with its totals, then each gap with why.
 */

/** One gap as the ledger gives it. */
export interface LedgerGap {
  from: number;
  to: number;
  seconds: number;
  reason: string;
  lost: boolean;
}

/** A host's ledger (the fields the harness reads). */
export interface HostLedger {
  hostname: string;
  now: number;
  connected: boolean;
  first_entry: number | null;
  last_entry: number | null;
  totals: { held_seconds: number; missing_seconds: number; replicated_seconds: number; lost_seconds: number };
  charts: Array<{ id: string; update_every: number; held: Array<[number, number]>; missing_seconds: number; gaps: LedgerGap[] }>;
}

/** Gap lines printed per host; the rest are counted. */
const MAX_GAP_LINES = 20;
/** Answers larger than this are refused (a node holding very many charts). */
const MAX_LEDGER_BYTES = 64 << 20;
const REQUEST_TIMEOUT_MS = 20_000;

/** The ledgers of every host at `url` (`http://127.0.0.1:PORT/`), its own first. */
export async function readLedgers(url: string): Promise<HostLedger[]> {
  const info = await getJson(`${url}api/v1/info`) as { mirrored_hosts?: string[] };
  const hosts = info.mirrored_hosts ?? [];
  const own = await getJson(`${url}api/v1/coverage`) as HostLedger;
  const others = await Promise.all(hosts.filter((h) => h !== own.hostname)
    .map((h) => getJson(`${url}host/${encodeURIComponent(h)}/api/v1/coverage`) as Promise<HostLedger>));
  return [own, ...others.sort((a, b) => a.hostname.localeCompare(b.hostname))];
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
  if (body.length > MAX_LEDGER_BYTES) throw new Error(`GET ${url}: answer larger than ${MAX_LEDGER_BYTES} bytes`);
  return JSON.parse(body);
}

/** Gaps of a ledger a later link or answer may still fill (`lost` false). */
export function openGaps(ledger: HostLedger): number {
  return ledger.charts.reduce((n, c) => n + c.gaps.filter((g) => !g.lost).length, 0);
}

/** The printed ledger of one node: a table of hosts, their gaps, and a last line saying if anything is missing. */
export function formatLedgers(node: string, ledgers: readonly HostLedger[]): string {
  const width = Math.max(4, ...ledgers.map((l) => l.hostname.length));
  const num = (n: number, w: number): string => String(n).padStart(w);
  const lines = [
    `coverage ledger at ${node}:`,
    `  ${'host'.padEnd(width)}  charts  held s      missing s  replicated s  lost s  link`,
  ];
  for (const l of ledgers) {
    const t = l.totals;
    lines.push(`  ${l.hostname.padEnd(width)}  ${num(l.charts.length, 6)}  ${num(t.held_seconds, 10)}  ${num(t.missing_seconds, 9)}  ` +
      `${num(t.replicated_seconds, 12)}  ${num(t.lost_seconds, 6)}  ${l.connected ? 'connected' : 'NOT CONNECTED'}`);
  }
  for (const l of ledgers) {
    const gaps = l.charts.flatMap((c) => c.gaps.map((g) => ({ chart: c.id, ...g })));
    if (gaps.length === 0) continue;
    lines.push(`  gaps of ${l.hostname}:`);
    for (const g of gaps.slice(0, MAX_GAP_LINES)) {
      lines.push(`    ${g.chart} ${g.from}..${g.to} (${g.seconds} s): ${g.reason}${g.lost ? ', lost' : ''}`);
    }
    if (gaps.length > MAX_GAP_LINES) lines.push(`    ... and ${gaps.length - MAX_GAP_LINES} more gaps`);
  }
  const missing = ledgers.filter((l) => l.totals.missing_seconds > 0);
  lines.push(missing.length === 0
    ? `  every host: 0 missing seconds`
    : `  missing seconds on ${missing.length} of ${ledgers.length} hosts: ${missing.map((l) => `${l.hostname} ${l.totals.missing_seconds} s`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
