/**
 * Orphan hosts (reference §2.6): a mirrored host whose child disconnected keeps its data and is
 * shown as not connected; after `cleanup orphan hosts after seconds` it is removed.
 */
import type { Host, HostRegistry } from '../database/index.js';
import { receiverLog } from './events.js';

/** The sweep runs at most this often, and at least every `cleanup` seconds when that is shorter. */
const MAX_SWEEP_INTERVAL_SECS = 60;

/** Sweeps orphan hosts out of the registry between `start()` and `stop()`. */
export class OrphanCleaner {
  readonly #registry: HostRegistry;
  readonly #afterSecs: number;
  #timer: NodeJS.Timeout | null = null;

  /** `isConnected(guid)` tells whether a child streams the host now; `onRemoved` hears of each removal. */
  constructor(
    registry: HostRegistry,
    afterSecs: number,
    private readonly isConnected: (guid: string) => boolean,
    private readonly onRemoved?: (host: Host) => void,
  ) {
    this.#registry = registry;
    this.#afterSecs = afterSecs;
  }

  start(): void {
    if (this.#timer || this.#afterSecs <= 0) return;
    const everySecs = Math.max(1, Math.min(MAX_SWEEP_INTERVAL_SECS, Math.ceil(this.#afterSecs / 2)));
    this.#timer = setInterval(() => this.sweep(), everySecs * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Removes every orphan older than the limit; returns how many. */
  sweep(nowS = Math.floor(Date.now() / 1000)): number {
    let removed = 0;
    for (const host of this.#registry.hosts()) {
      if (host.isLocal || host.stream.connected || this.isConnected(host.machineGuid)) continue;
      const since = host.stream.disconnectedAtS || host.createdS;
      if (nowS - since < this.#afterSecs) continue;
      if (this.#registry.remove(host.machineGuid)) {
        removed++;
        this.onRemoved?.(host);
        receiverLog.orphanRemoved(host.hostname, host.machineGuid, nowS - since);
      }
    }
    return removed;
  }
}
