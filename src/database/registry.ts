/**
 * Every host the agent holds: the local one and those mirrored from children, found by machine
 * GUID first, then by hostname. Given a cache directory, hosts in memory mode `save` or `map`
 * keep their files there and mirrored ones come back after a restart (`restoreHosts`).
 */
import type { DiskStats } from './disk-faults.js';
import { FileStores, logRestoredHost, type PersistenceOptions } from './file-stores.js';
import { Capacity } from './capacity.js';
import { createHost, HostImpl, type HostOptions } from './host.js';
import type { Host, HostIdentity, HostRegistry, HostSettings } from './types.js';

/** Host options plus where `save` and `map` keep their files. */
export interface RegistryOptions extends HostOptions {
  /** Without it, `save` and `map` fall back to `ram` with a warning. */
  persistence?: PersistenceOptions;
  /** Most charts and dimensions of all hosts together (default: `DEFAULT_LIMITS`' charts and dimensions). */
  maxCharts?: number;
  maxDimensions?: number;
}

/** The registry as its owner (the agent) sees it: the contract plus start-up and stop. */
export interface ManagedHostRegistry extends HostRegistry {
  /**
   * Recreates the mirrored hosts found under the cache directory (memory mode `save` or `map`),
   * with their charts and data, shown as not connected until their child reconnects. Call once,
   * after creating the registry and before accepting streams. Returns the hosts restored.
   */
  restoreHosts(): Host[];
  /** Writes every `save` chart and checkpoints every `map` chart now. */
  flush(): void;
  /** At a clean stop (SIGTERM, SIGINT): writes everything, closes the files, stops the timers. */
  close(): void;
  /** The cache directory's disk state (refused writes, failing now); undefined without one. */
  diskStats(): DiskStats | undefined;
}

const PERSISTENT_MODES = new Set(['save', 'map']);

class Registry implements ManagedHostRegistry {
  readonly localhost: HostImpl;
  readonly #byGuid = new Map<string, HostImpl>();
  readonly #options: HostOptions;
  readonly #files: FileStores | null;

  constructor(localIdentity: HostIdentity, localSettings: HostSettings, options: RegistryOptions) {
    const { persistence, maxCharts, maxDimensions, ...rest } = options;
    const hostOptions: HostOptions = { ...rest, capacity: new Capacity(maxCharts, maxDimensions) };
    const cacheRequired = PERSISTENT_MODES.has(localSettings.memoryMode);
    this.#files = persistence ? new FileStores({ cacheRequired, ...persistence }) : null;
    this.#options = this.#files ? { ...hostOptions, stores: { ...this.#files.factories, ...hostOptions.stores } } : hostOptions;
    this.localhost = createHost(localIdentity, localSettings, true, this.#options);
    this.#byGuid.set(this.localhost.machineGuid, this.localhost);
    this.#saveHost(this.localhost);
    this.#files?.start();
  }

  hosts(): Host[] {
    return [...this.#byGuid.values()];
  }

  find(hostnameOrGuid: string): Host | undefined {
    const byGuid = this.#byGuid.get(hostnameOrGuid);
    if (byGuid !== undefined) return byGuid;
    for (const host of this.#byGuid.values()) if (host.hostname === hostnameOrGuid) return host;
    return undefined;
  }

  findOrCreate(identity: HostIdentity, settings: HostSettings): Host {
    const existing = this.#byGuid.get(identity.machineGuid);
    if (existing !== undefined) return existing;
    const host = createHost(identity, settings, false, this.#options);
    this.#byGuid.set(host.machineGuid, host);
    this.#saveHost(host);
    return host;
  }

  remove(machineGuid: string): boolean {
    const host = this.#byGuid.get(machineGuid);
    if (host === undefined || host === this.localhost) return false;
    host.close();
    host.releaseCapacity();
    if (this.#files !== null && PERSISTENT_MODES.has(host.settings.memoryMode)) this.#files.dropHost(machineGuid);
    return this.#byGuid.delete(machineGuid);
  }

  restoreHosts(): Host[] {
    const files = this.#files;
    if (files === null) return [];
    const restored: Host[] = [];
    for (const saved of files.savedHosts()) {
      if (this.#byGuid.has(saved.identity.machineGuid) || !PERSISTENT_MODES.has(saved.settings.memoryMode)) continue;
      const host = createHost(saved.identity, saved.settings, false, this.#options);
      host.setStreamState({ connected: false, disconnectedAtS: saved.disconnectedAtS || saved.savedS });
      const charts = files.savedCharts(host.machineGuid, host.settings);
      for (const header of charts) {
        const chart = host.defineChart(header.definition!);
        for (const dimension of header.dimensions) if (dimension.definition) chart.defineDimension(dimension.definition);
      }
      this.#byGuid.set(host.machineGuid, host);
      logRestoredHost(host, charts.length, files.hostDir(host.machineGuid));
      restored.push(host);
    }
    return restored;
  }

  flush(): void {
    if (this.#files === null) return;
    for (const host of this.#byGuid.values()) this.#saveHost(host);
    this.#files.save();
    this.#files.checkpoint();
  }

  close(): void {
    if (this.#files === null) return;
    for (const host of this.#byGuid.values()) this.#saveHost(host);
    this.#files.close();
    for (const host of this.#byGuid.values()) host.close();
  }

  diskStats(): DiskStats | undefined {
    return this.#files?.diskStats();
  }

  #saveHost(host: Host): void {
    if (this.#files !== null && PERSISTENT_MODES.has(host.settings.memoryMode)) this.#files.saveHost(host);
  }
}

/**
 * Creates the registry with its local host. Mirrored hosts come later through `findOrCreate`
 * (or `restoreHosts`), each with its own settings (memory mode, history, update every). Throws
 * `CacheLockError` when another running agent uses the cache directory.
 */
export function createHostRegistry(
  localIdentity: HostIdentity,
  localSettings: HostSettings,
  options: RegistryOptions = {},
): ManagedHostRegistry {
  return new Registry(localIdentity, localSettings, options);
}
