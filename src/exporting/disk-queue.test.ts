import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setLogSink, type LogSink } from '../log.js';
import { DiskQueue } from './disk-queue.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-disk-queue-'));
const lines: string[] = [];
const previousSink: LogSink = setLogSink((line) => { lines.push(line); });
after(() => {
  setLogSink(previousSink);
  fs.rmSync(tmp, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = (): string => path.join(tmp, `q${++dirs}`);
const batch = (n: number, bytes = 100): { body: Buffer; samples: number } => ({ body: Buffer.alloc(bytes, n % 256), samples: n });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads the whole queue, oldest first, delivering each batch. */
function drain(q: DiskQueue): number[] {
  const out: number[] = [];
  for (let b = q.peek(); b; b = q.peek()) {
    out.push(b.samples);
    assert.ok(b.body.equals(Buffer.alloc(b.body.length, b.samples % 256)), `batch ${b.samples} read back intact`);
    q.shift();
  }
  return out;
}

describe('DiskQueue', () => {
  it('gives batches back in order, and after a reopen only the undelivered ones', async () => {
    const dir = freshDir();
    const q = new DiskQueue(dir, 1024 * 1024, 'test', () => assert.fail('nothing dropped'));
    for (let n = 1; n <= 5; n++) q.push(batch(n));
    assert.equal(q.peek()!.samples, 1);
    q.shift();
    q.shift();
    assert.deepEqual([q.batches, q.samples], [3, 12]);
    q.close();
    const again = new DiskQueue(dir, 1024 * 1024, 'test', () => assert.fail('nothing dropped'));
    assert.deepEqual(again.recovered, { batches: 3, samples: 12, skippedBytes: 0 });
    again.push(batch(6));
    assert.deepEqual(drain(again), [3, 4, 5, 6]);
    again.close();
    assert.equal(new DiskQueue(dir, 1024 * 1024, 'test', () => undefined).batches, 0);
  });

  it('keeps what reached the file at the end of the turn when the process is not closed (a crash)', async () => {
    const dir = freshDir();
    const q = new DiskQueue(dir, 1024 * 1024, 'test', () => undefined);
    for (let n = 1; n <= 3; n++) q.push(batch(n));
    await turn();
    q.push(batch(4)); // not yet written when the "crash" comes: lost
    const reopened = new DiskQueue(dir, 1024 * 1024, 'test', () => undefined);
    assert.deepEqual(drain(reopened), [1, 2, 3]);
  });

  it('skips a torn tail and says so', async () => {
    const dir = freshDir();
    const q = new DiskQueue(dir, 1024 * 1024, 'test', () => undefined);
    for (let n = 1; n <= 3; n++) q.push(batch(n));
    q.close();
    const [segment] = fs.readdirSync(dir).filter((f) => f.endsWith('.queue'));
    fs.appendFileSync(path.join(dir, segment!), Buffer.from([50, 0, 0, 0, 1, 2, 3, 4, 9, 9]));
    const again = new DiskQueue(dir, 1024 * 1024, 'test', () => undefined);
    assert.equal(again.recovered.skippedBytes, 10);
    assert.deepEqual(drain(again), [1, 2, 3]);
    assert.ok(lines.some((l) => l.includes('10 bytes are torn or failed their check')));
  });

  it('drops the oldest segment when full, reporting batches and samples, and stays within its size', () => {
    const dir = freshDir();
    const maxBytes = 128 * 1024;
    const drops: Array<[number, number]> = [];
    const q = new DiskQueue(dir, maxBytes, 'test', (batches, samples) => drops.push([batches, samples]));
    for (let n = 1; n <= 100; n++) q.push(batch(n, 4000));
    assert.ok(q.bytes <= maxBytes, `${q.bytes} bytes queued`);
    const dropped = drops.reduce((s, [b]) => s + b, 0);
    assert.ok(dropped > 0);
    const left = drain(q);
    assert.equal(left.length + dropped, 100);
    assert.deepEqual(left, Array.from({ length: left.length }, (_, i) => dropped + 1 + i), 'the newest are kept, in order');
    assert.equal(drops.reduce((s, [, samples]) => s + samples, 0), (dropped * (dropped + 1)) / 2);
  });

  it('refuses a batch larger than the whole queue', () => {
    const drops: number[] = [];
    const q = new DiskQueue(freshDir(), 64 * 1024, 'test', (_b, samples) => drops.push(samples));
    q.push(batch(7, 70 * 1024));
    assert.deepEqual([q.batches, drops], [0, [7]]);
  });

  it('keeps how far the iterations reached, written with the batches it covers, for the next start', async () => {
    const dir = freshDir();
    const q = new DiskQueue(dir, 1024 * 1024, 'test', () => assert.fail('nothing dropped'));
    assert.equal(q.resumeAfterS, undefined, 'a new queue has no position');
    q.push(batch(1));
    q.markExported(1_700_000_010);
    assert.equal(fs.existsSync(path.join(dir, 'exported-until')), false, 'not before the batch is written');
    await turn();
    q.push(batch(2));
    q.markExported(1_700_000_020);
    q.close();
    const reopened = new DiskQueue(dir, 1024 * 1024, 'test', () => assert.fail('nothing dropped'));
    assert.equal(reopened.resumeAfterS, 1_700_000_020);
    assert.deepEqual(drain(reopened), [1, 2]);
    reopened.close();
  });
});
