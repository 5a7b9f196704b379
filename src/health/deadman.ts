/**
 * The silent child alarm (a deadman per child): a mirrored host that sent nothing for a while,
 * disconnected or connected but silent, raises `child_silent` on that host, naming it, and
 * clears it when data flows again. It costs no chart and no timer per host: health's one timer
 * asks each mirrored host's stream state (when its child last sent anything) once a tick.
 */
import type { Host } from '../database/index.js';
import { STATUS } from './definition.js';
import type { LinkAlarmKind } from './link-alarm.js';

/** `auto`: a host is silent after this many of its update every intervals... */
export const SILENT_AUTO_INTERVALS = 10;
/** ...but never before this many seconds (a child's reconnect after a parent restart is not silence). */
export const SILENT_AUTO_MIN_SECS = 20;

/** The alarm a silent child raises. */
export const CHILD_SILENT: Readonly<LinkAlarmKind> = Object.freeze({
  name: 'child_silent',
  units: 'seconds',
  raisedStatus: STATUS.CRITICAL,
  source: 'silent child alarm after seconds@netdata.conf',
});

/** Seconds of silence that raise the alarm on a host (0 = never). */
export function silentThresholdSecs(setting: number | 'auto', updateEverySecs: number): number {
  if (setting !== 'auto') return setting;
  return Math.max(SILENT_AUTO_MIN_SECS, SILENT_AUTO_INTERVALS * updateEverySecs);
}

/** How silent a host is at `nowS`, and what its alarm should say. */
export interface Silence {
  /** Seconds since the child last sent anything (or connected, when it sent nothing yet). */
  silentSecs: number;
  raised: boolean;
}

const clock = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/** The silence of `host` at `nowS`; undefined for a host that never had a child connected. */
export function judgeSilence(host: Host, thresholdSecs: number, nowS: number): Silence | undefined {
  const s = host.stream;
  const lastS = Math.max(s.lastDataS, s.connectedSinceS);
  if (host.isLocal || lastS === 0) return undefined;
  const silentSecs = Math.max(0, nowS - lastS);
  return { silentSecs, raised: thresholdSecs > 0 && silentSecs >= thresholdSecs };
}

/** The alarm's info for a silent host: names it, its GUID and its link. */
export function silenceInfo(host: Host, silentSecs: number): string {
  const s = host.stream;
  const link = s.connected ? `still connected from ${s.clientAddress}` : `disconnected at ${clock(s.disconnectedAtS)}`;
  return `child ${host.hostname} (machine GUID ${host.machineGuid}) sent nothing for ${silentSecs} seconds ` +
    `since ${clock(Math.max(s.lastDataS, s.connectedSinceS))}, ${link}`;
}
