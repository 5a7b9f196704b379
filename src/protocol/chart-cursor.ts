import type { Chart, Dimension } from '../database/types.js';

/**
 * The parser's memory of one chart: its id bytes, the next SET expected, the chart after it, and
 * its dimensions' ids back to back in one array. A SET compares its id with that array: one
 * object per chart to bring into the cache rather than a dimension and its id buffer per value,
 * which is what a parent fed once a second pays for (each chart is cold by its next BEGIN).
 */
export class ChartCursor {
  readonly idBytes: Buffer;
  /** Index of the dimension the next SET is expected for. */
  position = 0;
  /** The chart whose BEGIN followed this chart's last time. */
  next: ChartCursor | null = null;
  /** The ids of the first `idCount` dimensions, back to back; dimension i's ends at `idEnds[i]`. */
  #ids: Uint8Array = new Uint8Array(0);
  #idEnds: Int32Array = new Int32Array(0);
  idCount = 0;

  constructor(readonly chart: Chart) {
    this.idBytes = Buffer.from(chart.id, 'utf8');
    this.refresh();
  }

  /** Re-packs the ids when the chart has dimensions the cursor has not seen (new ones only append). */
  refresh(): void {
    const dimensions = this.chart.dimensions;
    if (dimensions.length !== this.idCount) this.#pack(dimensions);
  }

  /** Whether `bytes[start, end)` is the id of dimension `index` (< idCount). */
  matches(bytes: Uint8Array, start: number, end: number, index: number): boolean {
    const ids = this.#ids;
    const from = index === 0 ? 0 : this.#idEnds[index - 1];
    const length = this.#idEnds[index] - from;
    if (end - start !== length) return false;
    for (let i = 0; i < length; i++) {
      if (bytes[start + i] !== ids[from + i]) return false;
    }
    return true;
  }

  #pack(dimensions: readonly Dimension[]): void {
    let bytes = 0;
    for (const d of dimensions) bytes += d.idBytes.length;
    const ids = new Uint8Array(bytes);
    const ends = new Int32Array(dimensions.length);
    let at = 0;
    for (let i = 0; i < dimensions.length; i++) {
      ids.set(dimensions[i].idBytes, at);
      at += dimensions[i].idBytes.length;
      ends[i] = at;
    }
    this.#ids = ids;
    this.#idEnds = ends;
    this.idCount = dimensions.length;
  }
}
