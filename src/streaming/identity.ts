/**
 * What a sender tells its parent about the host it streams (reference §2.1): the local host's
 * own identity with this machine's timezone, or a mirrored host's identity as its child gave it,
 * system facts included, so a parent two hops up sees the original child's facts.
 */
import type { Host } from '../database/index.js';
import type { SenderIdentity } from './request.js';
import { timezoneAbbreviation } from '../config/index.js';

/** The program name in `User-Agent` (netdata sends `netdata/<version>`). */
export const PROGRAM_NAME = 'tributary';

/** This machine's abbreviation and offset now, for the zone the host reports (reference §2.1). */
function localTimezone(timezone: string): { abbrev: string; utcOffsetSecs: number } {
  const now = new Date();
  return { abbrev: timezoneAbbreviation(timezone, now) || 'UTC', utcOffsetSecs: -now.getTimezoneOffset() * 60 };
}

/**
 * The identity of `host` as sent upstream: its hops plus one (the local host has 0, so a
 * direct child says `hops=1`), its own hostname, GUID, zone and system facts whatever node
 * forwards it (a mirrored host's zone abbreviation and offset as its child said them), and
 * `offered`, the capability bits its sender offers as `ver=` (a parent older than 1.37 answers
 * what it knows), and `via`, this node's own hostname, which the parent keeps as the node the
 * host arrives through.
 */
export function senderIdentity(host: Host, apiKey: string, programVersion: string, offered: number, via?: string): SenderIdentity {
  const id = host.identity;
  const timezone = id.timezone || 'unknown';
  const tz = !host.isLocal && id.abbrevTimezone !== undefined
    ? { abbrev: id.abbrevTimezone, utcOffsetSecs: id.utcOffsetSecs ?? 0 }
    : localTimezone(timezone);
  return {
    apiKey,
    hostname: host.hostname,
    registryHostname: id.registryHostname || host.hostname,
    machineGuid: host.machineGuid,
    updateEverySecs: host.settings.updateEverySecs,
    os: id.os || (host.isLocal ? process.platform : 'unknown'),
    timezone,
    abbrevTimezone: tz.abbrev,
    utcOffsetSecs: tz.utcOffsetSecs,
    hops: (id.hops ?? (host.isLocal ? 0 : 1)) + 1,
    tags: id.tags ?? '',
    version: offered,
    programName: PROGRAM_NAME,
    programVersion,
    system: id.system,
    via,
  };
}
