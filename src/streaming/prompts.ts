/**
 * The handshake's fixed strings and netdata's capability bits (reference §2.2, §2.3). Every
 * reply is written raw on the socket, without a status line or a trailing newline.
 */

export const PROMPT_V1 = 'Hit me baby, push them over...';
export const PROMPT_V2 = 'Hit me baby, push them over and bring the host labels...';
export const PROMPT_VN = 'Hit me baby, push them over with the version=';
export const ERROR_SAME_LOCALHOST = "Don't hit me baby, you are trying to stream my localhost back";
export const ERROR_ALREADY_STREAMING = 'This GUID is already streaming to this server';
export const ERROR_NOT_PERMITTED = 'You are not permitted to access this. Check the logs for more info.';
export const ERROR_TOO_BUSY = 'The server is too busy now to accept this request. Try later.';
/**
 * This agent's own reply to a proxy whose path names this node (peer-loop.ts); only senders
 * that send a path get it, so no netdata sender ever reads it.
 */
export const ERROR_LOOP = 'This host came through this server already';

/** `NETDATA_PROTOCOL_VERSION` a 1.37 child sends. */
export const STREAMING_PROTOCOL_VERSION = '1.1';

/**
 * Capability bits of `ver=` (reference §2.3, §11): 1.37's bits 3 to 13 (COMPRESSION is its lz4,
 * named LZ4 from 1.44), and the compression algorithms netdata 1.44 added (`rrdpush.h`). A 1.37
 * peer ANDs what it is offered with its own bits, so the later ones never reach it.
 */
export const CAP = Object.freeze({
  V1: 1 << 3,
  V2: 1 << 4,
  VN: 1 << 5,
  VCAPS: 1 << 6,
  HLABELS: 1 << 7,
  CLAIM: 1 << 8,
  CLABELS: 1 << 9,
  COMPRESSION: 1 << 10,
  FUNCTIONS: 1 << 11,
  REPLICATION: 1 << 12,
  BINARY: 1 << 13,
  ZSTD: 1 << 19,
  GZIP: 1 << 20,
  BROTLI: 1 << 21,
});

/**
 * netdata's `convert_stream_version_to_capabilities` (reference §2.3): small numbers are the old
 * protocol versions, larger ones a bitmask; the newest negotiation style a peer has hides the
 * older ones (VCAPS hides V1, V2 and VN; VN hides V1 and V2; V2 hides V1).
 */
export function versionToCapabilities(version: number): number {
  let caps: number;
  if (!Number.isFinite(version) || version <= 1) caps = CAP.V1;
  else if (version === 2) caps = CAP.V2 | CAP.HLABELS;
  else if (version === 3) caps = CAP.VN | CAP.HLABELS | CAP.CLAIM;
  else if (version === 4) caps = CAP.VN | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS;
  else if (version === 5) caps = CAP.VN | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.COMPRESSION;
  else caps = version >>> 0;
  if (caps & CAP.VCAPS) caps &= ~(CAP.V1 | CAP.V2 | CAP.VN);
  if (caps & CAP.VN) caps &= ~(CAP.V1 | CAP.V2);
  if (caps & CAP.V2) caps &= ~CAP.V1;
  return caps >>> 0;
}

/** netdata's `stream_capabilities_to_vn`: the old version number a VN-only peer understands. */
export function capabilitiesToVersion(caps: number): number {
  if (caps & CAP.COMPRESSION) return 5;
  if (caps & CAP.CLABELS) return 4;
  return 3;
}

/** How a sender reads the receiver's reply (reference §2.3, `rrdpush_sender_validate_response`). */
export type ResponseVerdict =
  | { ok: true; /** The version or capability bits the reply stands for (V1 prompt = 1, V2 = 2). */ version: number }
  | { ok: false; reason: string; postponeSecs: number };

