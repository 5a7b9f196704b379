/**
 * What a sender tells its parent about the host it streams (reference §2.1): the local host's
 * own identity with this machine's timezone, or a mirrored host's identity as its child gave it.
 */
import type { Host } from '../database/types.js';
import type { SenderIdentity } from './request.js';

/** The program name in `User-Agent` (netdata sends `netdata/<version>`). */
export const PROGRAM_NAME = 'tributary';
/** `ver=1`: plain version 1, which every netdata parent from 1.10 on answers with the V1 prompt. */
export const STREAM_VERSION = 1;

function localTimezone(): { timezone: string; abbrev: string; utcOffsetSecs: number } {
  const now = new Date();
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(now);
  const abbrev = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  return { timezone, abbrev, utcOffsetSecs: -now.getTimezoneOffset() * 60 };
}

/**
 * The identity of `host` as sent upstream: its hops plus one (the local host has 0, so a
 * direct child says `hops=1`), its own hostname and GUID whatever node forwards it.
 */
export function senderIdentity(host: Host, apiKey: string, programVersion: string): SenderIdentity {
  const tz = localTimezone();
  const id = host.identity;
  return {
    apiKey,
    hostname: host.hostname,
    registryHostname: id.registryHostname || host.hostname,
    machineGuid: host.machineGuid,
    updateEverySecs: host.settings.updateEverySecs,
    os: id.os || (host.isLocal ? process.platform : 'unknown'),
    timezone: host.isLocal ? tz.timezone : id.timezone || tz.timezone,
    abbrevTimezone: tz.abbrev,
    utcOffsetSecs: tz.utcOffsetSecs,
    hops: (id.hops ?? (host.isLocal ? 0 : 1)) + 1,
    tags: id.tags ?? '',
    version: STREAM_VERSION,
    programName: PROGRAM_NAME,
    programVersion,
  };
}
