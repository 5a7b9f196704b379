/**
 * The link alarms of every mirrored host this node holds: the silent child alarm (`deadman.ts`)
 * and the machine GUID conflict, raised when a second connection of a GUID already streaming
 * from another address was refused. They outlive a host's health attachment (a reconnect makes
 * a new one), so a raise before a reconnect is cleared after it.
 */
import type { Host } from '../database/index.js';
import type { AlarmLog } from './alarm-log.js';
import { CHILD_SILENT, judgeSilence, silenceInfo, silentThresholdSecs } from './deadman.js';
import { STATUS } from './definition.js';
import { LinkAlarm, type LinkAlarmKind } from './link-alarm.js';

/** The alarm a refused second connection of a streaming GUID raises. */
export const MACHINE_GUID_CONFLICT: Readonly<LinkAlarmKind> = Object.freeze({
  name: 'machine_guid_conflict',
  units: 'connections',
  raisedStatus: STATUS.CRITICAL,
  source: 'machine GUID conflict@stream.conf',
});

/** The conflict clears when no second connection was refused for this long (a clone retries far more often). */
export const GUID_CONFLICT_CLEAR_SECS = 600;

interface HostLinkAlarms {
  silent: LinkAlarm;
  conflict: LinkAlarm;
  /** Refused connections since the conflict was raised, and when the last came. */
  refusedCount: number;
  lastRefusedS: number;
}

/** Every mirrored host's link alarms, by machine GUID. */
export class LinkAlarms {
  readonly #hosts = new Map<string, HostLinkAlarms>();

  constructor(readonly silentAfter: number | 'auto') {}

  #of(host: Host, log: AlarmLog, nowS: number): HostLinkAlarms {
    let alarms = this.#hosts.get(host.machineGuid);
    if (!alarms) {
      alarms = { silent: new LinkAlarm(CHILD_SILENT, log, nowS), conflict: new LinkAlarm(MACHINE_GUID_CONFLICT, log, nowS), refusedCount: 0, lastRefusedS: 0 };
      this.#hosts.set(host.machineGuid, alarms);
    }
    return alarms;
  }

  /** The link alarms of `host` (none before its first check). */
  alarmsOf(host: Host): LinkAlarm[] {
    const alarms = this.#hosts.get(host.machineGuid);
    return alarms ? [alarms.silent, alarms.conflict] : [];
  }

  /** Updates the silence and conflict alarms of a mirrored host at `nowS`; true when one changed status. */
  check(host: Host, log: AlarmLog, nowS: number): boolean {
    if (host.isLocal) return false;
    const alarms = this.#of(host, log, nowS);
    let changed = false;
    const silence = judgeSilence(host, silentThresholdSecs(this.silentAfter, host.settings.updateEverySecs), nowS);
    if (silence) changed = alarms.silent.set(nowS, silence.raised, silence.silentSecs, () => silenceInfo(host, silence.silentSecs));
    if (alarms.conflict.raised && nowS - alarms.lastRefusedS >= GUID_CONFLICT_CLEAR_SECS) {
      alarms.refusedCount = 0;
      changed = alarms.conflict.set(nowS, false, 0, () => '') || changed;
    }
    return changed;
  }

  /**
   * A connection of `host`'s GUID from `refusedFrom` was refused while it streams from
   * `streamingFrom`; true when this raised the alarm.
   */
  conflict(host: Host, log: AlarmLog, nowS: number, streamingFrom: string, refusedFrom: string): boolean {
    const alarms = this.#of(host, log, nowS);
    alarms.refusedCount++;
    alarms.lastRefusedS = nowS;
    return alarms.conflict.set(nowS, true, alarms.refusedCount, () =>
      `machine GUID ${host.machineGuid} of ${host.hostname} streams from ${streamingFrom}; ` +
      `a second connection with it from ${refusedFrom} was refused (two machines share one GUID?)`);
  }

  /** Forgets a host that left the registry. */
  forget(host: Host): void {
    this.#hosts.delete(host.machineGuid);
  }
}