/** Seconds a sender leaves a destination alone after each refusal (reference §2.3). */
export const POSTPONE_SECS = Object.freeze({
  sameLocalhost: 3600,
  alreadyStreaming: 120,
  notPermitted: 60,
  notUnderstood: 60,
  /** The path a proxy sends is fixed for the life of its sender: a loop stays one. */
  loop: 3600,
});

/**
 * The refusals parents that stream to each other give one another by design (a host they hold
 * already, or their own): a sender logs each once until that parent accepts it (events.ts).
 */
export const PEER_REFUSAL = Object.freeze({
  sameLocalhost: 'remote server is my localhost',
  alreadyStreaming: 'remote server says this host is already streaming to it',
  loop: 'remote server is where this host came from (a loop)',
});
const PEER_REFUSALS: ReadonlySet<string> = new Set(Object.values(PEER_REFUSAL));

/** Whether a refusal's `reason` is one of {@link PEER_REFUSAL}. */
export function isPeerRefusal(reason: string): boolean {
  return PEER_REFUSALS.has(reason);
}

/** A VN prompt's number may be this many characters long at most (netdata's `length + 30`). */
const VN_NUMBER_MAX_CHARS = 29;

/**
 * Checks a reply as 1.37's `rrdpush_sender_validate_response`: the VN prompt is a prefix followed
 * by a number; every other reply must match exactly, with its exact length.
 */
export function validateResponse(reply: string): ResponseVerdict {
  if (reply.startsWith(PROMPT_VN) && reply.length > PROMPT_VN.length && reply.length <= PROMPT_VN.length + VN_NUMBER_MAX_CHARS) {
    const digits = /^\d+/.exec(reply.slice(PROMPT_VN.length));
    if (digits) return { ok: true, version: Number(digits[0]) };
  }
  if (reply === PROMPT_V1) return { ok: true, version: 1 };
  if (reply === PROMPT_V2) return { ok: true, version: 2 };
  if (reply === ERROR_SAME_LOCALHOST) {
    return { ok: false, reason: PEER_REFUSAL.sameLocalhost, postponeSecs: POSTPONE_SECS.sameLocalhost };
  }
  if (reply === ERROR_ALREADY_STREAMING) {
    return { ok: false, reason: PEER_REFUSAL.alreadyStreaming, postponeSecs: POSTPONE_SECS.alreadyStreaming };
  }
  if (reply === ERROR_LOOP) {
    return { ok: false, reason: PEER_REFUSAL.loop, postponeSecs: POSTPONE_SECS.loop };
  }
  if (reply === ERROR_NOT_PERMITTED) {
    return { ok: false, reason: 'remote server denied access, probably we don\'t have the right API key', postponeSecs: POSTPONE_SECS.notPermitted };
  }
  if (reply === ERROR_TOO_BUSY) {
    return { ok: false, reason: 'remote server is too busy to accept this request', postponeSecs: POSTPONE_SECS.notUnderstood };
  }
  const shown = JSON.stringify(reply.length > 80 ? `${reply.slice(0, 80)}...` : reply);
  return {
    ok: false,
    reason: `server is not replying properly (is it a netdata?): remote node response is not understood: ${shown}`,
    postponeSecs: POSTPONE_SECS.notUnderstood,
  };
}

/** Every reply a receiver may give; the sender waits for more bytes while the reply is a proper prefix of one. */
const KNOWN_REPLIES: readonly string[] = [
  PROMPT_V1, PROMPT_V2, ERROR_SAME_LOCALHOST, ERROR_ALREADY_STREAMING, ERROR_NOT_PERMITTED, ERROR_TOO_BUSY, ERROR_LOOP,
];

/** Whether `partial` may still grow into a known reply (or a VN prompt). */
export function mayBeIncomplete(partial: string): boolean {
  if (PROMPT_VN.startsWith(partial)) return true;
  // the number has no terminator: a VN reply is complete once its digits stop coming in one read
  if (partial.startsWith(PROMPT_VN)) return partial.length === PROMPT_VN.length;
  return KNOWN_REPLIES.some((r) => r.length > partial.length && r.startsWith(partial));
}
