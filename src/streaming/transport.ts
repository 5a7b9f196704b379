/**
 * The transport layers under a link's line stream (DESIGN "Links above version 1"). What a
 * sender queues is plain protocol text; an outbound layer turns it into wire bytes just before
 * the socket, and on the other end an inbound layer turns the wire bytes back into the plain
 * text the parser reads. The parser, the sender's formatting and the connection never know
 * which layer a link has: the link's negotiated capabilities pick it, once per connection.
 * netdata 1.37 compresses only the child → parent direction (reference §11), so the parent's
 * commands back (REPLAY_CHART) always go plain.
 */
import { DEFAULT_COMPRESSION_LEVELS, type CompressionLevels } from '../config/index.js';
import type { LinkCapabilities } from './negotiation.js';
import { Lz4FrameDecoder, Lz4FrameEncoder } from './transport-lz4.js';
import { ZstdFrameDecoder, ZstdFrameEncoder } from './transport-zstd.js';

/** The sending side's layer of one connection: plain text in, wire bytes out. */
export interface OutboundTransport {
  /** As the operator reads it: `lz4`, `zstd`. */
  readonly name: string;
  /**
   * Encodes `plain` (whole lines, or the rest of them in a later call); the result is new and
   * the caller's. Throws only on a bug of ours.
   */
  encode(plain: Buffer): Buffer;
  /** Plain bytes encoded so far, and the wire bytes they became. */
  readonly stats: Readonly<TransportStats>;
}

/** The receiving side's layer of one connection: wire bytes in, plain text to its sink. */
export interface InboundTransport {
  /**
   * Takes the next bytes from the socket; the plain bytes go to the sink given at creation,
   * which may keep them (they are never written again). Throws a ProtocolError when the bytes
   * are not what the layer expects; the connection must then be closed.
   */
  push(wire: Buffer): void;
  /** The connection ended; throws a ProtocolError when it ended inside a frame. */
  end(): void;
  readonly stats: Readonly<TransportStats>;
}

/** What a layer did on one connection. */
export interface TransportStats {
  /** Bytes on the wire (headers included). */
  wireBytes: number;
  /** Plain protocol text. */
  plainBytes: number;
  /** Compressed frames. */
  frames: number;
}

/**
 * The receiving side of `link`: frames of the algorithm it negotiated (and plain text between
 * them), or plain text. Throws an Error when that algorithm's library does not load (negotiation
 * checks it first).
 */
export function inboundTransport(link: LinkCapabilities, sink: (plain: Buffer) => void): InboundTransport {
  switch (link.compression) {
    case 'zstd': return new ZstdFrameDecoder(sink);
    case 'lz4': return new Lz4FrameDecoder(sink);
    default: return new PlainInbound(sink);
  }
}

/**
 * The sending side of `link`: frames of the algorithm it negotiated at its `levels` entry (zstd's
 * level, lz4's acceleration), else null (bytes go as they are). Throws an Error when the
 * algorithm's library does not load.
 */
export function outboundTransport(link: LinkCapabilities, levels?: Readonly<CompressionLevels>): OutboundTransport | null {
  switch (link.compression) {
    case 'zstd': return new ZstdFrameEncoder((levels ?? DEFAULT_COMPRESSION_LEVELS).zstd);
    case 'lz4': return new Lz4FrameEncoder({ acceleration: (levels ?? DEFAULT_COMPRESSION_LEVELS).lz4 });
    default: return null;
  }
}

/** Bytes pass as they came. */
class PlainInbound implements InboundTransport {
  readonly stats: TransportStats = { wireBytes: 0, plainBytes: 0, frames: 0 };

  constructor(private readonly sink: (plain: Buffer) => void) {}

  push(wire: Buffer): void {
    this.stats.wireBytes += wire.length;
    this.stats.plainBytes += wire.length;
    this.sink(wire);
  }

  end(): void {}
}
