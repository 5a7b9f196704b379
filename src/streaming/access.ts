/**
 * Who may stream to this node: netdata's checks, in netdata's order, each refusal with the same
 * reply a real parent gives (reference §2.2). Pure: the caller logs and replies.
 */
import { isUuid, type StreamConfig } from '../config/index.js';
import { ERROR_NOT_PERMITTED } from './prompts.js';
import type { StreamRequest } from './request.js';

/** Tests a simple pattern (reference §3) against a subject. */
export type PatternMatcher = (pattern: string, subject: string) => boolean;

/** checkAccess's answer: allowed, or the reply to write and the line to log. */
export type AccessVerdict =
  | { ok: true }
  | { ok: false; reply: string; message: string };

const FORBID = 'Forbidding access.';

function refuse(message: string): AccessVerdict {
  return { ok: false, reply: ERROR_NOT_PERMITTED, message: `${message} ${FORBID}` };
}

/**
 * The not-permitted checks of §2.2, first failure wins: missing key, hostname, machine GUID;
 * key or GUID not a UUID; key section absent, not `type = api` or not enabled; key `allow
 * from`; GUID section disabled; GUID `allow from`. `[web] allow streaming from` comes first.
 */
export function checkAccess(
  request: StreamRequest,
  clientIp: string,
  stream: StreamConfig,
  allowStreamingFrom: string,
  matches: PatternMatcher,
): AccessVerdict {
  if (!matches(allowStreamingFrom, clientIp)) {
    return refuse(`client ${clientIp} is not allowed by [web] allow streaming from.`);
  }
  const { apiKey, hostname, machineGuid } = request;
  if (!apiKey) return refuse('request without an API key.');
  if (!hostname) return refuse('request without a hostname.');
  if (!machineGuid) return refuse('request without a machine GUID.');
  if (!isUuid(apiKey)) return refuse(`API key '${apiKey}' is not valid GUID (use the command uuidgen to generate one).`);
  if (!isUuid(machineGuid)) return refuse(`machine GUID '${machineGuid}' is not GUID.`);
  const key = stream.apiKey(apiKey);
  if (!key || !key.enabled) return refuse(`API key '${apiKey}' is not allowed.`);
  if (!matches(key.allowFrom, clientIp)) return refuse(`API key '${apiKey}' is not permitted from this IP (${clientIp}).`);
  const machine = stream.machine(machineGuid);
  if (machine && !machine.enabled) return refuse(`machine GUID '${machineGuid}' is not allowed.`);
  if (machine && !matches(machine.allowFrom, clientIp)) {
    return refuse(`machine GUID '${machineGuid}' is not permitted from this IP (${clientIp}).`);
  }
  return { ok: true };
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: netdata matches `allow from` against the plain IPv4 text. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
