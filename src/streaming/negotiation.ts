/**
 * What one link negotiated (DESIGN "Links above version 1", reference §2.3): the capability bits
 * both ends share, decided once per connection by the receiver from the child's `ver=` and read
 * by the sender from the parent's reply. The parser, the sender and replication ask this object
 * what the link can carry; none of them re-derives it from the bits.
 */
import {
  CAP, capabilitiesToVersion, PROMPT_V1, PROMPT_V2, PROMPT_VN, versionToCapabilities,
} from './prompts.js';

/**
 * The capabilities this agent implements and offers, with netdata's own bits: every version
 * style (so 1.10 to 1.37+ peers meet us at their best), host and chart labels, the claim id,
 * netdata 1.37's lz4 compression and replication. Functions and binary framing are offered once
 * they are implemented.
 */
export const OFFERED_CAPABILITIES = CAP.V1 | CAP.V2 | CAP.VN | CAP.VCAPS | CAP.HLABELS | CAP.CLAIM |
  CAP.CLABELS | CAP.COMPRESSION | CAP.REPLICATION;

/** What this node's settings let one link offer. */
export interface OfferSettings {
  /**
   * `[stream] enable compression` on a sender; on a receiver the child's `[API_KEY]` /
   * `[MACHINE_GUID]` `enable compression`, and `[stream]`'s too (reference §2.3: 1.37 drops
   * COMPRESSION from its reply when it is off).
   */
  compression: boolean;
}

/** The bits one link offers: {@link OFFERED_CAPABILITIES} less what its settings turn off. */
export function offeredCapabilities(settings: Readonly<OfferSettings>): number {
  return settings.compression ? OFFERED_CAPABILITIES : OFFERED_CAPABILITIES & ~CAP.COMPRESSION;
}

const NAMES: ReadonlyArray<[number, string]> = [
  [CAP.V1, 'V1'], [CAP.V2, 'V2'], [CAP.VN, 'VN'], [CAP.VCAPS, 'VCAPS'], [CAP.HLABELS, 'HLABELS'],
  [CAP.CLAIM, 'CLAIM'], [CAP.CLABELS, 'CLABELS'], [CAP.COMPRESSION, 'COMPRESSION'],
  [CAP.FUNCTIONS, 'FUNCTIONS'], [CAP.REPLICATION, 'REPLICATION'], [CAP.BINARY, 'BINARY'],
];

/** The negotiated capabilities of one link; immutable for the connection's life. */
export class LinkCapabilities {
  /** A link that speaks only version 1 (an old peer, or before any handshake). */
  static readonly V1 = new LinkCapabilities(CAP.V1);

  private constructor(readonly bits: number) {}

  /**
   * Receiver side: what a child's request offers (`ver=`, or null when it sent none: version 1),
   * intersected with what this node offers (netdata's `convert_stream_version_to_capabilities`).
   */
  static forChild(requestVersion: number | null, offered = OFFERED_CAPABILITIES): LinkCapabilities {
    const peer = requestVersion === null ? CAP.V1 : versionToCapabilities(requestVersion);
    return LinkCapabilities.of(peer & offered);
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
  /** CHART_DEFINITION_END, REPLAY_CHART and the R* commands; BEGIN always carries microseconds. */
  get replication(): boolean { return this.has(CAP.REPLICATION); }
  /** The child's bytes go as netdata 1.37's lz4 frames (transport-lz4.ts); the parent's come back plain. */
  get compression(): boolean { return this.has(CAP.COMPRESSION); }

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
    let text = '';
    for (const [bit, name] of NAMES) if (this.bits & bit) text += `${name} `;
    return text;
  }
}
