/**
 * `/api/v1/info` in netdata 1.37's shape (`web_client_api_request_v1_info_fill_buffer`;
 * reference §6). System facts are JSON strings, as netdata prints them. One addition that
 * netdata lacks and clients ignore: `last_data` (s) in each `mirrored_hosts_status` entry, the
 * newest stored point of the host, for the dashboard's host menu.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { Host, HostRegistry } from '../database/types.js';
import type { HealthApi } from '../health/types.js';
import type { NetdataConfig } from '../config/types.js';
import { functionsInfo, type RegisteredFunction } from './api-function.js';

/** Facts of the machine the agent runs on, read once. */
export interface SystemFacts {
  osName: string;
  osId: string;
  osIdLike: string;
  osVersion: string;
  osVersionId: string;
}

/** Reads `/etc/os-release` (empty strings where it is missing). */
export function readSystemFacts(path = '/etc/os-release'): SystemFacts {
  const facts: Record<string, string> = {};
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) facts[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
    }
  } catch {
    // a container without os-release: report empty strings as netdata does
  }
  return {
    osName: facts.NAME ?? '', osId: facts.ID ?? '', osIdLike: facts.ID_LIKE ?? '',
    osVersion: facts.VERSION ?? '', osVersionId: facts.VERSION_ID ?? '',
  };
}

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
  functions(): readonly RegisteredFunction[];
  version: string;
  facts: SystemFacts;
}

/** `/api/v1/info` body for a host. */
export function infoJson(host: Host, ctx: InfoContext): string {
  const hosts = ctx.registry.hosts();
  const local = host.isLocal;
  const f = ctx.facts;
  const s = (text: string) => (local ? text : '');
  const charts = [...host.charts.values()];
  return JSON.stringify({
    version: local ? ctx.version : host.identity.programVersion ?? '',
    uid: host.machineGuid,
    mirrored_hosts: hosts.map((h) => h.hostname),
    mirrored_hosts_status: hosts.map(mirroredStatus),
    alarms: ctx.health?.alarmCounts(host) ?? { normal: 0, warning: 0, critical: 0 },
    os_name: s(f.osName), os_id: s(f.osId), os_id_like: s(f.osIdLike),
    os_version: s(f.osVersion), os_version_id: s(f.osVersionId), os_detection: s(f.osName ? '/etc/os-release' : ''),
    cores_total: s(String(os.cpus().length)), total_disk_space: '', cpu_freq: '',
    ram_total: s(String(os.totalmem())),
    kernel_name: s(os.type()), kernel_version: s(os.release()), architecture: s(os.arch()),
    virtualization: '', virt_detection: '', container: '', container_detection: '',
    host_labels: Object.fromEntries([...host.labels].map(([k, v]) => [k, v.value])),
    functions: host.isLocal ? functionsInfo(ctx.functions()) : {},
    collectors: collectors(host),
    'cloud-enabled': false, 'cloud-available': false, 'agent-claimed': false, 'aclk-available': false,
    'memory-mode': host.settings.memoryMode,
    'multidb-disk-quota': null, 'page-cache-size': null,
    'stream-enabled': null, 'stream-compression': null,
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
