/** What every web handler may read: the registry, health, config and the access checks. */
import type { Host, HostRegistry } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import type { NetdataConfig, ExportingConfig } from '../config/index.js';
import type { RegisteredFunction } from './api-function.js';
import type { HostLinkStatus, StreamLinks } from '../streaming/index.js';
import type { QueryPool } from './query-pool.js';

/** Built once per web server; handlers only read it. */
export interface WebContext {
  readonly config: NetdataConfig;
  /** exporting.conf as read at start (`[prometheus:exporter]` for allmetrics); undefined in tests without one. */
  readonly exporting?: ExportingConfig;
  readonly registry: HostRegistry;
  readonly health?: HealthApi;
  readonly version: string;
  effectiveConfig(): string;
  /** Wall clock (ms); tests pin it. */
  nowMs(): number;
  /** A host's functions: its plugins' for the local host, its child's (through the stream) for a mirrored one. */
  functions(host: Host): readonly RegisteredFunction[];
  /** The streaming links of a host now, by GUID (replication, spool); undefined when it has none. */
  linkStatus(machineGuid: string): HostLinkStatus | undefined;
  /** Every streaming link of this node now (`/api/v1/topology`); none without streaming. */
  streamLinks(nowMs: number): StreamLinks;
  /** `[web] allow dashboard from`, `allow badges from`, `allow netdata.conf from`. */
  allowDashboard(address: string | undefined): boolean;
  allowBadges(address: string | undefined): boolean;
  allowNetdataConf(address: string | undefined): boolean;
  /** Answers `/api/v1/data` (`[web] query threads`); closed when the server stops. */
  readonly queryPool: QueryPool;
}
