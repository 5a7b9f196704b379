/**
 * What one link negotiated (DESIGN "Links above version 1", reference §2.3): the capability bits
 * both ends share, decided once per connection by the receiver from the child's `ver=` and read
 * by the sender from the parent's reply. The parser, the sender and replication ask this object
 * what the link can carry; none of them re-derives it from the bits.
 */
import { DEFAULT_COMPRESSION_ALGORITHMS_ORDER, type CompressionAlgorithm } from '../config/index.js';
import {
  CAP, capabilitiesToVersion, PROMPT_V1, PROMPT_V2, PROMPT_VN, versionToCapabilities,
} from './prompts.js';
import { zstdAvailable, zstdBinding } from './zstd-binding.js';

/** Each compression algorithm's capability bit (1.44's `STREAM_CAP_ZSTD`...; lz4 is 1.37's COMPRESSION). */
export const COMPRESSION_CAPS: Readonly<Record<CompressionAlgorithm, number>> = Object.freeze({
  zstd: CAP.ZSTD, lz4: CAP.COMPRESSION, brotli: CAP.BROTLI, gzip: CAP.GZIP,
});
const ALL_COMPRESSIONS = CAP.ZSTD | CAP.COMPRESSION | CAP.BROTLI | CAP.GZIP;
/**
 * The order in which both ends read the compression bit a link kept (1.44's
 * `rrdpush_compression_initialize` and `rrdpush_decompression_initialize`), so a reply that
 * kept more than one still means the same algorithm to both.
 */
const USE_ORDER: readonly CompressionAlgorithm[] = ['zstd', 'lz4', 'brotli', 'gzip'];

/**
 * What this agent implements and offers whatever its settings, with netdata's own bits: every
 * version style (so 1.10 to 1.37+ peers meet us at their best), host and chart labels, the claim
 * id, functions and replication. Binary framing is offered once it is implemented.
 */
const BASE_CAPABILITIES = CAP.V1 | CAP.V2 | CAP.VN | CAP.VCAPS | CAP.HLABELS | CAP.CLAIM | CAP.CLABELS | CAP.FUNCTIONS |
  CAP.REPLICATION;

/**
 * The compression bits this agent can offer now: 1.37's lz4 always, zstd where its optional
 * package is installed (and has not failed to load). gzip and brotli are not implemented
 * (docs/compression.md has the figures why).
 */
export function availableCompressions(): number {
  return CAP.COMPRESSION | (zstdAvailable() ? CAP.ZSTD : 0);
}

/** Everything this agent offers with compression on, as it started ({@link offeredCapabilities} is the live figure). */
export const OFFERED_CAPABILITIES = BASE_CAPABILITIES | availableCompressions();

/** What this node's settings let one link offer. */
export interface OfferSettings {
  /**
   * `[stream] enable compression` on a sender; on a receiver the child's `[API_KEY]` /
   * `[MACHINE_GUID]` `enable compression`, and `[stream]`'s too (reference §2.3: 1.37 drops
   * COMPRESSION from its reply when it is off; 1.44 drops every algorithm).
   */
  compression: boolean;
}

/** The bits one link offers: everything implemented, less what its settings turn off. */
export function offeredCapabilities(settings: Readonly<OfferSettings>): number {
  return settings.compression ? BASE_CAPABILITIES | availableCompressions() : BASE_CAPABILITIES;
}

/**
 * A receiver's choice (1.44's `rrdpush_select_receiver_compression_algorithm`): where more than
 * one compression bit is common, only the first of `order` stays.
 */
function keepOneCompression(bits: number, order: readonly CompressionAlgorithm[]): number {
  const common = bits & ALL_COMPRESSIONS;
  if ((common & (common - 1)) === 0) return bits;
  for (const algorithm of order) {
    const cap = COMPRESSION_CAPS[algorithm];
    if (common & cap) return (bits & ~ALL_COMPRESSIONS) | cap;
  }
  return bits;
}

/** Whether zstd loads now (the first link that would use it loads it). */
function zstdLoads(): boolean {
  try {
    zstdBinding();
    return true;
  } catch {
    return false;
  }
}

