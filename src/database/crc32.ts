/**
 * CRC-32 (ISO-HDLC, the polynomial of zlib and gzip) of the record logs and store files, equal to
 * `zlib.crc32`. Computed here rather than with `node:zlib`, whose loading costs a headless
 * collector (which checksums only its spool's records, a few KB a second) about 0.3 MB of RSS.
 */

const TABLE = ((): Int32Array => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** The CRC-32 of `data` (a string as its UTF-8 bytes), an unsigned 32-bit integer as `zlib.crc32(data)`. */
export function crc32(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
