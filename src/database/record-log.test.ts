/**
 * The record log map's journal and the streaming spool share: one write per turn, and a checked
 * read that stops at a torn tail or, with `skipCorrupt`, skips a bad record between good ones.
 * Real files in a temp directory.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { RECORD_PREFIX_BYTES, RecordLogWriter } from './record-log.js';
import { scanRecordFile, scanRecords } from './record-log-scan.js';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-log-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Appends one record holding `text`. */
function put(log: RecordLogWriter, text: string): void {
  const bytes = Buffer.from(text);
  const at = log.begin(bytes.length);
  bytes.copy(log.buffer, at);
  log.end();
}

function bodies(file: string, options = {}): string[] {
  const seen: string[] = [];
  scanRecordFile(file, (body) => seen.push(body.toString()), { chunkBytes: 16, ...options });
  return seen;
}

describe('RecordLogWriter', () => {
  it('writes the records of a turn with one write at its end', async () => {
    const file = path.join(dir, 'log');
    const log = new RecordLogWriter(file);
    put(log, 'one');
    put(log, 'two');
    assert.equal(fs.statSync(file).size, 0);
    await tick();
    assert.equal(fs.statSync(file).size, 2 * RECORD_PREFIX_BYTES + 6);
    assert.deepEqual(bodies(file), ['one', 'two']);
    log.close();
  });

  it('builds a record over several reserves and continues a file in append mode', () => {
    const file = path.join(dir, 'log');
    const first = new RecordLogWriter(file, { autoFlush: false });
    first.begin(0);
    for (const part of ['a', 'bc', 'def']) Buffer.from(part).copy(first.buffer, first.reserve(part.length));
    first.end();
    first.close();
    const second = new RecordLogWriter(file, { mode: 'append', autoFlush: false });
    assert.equal(second.fileBytes, RECORD_PREFIX_BYTES + 6);
    put(second, 'next');
    second.flush();
    second.close();
    assert.deepEqual(bodies(file), ['abcdef', 'next']);
  });
});

describe('scanRecords / scanRecordFile', () => {
  function threeRecords(): { file: string; bytes: Buffer } {
    const file = path.join(dir, 'log');
    const log = new RecordLogWriter(file, { autoFlush: false });
    for (const text of ['first record', 'second record', 'third record']) put(log, text);
    log.close();
    return { file, bytes: fs.readFileSync(file) };
  }

  it('stops at a torn tail and says how many bytes it has', () => {
    const { file, bytes } = threeRecords();
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
    const seen: string[] = [];
    const scan = scanRecordFile(file, (body) => seen.push(body.toString()), { chunkBytes: 16 });
    assert.deepEqual(seen, ['first record', 'second record']);
    assert.equal(scan.tornBytes, RECORD_PREFIX_BYTES + 'third record'.length - 5);
    assert.equal(scan.endBytes, 2 * RECORD_PREFIX_BYTES + 25);
  });

  it('stops at a corrupt record by default and skips it with skipCorrupt', () => {
    const { bytes } = threeRecords();
    bytes[RECORD_PREFIX_BYTES + 20 + RECORD_PREFIX_BYTES + 3] ^= 0xff; // inside the second body
    const strict: string[] = [];
    const stopped = scanRecords(bytes, (body) => strict.push(body.toString()));
    assert.deepEqual(strict, ['first record']);
    assert.equal(stopped.tornBytes, bytes.length - RECORD_PREFIX_BYTES - 12);
    const lenient: string[] = [];
    const skipped = scanRecords(bytes, (body) => lenient.push(body.toString()), { skipCorrupt: true, minRecordBytes: 1 });
    assert.deepEqual(lenient, ['first record', 'third record']);
    assert.deepEqual([skipped.corruptRecords, skipped.corruptBytes, skipped.tornBytes], [1, RECORD_PREFIX_BYTES + 13, 0]);
  });

  it('finds the next good record when a length is corrupt', () => {
    const { file, bytes } = threeRecords();
    bytes.writeUInt32LE(0x7fffffff, RECORD_PREFIX_BYTES + 12); // the second record's length
    fs.writeFileSync(file, bytes);
    assert.deepEqual(bodies(file, { skipCorrupt: true, minRecordBytes: 1 }), ['first record', 'third record']);
  });
});
