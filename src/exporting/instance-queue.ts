/**
 * The queue an HTTP destination of an exporting instance sends from: on disk under the
 * instance's `disk queue directory` when `disk queue size bytes` is above 0, else (or when the
 * directory cannot be used, with an ERROR line) netdata's memory buffer of `buffer on failures`
 * batches. What a full queue drops is logged and counted on the instance's charts.
 */
import path from 'node:path';
import type { ExportingInstanceConfig } from '../config/index.js';
import { error } from '../log.js';
import { MemoryQueue, type BatchQueue, type DropListener } from './batch-queue.js';
import { DiskQueue } from './disk-queue.js';
import type { BackendCounters } from './self-charts.js';

/** A queue folder's name for a set of destinations (`host:port` labels). */
export function queueName(labels: readonly string[]): string {
  return labels.join('+').replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * A queue of `bytes` for destination(s) `name` of instance `config`; drops go to `counters()`
 * (the instance's current iteration) and to the log, tagged `tag`.
 */
export function instanceQueue(
  config: Readonly<ExportingInstanceConfig>, name: string, bytes: number, tag: string, counters: () => BackendCounters,
): BatchQueue {
  const onDrop: DropListener = (batches, samples, bodyBytes, reason) => {
    error(`${tag}: dropped the ${batches} oldest batches (${samples} samples) for '${name}': ${reason}`);
    const c = counters();
    c.discards += batches;
    c.lostMetrics += samples;
    c.lostBytes += bodyBytes;
  };
  if (bytes > 0) {
    const dir = path.join(config.diskQueueDirectory, name);
    try {
      return new DiskQueue(dir, bytes, tag, onDrop);
    } catch (err) {
      error(`${tag}: cannot use the disk queue '${dir}' (${String(err)}); keeping ${config.bufferOnFailures} batches in memory instead`);
    }
  }
  return new MemoryQueue(config.bufferOnFailures, onDrop);
}
