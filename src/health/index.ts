/**
 * Health: health.d alarms and templates evaluated on every host with a database, notifications
 * through `exec`, and the alarm log (reference §5). The only public surface of `src/health/`.
 */
import { join } from 'node:path';
import type { ConfigError, NetdataConfig } from '../config/index.js';
import type { Host, HostRegistry } from '../database/index.js';
import { error as logError, info } from '../log.js';
import { AlarmLog } from './alarm-log.js';
import { loadHealthConfig } from './config-parser.js';
import type { AlarmDefinition } from './definition.js';
import { STATUS, statusName } from './definition.js';
import { HostHealth } from './host-health.js';
import { alarmLogJson, alarmsJson, alarmVariablesJson } from './json.js';
import { editCommand } from './notify.js';
import { LinkAlarms } from './link-alarms.js';
import { NotificationOwner, type UpstreamProbe } from './notification-owner.js';
import { agentEnvironment } from '../collectors/index.js';
import type { AlarmCounts, HealthApi } from './types.js';

export type { AlarmCounts, HealthApi } from './types.js';
export type { AlarmDefinition } from './definition.js';
export type { UpstreamLink, UpstreamProbe } from './notification-owner.js';

/** How often the health timer checks which hosts are due. */
export const HEALTH_TICK_MS = 1000;
/** The file of a host's log under its lib directory. */
export const HEALTH_LOG_FILE = join('health', 'health-log.db');

/** How a host gets health: `auto` runs it only while the host's child is connected. */
export interface AttachOptions {
  enabled: 'yes' | 'no' | 'auto';
  /** No evaluation for this many seconds after attaching (`postpone alarms on connect seconds`). */
  postponeSecs: number;
}

/** What `createHealth` needs besides the configuration. */
export interface HealthDeps {
  registry: HostRegistry;
  /** Wall clock in milliseconds (tests pass a fixed clock). Default `Date.now`. */
  now?: () => number;
  /** The agent's version, NETDATA_VERSION of notifications (the plugins' environment is the same). */
  version?: string;
  /** Each host's upstream link now, for `[health] notification owner` (none: nothing is forwarded). */
  upstream?: UpstreamProbe;
}

/** NETDATA_VERSION when `HealthDeps.version` is not given. */
export const AGENT_VERSION_UNKNOWN = 'unknown';

/** The running health part. */
export interface Health extends HealthApi {
  /** The definitions loaded from the stock and user health.d directories. */
  readonly definitions: readonly AlarmDefinition[];
  /** Every problem found in those files (file and line in each). */
  readonly errors: readonly ConfigError[];
  /** Attaches the local host and starts the timer. */
  start(): void;
  /** Stops the timer and waits for running notifications. */
  stop(): Promise<void>;
  /** Starts health on `host`; false when health is off for it or it keeps no database. */
  attachHost(host: Host, options?: AttachOptions): boolean;
  /** Stops health on `host` (its log stays in memory and on disk). */
  detachHost(host: Host): void;
  /** Runs one loop iteration on every attached host that is due; for tests and shutdown. */
  runOnce(): Promise<void>;
  /**
   * A connection of `host`'s machine GUID from `refusedFrom` was refused while the host streams
   * from `streamingFrom`: raises the host's `machine_guid_conflict` alarm (when it has health).
   */
  identityConflict(host: Host, streamingFrom: string, refusedFrom: string): void;
}

interface Attached {
  health: HostHealth;
  enabled: 'yes' | 'auto';
}

class HealthService implements Health {
  readonly definitions: readonly AlarmDefinition[];
  readonly errors: readonly ConfigError[];
  readonly #attached = new Map<Host, Attached>();
  readonly #logs = new Map<string, AlarmLog>();
  readonly #now: () => number;
  readonly #owner: NotificationOwner;
  readonly #linkAlarms: LinkAlarms;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;

  constructor(readonly config: NetdataConfig, readonly registry: HostRegistry, now?: () => number,
    readonly version = AGENT_VERSION_UNKNOWN, upstream?: UpstreamProbe) {
    this.#now = now ?? Date.now;
    this.#owner = new NotificationOwner(config.health.notificationOwner, upstream);
    this.#linkAlarms = new LinkAlarms(config.health.silentChildAlarmAfterSecs);
    const dirs = config.global.directories;
    const loaded = config.health.enabled ? loadHealthConfig(dirs.stockHealth, dirs.userHealth)
      : { definitions: [], errors: [] };
    this.definitions = loaded.definitions;
    this.errors = loaded.errors;
    for (const err of loaded.errors) logError(`HEALTH: ${err.message}`);
  }

  #nowS(): number {
    return Math.floor(this.#now() / 1000);
  }

