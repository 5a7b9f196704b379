/**
 * A dimension as readers see it: its definition plus a view on its slot of the chart's
 * `CollectionState` arrays (the numbers live there, so END never touches these objects).
 */
import { algorithmCode, type CollectionState } from './collection-state.js';
import { frozenDimensionDefinition } from './frozen-definitions.js';
import type { Dimension, DimensionDefinition } from './types.js';

/** The `Dimension` of the contract; created by its chart, lives as long as the chart. */
export class DimensionView implements Dimension {
  readonly index: number;
  /** Made at its first read (replication's RSET): one Buffer per dimension less on the heap for every full collection to mark. */
  #idBytes: Buffer | null = null;
  #definition: Readonly<DimensionDefinition>;
  readonly #state: CollectionState;

  constructor(state: CollectionState, index: number, definition: DimensionDefinition) {
    this.#state = state;
    this.index = index;
    this.#definition = definition;
    this.redefine(definition);
  }

  get idBytes(): Buffer {
    return this.#idBytes ??= Buffer.from(this.#definition.id, 'utf8');
  }

  get definition(): Readonly<DimensionDefinition> {
    return this.#definition;
  }

  /** Applies a re-sent DIMENSION in place; collected data and the ring stay. */
  redefine(definition: DimensionDefinition): void {
    this.#definition = frozenDimensionDefinition(definition);
    const s = this.#state;
    s.algorithm[this.index] = algorithmCode(definition.algorithm);
    s.multiplier[this.index] = definition.multiplier === 0 ? 1 : definition.multiplier;
    s.divisor[this.index] = definition.divisor === 0 ? 1 : definition.divisor;
    s.noReset[this.index] = definition.options.noReset ? 1 : 0;
  }

  get lastCollectedValue(): number {
    return this.#state.lastCollectedTimeUs[this.index] === 0 ? NaN : this.#state.lastCollected[this.index];
  }

  get lastCollectedTimeUs(): number {
    return this.#state.lastCollectedTimeUs[this.index];
  }

  get lastStoredValue(): number {
    return this.#state.lastStored[this.index];
  }

  get lastCalculatedValue(): number {
    return this.#state.lastCalculated[this.index];
  }

  get collections(): number {
    return this.#state.collections[this.index];
  }

  get updated(): boolean {
    return this.#state.wasUpdated[this.index] === 1;
  }
}
