/**
 * Prometheus remote write's `WriteRequest` (protobuf, `prompb/remote.proto`; netdata 1.37's copy
 * is `exporting/prometheus/remote_write/remote_write.proto`), encoded by hand: four messages,
 * two wire types, no optional fields. A protobuf package would bring a schema compiler or a
 * reflection runtime for what is a few tags and lengths.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // ms since the epoch
 *
 * A series' labels are encoded once (`encodeLabels`) and kept by the caller: only the sample
 * changes between iterations.
 */

/** Field 1, length-delimited: `WriteRequest.timeseries`, `TimeSeries.labels`, `Label.name`. */
const TAG_FIELD1_LEN = 0x0a;
/** Field 2, length-delimited: `TimeSeries.samples`, `Label.value`. */
const TAG_FIELD2_LEN = 0x12;
/** `Sample.value`, a 64-bit double. */
const TAG_SAMPLE_VALUE = 0x09;
/** `Sample.timestamp`, a varint. */
const TAG_SAMPLE_TIMESTAMP = 0x10;

/** Bytes of `value` as a protobuf varint (non-negative, up to 2^53). */
export function varintBytes(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

function putVarint(out: Buffer, o: number, value: number): number {
  while (value >= 0x80) {
    out[o++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[o++] = value;
  return o;
}

/** The encoded `labels` fields of one series (name/value pairs in the order given). */
export function encodeLabels(labels: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts = labels.map(([name, value]) => [Buffer.from(name, 'utf8'), Buffer.from(value, 'utf8')] as const);
  let size = 0;
  for (const [n, v] of parts) {
    const inner = 1 + varintBytes(n.length) + n.length + 1 + varintBytes(v.length) + v.length;
    size += 1 + varintBytes(inner) + inner;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const [n, v] of parts) {
    const inner = 1 + varintBytes(n.length) + n.length + 1 + varintBytes(v.length) + v.length;
    out[o++] = TAG_FIELD1_LEN;
    o = putVarint(out, o, inner);
    out[o++] = TAG_FIELD1_LEN;
    o = putVarint(out, o, n.length);
    o += n.copy(out, o);
    out[o++] = TAG_FIELD2_LEN;
    o = putVarint(out, o, v.length);
    o += v.copy(out, o);
  }
  return out;
}

/** One series with one sample, as a batch holds it. */
export interface SeriesSample {
  /** `encodeLabels` of the series' labels. */
  labels: Buffer;
  value: number;
  timestampMs: number;
}

function sampleBytes(timestampMs: number): number {
  return 1 + 8 + 1 + varintBytes(timestampMs);
}

function seriesBytes(s: Readonly<SeriesSample>): number {
  const sample = sampleBytes(s.timestampMs);
  return s.labels.length + 1 + varintBytes(sample) + sample;
}

/** Bytes `encodeWriteRequest` makes for `series`. */
export function writeRequestBytes(series: ReadonlyArray<Readonly<SeriesSample>>): number {
  let size = 0;
  for (const s of series) {
    const inner = seriesBytes(s);
    size += 1 + varintBytes(inner) + inner;
  }
  return size;
}

/** The `WriteRequest` holding `series`, one sample each. */
export function encodeWriteRequest(series: ReadonlyArray<Readonly<SeriesSample>>): Buffer {
  const out = Buffer.allocUnsafe(writeRequestBytes(series));
  let o = 0;
  for (const s of series) {
    const sample = sampleBytes(s.timestampMs);
    out[o++] = TAG_FIELD1_LEN;
    o = putVarint(out, o, seriesBytes(s));
    o += s.labels.copy(out, o);
    out[o++] = TAG_FIELD2_LEN;
    o = putVarint(out, o, sample);
    out[o++] = TAG_SAMPLE_VALUE;
    o = out.writeDoubleLE(s.value, o);
    out[o++] = TAG_SAMPLE_TIMESTAMP;
    o = putVarint(out, o, s.timestampMs);
  }
  return out;
}
