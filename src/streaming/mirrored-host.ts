/**
 * What a child's `STREAM` request makes of its mirrored host on this node: the host of its
 * machine GUID, found or created with the settings `stream.conf` resolved for it (reference
 * §2.6), with the request's identity and system facts and the `_` labels they imply, and
 * netdata's log line for a host it creates.
 */
import type { NetdataConfig, ReceiverHostSettings, StreamConfig } from '../config/index.js';
import type { Host, HostIdentity, HostRegistry, HostSettings } from '../database/index.js';
import { withIsParent, withSystemLabels } from '../collectors/index.js';
import type { StreamRequest } from './request.js';
import { spoolRecentSlots } from './spool-recorder.js';

/** netdata keeps at least this many entries for a streamed host (reference §7). */
const MIN_STREAMED_HISTORY = 5;

/** Where mirrored hosts live and the configuration that sets their defaults. */
export interface MirroredHostContext {
  registry: HostRegistry;
  config: NetdataConfig;
  stream: StreamConfig;
}

/**
 * The host of the request's GUID with the request's identity and system facts (a request
 * without facts, as 1.10 sends, keeps the last ones), and the `_` labels those facts imply: a
 * child on a link without host labels sends no LABEL lines; when it sends them, its OVERWRITE
 * replaces them all. The local host becomes a parent (`_is_parent`).
 */
export function mirroredHostFor(ctx: MirroredHostContext, request: StreamRequest,
  settings: Readonly<ReceiverHostSettings>): { host: Host; created: boolean } {
  const identity: HostIdentity = {
    hostname: request.hostname,
    machineGuid: request.machineGuid,
    registryHostname: request.registryHostname,
    os: request.os,
    timezone: request.timezone,
    abbrevTimezone: request.abbrevTimezone,
    utcOffsetSecs: request.utcOffsetSecs,
    tags: request.tags,
    programName: request.programName,
    programVersion: request.programVersion,
    hops: request.hops,
    system: request.system,
  };
  const existed = ctx.registry.hosts().some((h) => h.machineGuid === request.machineGuid);
  const g = ctx.config.global;
  const hostSettings: HostSettings = {
    memoryMode: settings.memoryMode,
    historyEntries: Math.max(MIN_STREAMED_HISTORY, settings.historyEntries),
    updateEverySecs: settings.updateEverySecs ?? request.updateEverySecs ?? g.updateEverySecs,
    gapWhenLostIterationsAbove: g.gapWhenLostIterationsAbove,
    recentSlots: spoolRecentSlots(settings.memoryMode, settings.proxyEnabled, ctx.stream.sender),
  };
  const host = ctx.registry.findOrCreate(identity, hostSettings);
  if (existed) host.updateIdentity(identity);
  if (request.system) host.replaceLabels(withSystemLabels(host.labels, request.system));
  const local = ctx.registry.localhost;
  if (local.labels.get('_is_parent')?.value !== 'true') local.replaceLabels(withIsParent(local.labels, true));
  return { host, created: !existed };
}

/** netdata's line for a new mirrored host; a host without a database has no health (reference §7). */
export function hostCreatedLine(host: Host, settings: Readonly<ReceiverHostSettings>, cacheDir: string): string {
  const s = host.settings;
  const health = settings.healthEnabled === 'no' || s.memoryMode === 'none' ? 'disabled' : 'enabled';
  return `Host '${host.hostname}' with guid '${host.machineGuid}' initialized, os: ${host.identity.os ?? 'unknown'}, ` +
    `update every: ${s.updateEverySecs}, memory mode: ${s.memoryMode}, history entries: ${s.historyEntries}, ` +
    `streaming: ${settings.proxyEnabled ? 'enabled' : 'disabled'}, health: ${health}, ` +
    `cache_dir: '${cacheDir}/${host.machineGuid}', hops: ${host.identity.hops ?? 1}`;
}
