/**
 * What a parent does with a connection whose machine GUID already has a session here (the
 * reference §2.2 check netdata 1.37 makes, refined):
 *
 * - from the session's own address, when the session is dead (nothing received for two of the
 *   host's update every intervals; a socket that is gone already ended its session): the same
 *   child reconnecting after a crash, which takes over at once instead of waiting 30 seconds;
 * - from another address while the session is alive: another machine with the same GUID (a
 *   clone), refused and reported as a conflict, never merged into the host;
 * - otherwise netdata's rule: refused while the session received something in the last
 *   `alreadyStreamingSecs`, taken over after that.
 */

/** How many update every intervals without data make a session dead. */
export const DEAD_SESSION_INTERVALS = 2;

/** The facts the decision needs. */
export interface ExistingSession {
  /** The address (no port) of the session's child and of the new connection. */
  currentIp: string;
  newIp: string;
  /** Milliseconds since the session last received anything. */
  idleMs: number;
  /** The host's update every. */
  updateEverySecs: number;
  /** stream.conf `multiple connections`. */
  multipleConnections: 'allow' | 'deny';
  /** netdata's `already streaming` window. */
  alreadyStreamingSecs: number;
}

/** The verdict: take the old session over (with why), or refuse (a conflict or netdata's refusal). */
export type TakeoverVerdict =
  | { action: 'takeover'; reason: string }
  | { action: 'refuse'; conflict: boolean };

/** Decides what to do with the new connection of a GUID that has a session (see the file's comment). */
export function decideExisting(s: ExistingSession): TakeoverVerdict {
  const idleSecs = Math.floor(s.idleMs / 1000);
  if (s.multipleConnections === 'deny') return { action: 'refuse', conflict: s.currentIp !== s.newIp };
  const deadMs = DEAD_SESSION_INTERVALS * s.updateEverySecs * 1000;
  if (s.currentIp === s.newIp && s.idleMs > deadMs) {
    return { action: 'takeover', reason: `it sent nothing for ${idleSecs} seconds (${DEAD_SESSION_INTERVALS} update every intervals)` };
  }
  if (idleSecs <= s.alreadyStreamingSecs) return { action: 'refuse', conflict: s.currentIp !== s.newIp };
  return { action: 'takeover', reason: `it sent nothing for ${idleSecs} seconds` };
}
