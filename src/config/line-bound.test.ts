import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogSink } from '../log.js';
import { readNetdataConfig } from './index.js';
import { CONFIG_LINE_MAX_BYTES, cutToUtf8Bytes } from './values.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Reads `text` as netdata.conf; returns the config and the lines logged meanwhile. */
function read(text: string): { hostname: string; logged: string[]; file: string } {
  const file = join(dir, 'netdata.conf');
  writeFileSync(file, text);
  const logged: string[] = [];
  const previous = setLogSink((line) => logged.push(line));
  try {
    const { config, errors } = readNetdataConfig(file);
    assert.deepEqual(errors, []);
    return { hostname: config.global.hostname, logged, file };
  } finally {
    setLogSink(previous);
  }
}

describe('config values are bounded by the line netdata reads', () => {
  it('cuts a 10 MB hostname where netdata 1.37 does (8191 bytes of line) and says so with file and line', () => {
    const { hostname, logged, file } = read(`[global]\n\thistory = 3600\nhostname = ${'h'.repeat(10 * 1024 * 1024)}\n`);
    assert.equal(hostname, 'h'.repeat(CONFIG_LINE_MAX_BYTES - 'hostname = '.length));
    assert.equal(logged.length, 1);
    assert.match(logged[0], new RegExp(`WARN : ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: \\[global\\] hostname: the line is longer than the 8191 bytes netdata reads \\(10485760 bytes of value\\); keeping the first 8180 bytes`));
  });

  it('keeps a value that fits whole and logs nothing', () => {
    const long = 'x'.repeat(CONFIG_LINE_MAX_BYTES - 'hostname = '.length);
    const { hostname, logged } = read(`[global]\n\thostname = ${long}\n`);
    assert.equal(hostname, long);
    assert.deepEqual(logged, []);
  });

  it('never cuts inside a UTF-8 character', () => {
    const cut = cutToUtf8Bytes('é'.repeat(5000), 8181);
    assert.equal(cut, 'é'.repeat(4090));
    assert.equal(Buffer.byteLength(cut), 8180);
    assert.equal(cutToUtf8Bytes('ab€', 4), 'ab');
    assert.equal(cutToUtf8Bytes('ab€', 5), 'ab€');
  });
});
