/**
 * Metric names as netdata's backends write them (reference §4.2, `backend_name_copy`): every byte
 * of the chart or dimension name that is not an ASCII letter, digit or `.` becomes `_`, and the
 * result is cut at netdata's id length. The prefix and the hostname are written as configured.
 */

/** netdata's `RRD_ID_LENGTH_MAX`: longest chart or dimension name a backend line carries. */
export const RRD_ID_LENGTH_MAX = 200;

const UNDERSCORE = 0x5f;
const DOT = 0x2e;

function isKept(byte: number): boolean {
  return byte === DOT
    || (byte >= 0x30 && byte <= 0x39)
    || (byte >= 0x41 && byte <= 0x5a)
    || (byte >= 0x61 && byte <= 0x7a);
}

/**
 * `disk_space./home` → `disk_space._home`. Works on the UTF-8 bytes as netdata does, so a
 * non-ASCII character becomes one `_` per byte.
 */
export function backendName(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  const length = Math.min(bytes.length, RRD_ID_LENGTH_MAX);
  let out = '';
  for (let i = 0; i < length; i++) {
    const byte = bytes[i]!;
    out += String.fromCharCode(isKept(byte) ? byte : UNDERSCORE);
  }
  return out;
}
