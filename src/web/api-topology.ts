/**
 * `GET /api/v1/topology`: the tree of hosts as this node sees it (every host it holds, local
 * first, with hops, the node each arrives through and the link that carries it) and every link
 * this node sends on. The same answer under every `/host/NAME/` prefix. docs/topology.md has
 * every field and its unit.
 */
import type { Host, HostRegistry } from '../database/index.js';
import type { LinkStatus, StreamLinks } from '../streaming/index.js';
import { lastDataS } from './api-info.js';

/** What the topology reads (a `WebContext` satisfies it). */
export interface TopologyContext {
  registry: HostRegistry;
  nowMs(): number;
  /** Every streaming link now; none when this node has no streaming. */
  streamLinks(nowMs: number): StreamLinks;
}

/** A rate as shown: one decimal, so a reader's diff does not churn on noise. */
function rate(perSecond: number): number {
  return Math.round(perSecond * 10) / 10;
}

/** One link in the endpoint's shape (snake_case, seconds). */
function linkJson(l: LinkStatus): Record<string, unknown> {
  return {
    direction: l.direction,
    host: l.host,
    peer: l.peer,
    connected: l.connected,
    since: l.sinceS,
    reconnects: l.reconnects,
    bytes_per_second: rate(l.bytesPerSecond),
    values_per_second: rate(l.valuesPerSecond),
    compression: l.compression,
    tls: l.tls,
    capabilities: l.capabilities,
    lag_seconds: l.lagSeconds,
    replication: l.replication && { state: l.replication.state, charts_pending: l.replication.chartsPending },
    spool: l.spool && { bytes: l.spool.bytes, oldest: l.spool.oldestS },
  };
}

function hostJson(host: Host, inbound: LinkStatus | undefined): Record<string, unknown> {
  const local = host.isLocal;
  const last = lastDataS(host);
  const since = host.stream.connectedSinceS;
  const connected = local || host.stream.connected;
  return {
    hostname: host.hostname,
    machine_guid: host.machineGuid,
    hops: local ? 0 : host.identity.hops ?? 1,
    local,
    via: local ? null : inbound?.via ?? null,
    connected,
    connected_since: local ? host.createdS : connected && since > 0 ? since : null,
    last_data: last > 0 ? last : null,
    inbound: local || !inbound ? null : linkJson(inbound),
  };
}

/** The `/api/v1/topology` body. */
export function topologyJson(ctx: TopologyContext): string {
  const nowMs = ctx.nowMs();
  const links = ctx.streamLinks(nowMs);
  const inbound = new Map(links.inbound.map((l) => [l.machineGuid, l]));
  const local = ctx.registry.localhost;
  const hosts = [local, ...ctx.registry.hosts().filter((h) => h !== local)];
  return JSON.stringify({
    node: { hostname: local.hostname, machine_guid: local.machineGuid },
    now: Math.floor(nowMs / 1000),
    hosts: hosts.map((h) => hostJson(h, inbound.get(h.machineGuid))),
    outbound: links.outbound.map(linkJson),
  }, null, '\t');
}