const NAMES: ReadonlyArray<[number, string]> = [
  [CAP.V1, 'V1'], [CAP.V2, 'V2'], [CAP.VN, 'VN'], [CAP.VCAPS, 'VCAPS'], [CAP.HLABELS, 'HLABELS'],
  [CAP.CLAIM, 'CLAIM'], [CAP.CLABELS, 'CLABELS'], [CAP.COMPRESSION, 'COMPRESSION'],
  [CAP.FUNCTIONS, 'FUNCTIONS'], [CAP.REPLICATION, 'REPLICATION'], [CAP.BINARY, 'BINARY'],
  [CAP.ZSTD, 'ZSTD'], [CAP.GZIP, 'GZIP'], [CAP.BROTLI, 'BROTLI'],
];

/** The negotiated capabilities of one link; immutable for the connection's life. */
export class LinkCapabilities {
  /** A link that speaks only version 1 (an old peer, or before any handshake). */
  static readonly V1 = new LinkCapabilities(CAP.V1);

  #text: string | null = null;

  private constructor(readonly bits: number) {}

  /**
   * Receiver side: what a child's request offers (`ver=`, or null when it sent none: version 1),
   * intersected with what this node offers (netdata's `convert_stream_version_to_capabilities`),
   * keeping one compression algorithm: the first of `order` (`compression algorithms order`)
   * that both have. zstd is loaded here when it is the one; if it does not load, the next is.
   */
  static forChild(
    requestVersion: number | null, offered = OFFERED_CAPABILITIES, order: readonly CompressionAlgorithm[] = DEFAULT_COMPRESSION_ALGORITHMS_ORDER,
  ): LinkCapabilities {
    const peer = requestVersion === null ? CAP.V1 : versionToCapabilities(requestVersion);
    let bits = keepOneCompression(peer & offered, order);
    if ((bits & CAP.ZSTD) && !zstdLoads()) bits = keepOneCompression(peer & offered & ~CAP.ZSTD, order);
    return LinkCapabilities.of(bits);
  }

  /** Sender side: the version or capability number the parent's prompt carried. */
  static fromParentReply(version: number, offered = OFFERED_CAPABILITIES): LinkCapabilities {
    return LinkCapabilities.of(versionToCapabilities(version) & offered);
  }

  private static of(bits: number): LinkCapabilities {
    // a peer that shares nothing at all still speaks version 1
    return bits === 0 || bits === CAP.V1 ? LinkCapabilities.V1 : new LinkCapabilities(bits >>> 0);
  }

  /** Whether both ends may use `cap` on this link. */
  has(cap: number): boolean {
    return (this.bits & cap) !== 0;
  }

  /** LABEL / OVERWRITE host labels. */
  get hostLabels(): boolean { return this.has(CAP.HLABELS); }
  /** CLABEL / CLABEL_COMMIT chart labels. */
  get chartLabels(): boolean { return this.has(CAP.CLABELS); }
  /** CLAIMED_ID. */
  get claim(): boolean { return this.has(CAP.CLAIM); }
  /**
   * FUNCTION lines in chart definitions (child → parent), FUNCTION calls down and
   * FUNCTION_RESULT_BEGIN..END answers up (reference §2.4, §2.8; docs/functions.md).
   */
  get functions(): boolean { return this.has(CAP.FUNCTIONS); }
  /** CHART_DEFINITION_END, REPLAY_CHART and the R* commands; BEGIN always carries microseconds. */
  get replication(): boolean { return this.has(CAP.REPLICATION); }
  /**
   * The algorithm the child's bytes are compressed with (transport.ts picks the layer), or null
   * for plain text; the parent's commands come back plain either way. Where the bits keep more
   * than one, the first of zstd, lz4, brotli, gzip, as netdata reads them.
   */
  get compression(): CompressionAlgorithm | null {
    for (const algorithm of USE_ORDER) if (this.has(COMPRESSION_CAPS[algorithm])) return algorithm;
    return null;
  }

  /**
   * The receiver's reply (reference §2.3, `receiver.c`): the VN prompt with the bits for a
   * VCAPS peer, with an old version number for a VN peer; the V2 or V1 prompt otherwise.
   */
  prompt(): string {
    if (this.has(CAP.VCAPS)) return `${PROMPT_VN}${this.bits}`;
    if (this.has(CAP.VN)) return `${PROMPT_VN}${capabilitiesToVersion(this.bits)}`;
    if (this.has(CAP.V2)) return PROMPT_V2;
    return PROMPT_V1;
  }

  /** netdata's `stream_capabilities_to_string`: each name followed by a space. */
  toString(): string {
    // made once: every link's status, read each second for the streaming charts, quotes it
    if (this.#text === null) {
      let text = '';
      for (const [bit, name] of NAMES) if (this.bits & bit) text += `${name} `;
      this.#text = text;
    }
    return this.#text;
  }
}
