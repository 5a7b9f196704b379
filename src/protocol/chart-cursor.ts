import type { Chart, Dimension } from '../database/index.js';

/**
 * The parser's memory of one chart: the next SET expected, the chart after it, and the chart's
 * id followed by its dimensions' ids back to back in one array. BEGIN compares its id with the
 * front of that array and each SET with the part for its dimension: one small array per chart
 * to bring into the cache rather than an id buffer and a dimension per value, which is what a
 * parent fed once a second pays for (each chart is cold by its next BEGIN).
 */
export class ChartCursor {
  /** Index of the dimension the next SET is expected for. */
  position = 0;
  /** The chart whose BEGIN followed this chart's last time. */
  next: ChartCursor | null = null;
  /**
   * The chart's id, then the ids of its first `idCount` dimensions: the chart's ends at
   * `#chartIdEnd`, dimension i's at `#idEnds[i]`.
   */
  #ids: Uint8Array = new Uint8Array(0);
  #idEnds: Int32Array = new Int32Array(0);
  readonly #chartIdEnd: number;
  idCount = 0;

  constructor(readonly chart: Chart) {
    this.#chartIdEnd = Buffer.byteLength(chart.id, 'utf8');
    this.#pack(chart.dimensions);
  }

  /** Re-packs the ids when the chart has dimensions the cursor has not seen (new ones only append). */
  refresh(): void {
    const dimensions = this.chart.dimensions;
    if (dimensions.length !== this.idCount) this.#pack(dimensions);
  }

  /** Whether `bytes[start, end)` is the chart's id. */
  isChart(bytes: Uint8Array, start: number, end: number): boolean {
    return this.#equals(bytes, start, end, 0, this.#chartIdEnd);
  }

  /** Whether `bytes[start, end)` is the id of dimension `index` (< idCount). */
  matches(bytes: Uint8Array, start: number, end: number, index: number): boolean {
    return this.#equals(bytes, start, end, index === 0 ? this.#chartIdEnd : this.#idEnds[index - 1], this.#idEnds[index]);
  }

  #equals(bytes: Uint8Array, start: number, end: number, from: number, to: number): boolean {
    const ids = this.#ids;
    const length = to - from;
    if (end - start !== length) return false;
    for (let i = 0; i < length; i++) {
      if (bytes[start + i] !== ids[from + i]) return false;
    }
    return true;
  }

  #pack(dimensions: readonly Dimension[]): void {
    // the ids are encoded together from their strings: a dimension's own id buffer is made
    // only where something else needs it
    let text = this.chart.id;
    const ends = new Int32Array(dimensions.length);
    let at = this.#chartIdEnd;
    for (let i = 0; i < dimensions.length; i++) {
      const id = dimensions[i].definition.id;
      text += id;
      at += Buffer.byteLength(id, 'utf8');
      ends[i] = at;
    }
    // set from a copy: reading `ids.buffer` would move a small array's bytes out of the heap
    const ids = new Uint8Array(at);
    ids.set(Buffer.from(text, 'utf8'), 0);
    this.#ids = ids;
    this.#idEnds = ends;
    this.idCount = dimensions.length;
  }
}