  get #defaultExec(): string {
    return this.config.health.scriptToExecuteOnAlarm;
  }

  start(): void {
    if (!this.config.health.enabled) {
      info('HEALTH: health is disabled');
      return;
    }
    this.attachHost(this.registry.localhost, { enabled: 'yes', postponeSecs: 0 });
    this.#timer = setInterval(() => { void this.runOnce(); }, HEALTH_TICK_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#tick;
    for (const host of [...this.#attached.keys()]) this.detachHost(host);
  }

  #logFor(host: Host): AlarmLog {
    let log = this.#logs.get(host.machineGuid);
    if (!log) {
      const lib = this.config.global.directories.lib;
      const file = lib ? join(lib, host.isLocal ? '' : host.machineGuid, HEALTH_LOG_FILE) : null;
      log = new AlarmLog(this.config.health.inMemoryMaxHealthLogEntries, file, this.#nowS());
      this.#logs.set(host.machineGuid, log);
    }
    return log;
  }

  attachHost(host: Host, options: AttachOptions = { enabled: 'yes', postponeSecs: 0 }): boolean {
    if (!this.config.health.enabled || options.enabled === 'no') return false;
    if (host.settings.memoryMode === 'none') return false;
    this.#attached.get(host)?.health.detach();
    const dirs = this.config.global.directories;
    const health = new HostHealth(host, {
      definitions: this.definitions,
      log: this.#logFor(host),
      defaults: {
        warnRepeatSecs: this.config.health.defaultRepeatWarningSecs,
        critRepeatSecs: this.config.health.defaultRepeatCriticalSecs,
      },
      defaultExec: this.#defaultExec,
      notifyEnv: agentEnvironment(this.config, { version: this.version }),
      userConfigDir: dirs.config,
      localRegistryHostname: this.registry.localhost.identity.registryHostname || this.registry.localhost.hostname,
      runAtLeastEverySecs: this.config.health.runAtLeastEverySecs,
      nowS: () => this.#nowS(),
      notifies: () => this.#owner.verdict(host).notifies,
    });
    health.delayUpToS = options.postponeSecs > 0 ? this.#nowS() + options.postponeSecs : 0;
    this.#attached.set(host, { health, enabled: options.enabled });
    info(`[${host.hostname}]: Health is running${options.postponeSecs > 0 ? `, alarms postponed for ${options.postponeSecs} seconds` : ''}.`);
    return true;
  }

  detachHost(host: Host): void {
    const attached = this.#attached.get(host);
    if (!attached) return;
    attached.health.detach();
    this.#attached.delete(host);
    this.#linkAlarms.forget(host);
  }

  runOnce(): Promise<void> {
    if (this.#tick) return this.#tick;
    const nowS = this.#nowS();
    const runs: Promise<void>[] = [];
    for (const [host, { health, enabled }] of this.#attached) {
      // link alarms and a move of the notifications to this node need no loop iteration
      const changed = this.#linkAlarms.check(host, health.log, nowS);
      if (this.#owner.recheck(host) || changed) runs.push(health.notifyPending(nowS));
      if (enabled === 'auto' && !host.isLocal && !host.stream.connected) continue;
      if (nowS >= health.nextRunS) runs.push(health.run(nowS));
    }
    this.#tick = Promise.all(runs).then(() => undefined).finally(() => { this.#tick = undefined; });
    return this.#tick;
  }

  identityConflict(host: Host, streamingFrom: string, refusedFrom: string): void {
    const health = this.#health(host);
    if (!health) return;
    const nowS = this.#nowS();
    if (this.#linkAlarms.conflict(host, health.log, nowS, streamingFrom, refusedFrom)) void health.notifyPending(nowS);
  }

  #health(host: Host): HostHealth | undefined {
    return this.#attached.get(host)?.health;
  }

  alarmsJson(host: Host, all: boolean): unknown {
    return alarmsJson(host, this.#health(host), all, this.#nowS(), this.#defaultExec,
      this.#linkAlarms.alarmsOf(host), this.#owner.verdict(host));
  }

  alarmLogJson(host: Host, after: number): unknown {
    // a detached host's log stays and is still served
    const log = this.#logs.get(host.machineGuid);
    const edit = (source: string): string => editCommand(source, this.config.global.directories.config,
      this.registry.localhost.identity.registryHostname || this.registry.localhost.hostname);
    return alarmLogJson(host, log, after, this.#defaultExec, edit);
  }

  alarmVariablesJson(host: Host, chartId: string): unknown | undefined {
    return alarmVariablesJson(host, this.#health(host), chartId);
  }

  alarmCounts(host: Host): AlarmCounts {
    const counts: AlarmCounts = { normal: 0, warning: 0, critical: 0 };
    const count = (status: number): void => {
      if (status === STATUS.WARNING) counts.warning++;
      else if (status === STATUS.CRITICAL) counts.critical++;
      else counts.normal++;
    };
    for (const alarm of this.#health(host)?.alarms ?? []) if (alarm.chart.lastCollectedTimeUs) count(alarm.status);
    for (const alarm of this.#linkAlarms.alarmsOf(host)) count(alarm.status);
    return counts;
  }

  alarm(host: Host, chartId: string, alarmName: string): { value: number; status: string; units: string } | undefined {
    const chart = host.chart(chartId);
    const health = this.#health(host);
    if (!chart || !health) return undefined;
    const alarm = health.alarmsOf(chart).find((a) => a.name === alarmName);
    if (!alarm) return undefined;
    return { value: alarm.value, status: statusName(alarm.status), units: alarm.definition.units };
  }
}

/**
 * Creates health from the configuration: reads the stock and user health.d directories now
 * (errors are logged and kept in `errors`). Nothing runs until `start()`.
 */
export function createHealth(config: NetdataConfig, deps: HealthDeps): Health {
  return new HealthService(config, deps.registry, deps.now, deps.version, deps.upstream);
}
