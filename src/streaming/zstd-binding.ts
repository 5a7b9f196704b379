/**
 * The zstd library, from the optional package `zstd-napi` (Node-API bindings of Zstandard's own
 * C sources, built at install). It is loaded on the first link that negotiates ZSTD, never at
 * start, so an agent whose links never use zstd pays nothing for it; where the package is not
 * installed ZSTD is not offered (as netdata's `STREAM_CAP_ZSTD_AVAILABLE` without libzstd).
 * Only the few calls the transport uses are typed here, so the project builds without it.
 */
import { createRequire } from 'node:module';

/** `[returnValue, dstProduced, srcConsumed]` of a streaming call. */
export type ZstdStreamResult = [number, number, number];

/** A compression context (`ZSTD_CCtx`): one per connection, freed when collected. */
export interface ZstdCCtx {
  setParameter(param: number, value: number): void;
  compressStream2(dst: Uint8Array, src: Uint8Array, endOp: number): ZstdStreamResult;
}

/** A decompression context (`ZSTD_DCtx`): one per connection, freed when collected. */
export interface ZstdDCtx {
  setParameter(param: number, value: number): void;
  decompressStream(dst: Uint8Array, src: Uint8Array): ZstdStreamResult;
}

/** The part of `zstd-napi/binding` the transport calls. */
export interface ZstdBinding {
  CCtx: new () => ZstdCCtx;
  DCtx: new () => ZstdDCtx;
  CParameter: { compressionLevel: number; windowLog: number; hashLog: number; chainLog: number };
  DParameter: { windowLogMax: number };
  EndDirective: { flush: number };
  compressBound(srcBytes: number): number;
  versionString(): string;
}

const PACKAGE = 'zstd-napi/binding';
const require = createRequire(import.meta.url);
let binding: ZstdBinding | null = null;
let failure: string | null = null;

/** Whether zstd can be offered: the package is installed (checked on disk; nothing is loaded). */
export function zstdAvailable(): boolean {
  if (binding) return true;
  if (failure !== null) return false;
  try {
    require.resolve(PACKAGE);
    return true;
  } catch {
    failure = `the optional package zstd-napi is not installed`;
    return false;
  }
}

/**
 * The loaded library (loaded on the first call). Throws an Error saying why when it is missing or
 * does not load; after that {@link zstdAvailable} is false, so ZSTD is no longer offered.
 */
export function zstdBinding(): ZstdBinding {
  if (binding) return binding;
  if (failure === null) {
    try {
      binding = require(PACKAGE) as ZstdBinding;
      return binding;
    } catch (err) {
      failure = `the optional package zstd-napi does not load: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  throw new Error(`zstd is not available: ${failure}`);
}

/** Why zstd is not available, or null when it is (for tests that skip without it). */
export function zstdMissing(): string | null {
  return zstdAvailable() ? null : failure;
}
