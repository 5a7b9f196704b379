/**
 * Every host the agent holds: the local one and those mirrored from children, found by machine
 * GUID first, then by hostname.
 */
import { createHost, HostImpl, type HostOptions } from './host.js';
import type { Host, HostIdentity, HostRegistry, HostSettings } from './types.js';

class Registry implements HostRegistry {
  readonly localhost: HostImpl;
  readonly #byGuid = new Map<string, HostImpl>();
  readonly #options: HostOptions;

  constructor(localIdentity: HostIdentity, localSettings: HostSettings, options: HostOptions) {
    this.#options = options;
    this.localhost = createHost(localIdentity, localSettings, true, options);
    this.#byGuid.set(this.localhost.machineGuid, this.localhost);
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
    return host;
  }

  remove(machineGuid: string): boolean {
    const host = this.#byGuid.get(machineGuid);
    if (host === undefined || host === this.localhost) return false;
    host.close();
    return this.#byGuid.delete(machineGuid);
  }
}

/**
 * Creates the registry with its local host. Mirrored hosts come later through `findOrCreate`,
 * each with its own settings (memory mode, history, update every).
 */
export function createHostRegistry(
  localIdentity: HostIdentity,
  localSettings: HostSettings,
  options: HostOptions = {},
): HostRegistry {
  return new Registry(localIdentity, localSettings, options);
}
