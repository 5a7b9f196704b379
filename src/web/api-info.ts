/**
 * `/api/v1/info` in netdata 1.37's shape (`web_client_api_request_v1_info_fill_buffer`;
 * reference §6). System facts come from the host's identity (this machine's, or a child's as
 * its STREAM request gave them) and are JSON strings, as netdata prints them; `container_os_*`,
 * `is_k8s_node` and the cloud fields appear only when the host has them. One addition that
 * netdata lacks and clients ignore: `last_data` (s) in each `mirrored_hosts_status` entry, the
 * newest stored point of the host, for the dashboard's host menu; and `stream`, the host's links
 * now (what each negotiated; replication pending, seconds still to fill and points replayed on
 * the link from its child; the upstream sender's replication and disk spool; each link's
 * compression algorithm), for operators.
 */
import type { Host, HostRegistry } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import type { NetdataConfig } from '../config/index.js';
import { functionsInfo, type RegisteredFunction } from './api-function.js';
import type { HostLinkStatus } from '../streaming/index.js';

/** The newest stored point over a host's charts (s), 0 when none. */
export function lastDataS(host: Host): number {
  let last = 0;
  for (const chart of host.charts.values()) last = Math.max(last, chart.lastEntryS());
  return last;
}

function collectors(host: Host): Array<{ plugin: string; module: string }> {
  const seen = new Map<string, { plugin: string; module: string }>();
  for (const chart of host.charts.values()) {
    const { plugin, module } = chart.definition;
    seen.set(`${plugin}\u0000${module}`, { plugin, module });
  }
  return [...seen.values()];
}

function mirroredStatus(host: Host) {
  return {
    guid: host.machineGuid,
    hostname: host.hostname,
    reachable: host.isLocal || host.stream.connected,
    hops: host.isLocal ? 0 : host.identity.hops ?? 1,
    claim_id: null,
    node_id: null,
    last_data: lastDataS(host),
  };
}

/** What `/api/v1/info` reads besides the host (a `WebContext` satisfies it). */
export interface InfoContext {
  registry: HostRegistry;
  health?: HealthApi;
  config: NetdataConfig;
  functions(host: Host): readonly RegisteredFunction[];
  version: string;
  linkStatus?(machineGuid: string): HostLinkStatus | undefined;
}

/** `pendingCharts` → `pending_charts`, through nested objects, as the rest of the info reads. */
function snakeCase(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(snakeCase);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(v)]));
}

type SystemInfo = NonNullable<Host['identity']['system']>;

/** The system fields in netdata's order: always there (`""` when unknown) or only when known. */
function systemFields(info: SystemInfo): Record<string, string> {
  const out: Record<string, string> = {};
  const always = (name: string, value: string | undefined) => { out[name] = value ?? ''; };
  const known = (name: string, value: string | undefined) => { if (value !== undefined) out[name] = value; };
  always('os_name', info.osName); always('os_id', info.osId); always('os_id_like', info.osIdLike);
  always('os_version', info.osVersion); always('os_version_id', info.osVersionId); always('os_detection', info.osDetection);
  always('cores_total', info.coresTotal); always('total_disk_space', info.totalDiskSpace);
  always('cpu_freq', info.cpuFreq); always('ram_total', info.ramTotal);
  known('container_os_name', info.containerOsName); known('container_os_id', info.containerOsId);
  known('container_os_id_like', info.containerOsIdLike); known('container_os_version', info.containerOsVersion);
  known('container_os_version_id', info.containerOsVersionId); known('container_os_detection', info.containerOsDetection);
  known('is_k8s_node', info.isK8sNode);
  always('kernel_name', info.kernelName); always('kernel_version', info.kernelVersion);
  always('architecture', info.architecture); always('virtualization', info.virtualization);
  always('virt_detection', info.virtDetection); always('container', info.container);
  always('container_detection', info.containerDetection);
  known('cloud_provider_type', info.cloudProviderType); known('cloud_instance_type', info.cloudInstanceType);
  known('cloud_instance_region', info.cloudInstanceRegion);
  return out;
}

/**
 * `stream-compression` as 1.37 fills it (`web_api_v1.c`): whether the host's link upstream is
 * compressed, null when the host has no sender. The algorithm is `stream.sent.compression`.
 */
function streamCompression(links: HostLinkStatus | undefined): boolean | null {
  return links?.sent ? links.sent.compression !== null : null;
}

/** `/api/v1/info` body for a host. */
export function infoJson(host: Host, ctx: InfoContext): string {
  const hosts = ctx.registry.hosts();
  const local = host.isLocal;
  const charts = [...host.charts.values()];
  const links = ctx.linkStatus?.(host.machineGuid);
  return JSON.stringify({
    version: local ? ctx.version : host.identity.programVersion ?? '',
    uid: host.machineGuid,
    mirrored_hosts: hosts.map((h) => h.hostname),
    mirrored_hosts_status: hosts.map(mirroredStatus),
    alarms: ctx.health?.alarmCounts(host) ?? { normal: 0, warning: 0, critical: 0 },
    ...systemFields(host.identity.system ?? {}),
    host_labels: Object.fromEntries([...host.labels].map(([k, v]) => [k, v.value])),
    functions: functionsInfo(ctx.functions(host)),
    collectors: collectors(host),
    ...(links ? { stream: snakeCase(links) } : {}),
    'cloud-enabled': false, 'cloud-available': false, 'agent-claimed': false, 'aclk-available': false,
    'memory-mode': host.settings.memoryMode,
    'multidb-disk-quota': null, 'page-cache-size': null,
    'stream-enabled': null, 'stream-compression': streamCompression(links),
    'hosts-available': hosts.length,
    'https-enabled': false,
    buildinfo: '',
    'release-channel': '',
    'web-enabled': ctx.config.web.mode !== 'none',
    'notification-methods': '',
    'exporting-enabled': ctx.config.backend.enabled,
    'exporting-connectors': ctx.config.backend.enabled ? ctx.config.backend.type : '',
    'allmetrics-prometheus-used': null, 'allmetrics-shell-used': null, 'allmetrics-json-used': null,
    'dashboard-used': null,
    'charts-count': charts.length,
    'metrics-count': charts.reduce((n, c) => n + c.dimensions.length, 0),
  }, null, '\t');
}
