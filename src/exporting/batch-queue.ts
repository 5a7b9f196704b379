/**
 * What a remote-write destination has not delivered yet: encoded, compressed batches in the order
 * they were made. Two implementations: `MemoryQueue` (netdata's behaviour: `buffer on failures`
 * batches, then the oldest go) and `DiskQueue` (this agent's own: bounded bytes on disk, kept
 * across restarts and crashes). Both drop the oldest first and say so through `onDrop`.
 */

/** One batch: the request body and how many samples it holds. */
export interface QueuedBatch {
  readonly body: Buffer;
  readonly samples: number;
}

/** Why and how much a queue dropped (the owner logs and counts it). */
export type DropListener = (batches: number, samples: number, bytes: number, reason: string) => void;

/** The queue a destination sends from: append at the tail, read and remove at the head. */
export interface BatchQueue {
  /** Appends a batch; may drop the oldest to make room. */
  push(batch: QueuedBatch): void;
  /** The oldest batch, or undefined when empty. */
  peek(): QueuedBatch | undefined;
  /** Removes the oldest batch (it was delivered, or rejected for good). */
  shift(): void;
  /** Batches and samples waiting, and bytes they take. */
  readonly batches: number;
  readonly samples: number;
  readonly bytes: number;
  /** Writes what is buffered and releases files (the queue is not used after). */
  close(): void;
  /**
   * The iteration `after` an earlier run of the agent had reached with this queue (its next
   * iteration starts there), or undefined when none was recorded (a memory queue never has one).
   */
  readonly resumeAfterS: number | undefined;
  /** Records that iterations up to `afterS` are queued; a disk queue keeps it with its batches. */
  markExported(afterS: number): void;
}

/** netdata's memory buffer: at most `maxBatches` batches. */
export class MemoryQueue implements BatchQueue {
  readonly #items: QueuedBatch[] = [];
  #head = 0;
  #samples = 0;
  #bytes = 0;

  constructor(readonly maxBatches: number, readonly onDrop: DropListener) {}

  push(batch: QueuedBatch): void {
    this.#items.push(batch);
    this.#samples += batch.samples;
    this.#bytes += batch.body.length;
    if (this.batches > this.maxBatches) {
      const oldest = this.#items[this.#head]!;
      this.shift();
      this.onDrop(1, oldest.samples, oldest.body.length, `more than ${this.maxBatches} batches waiting (buffer on failures)`);
    }
  }

  peek(): QueuedBatch | undefined {
    return this.#items[this.#head];
  }

  shift(): void {
    const item = this.#items[this.#head];
    if (!item) return;
    this.#head++;
    this.#samples -= item.samples;
    this.#bytes -= item.body.length;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
  }

  get batches(): number {
    return this.#items.length - this.#head;
  }
  get samples(): number {
    return this.#samples;
  }
  get bytes(): number {
    return this.#bytes;
  }

  close(): void {}

  get resumeAfterS(): number | undefined {
    return undefined;
  }

  markExported(): void {}
}
