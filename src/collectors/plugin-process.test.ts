import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedLineSplitter } from '../protocol/index.js';
import { pluginCommand } from './plugin-process.js';

describe('BoundedLineSplitter', () => {
  it('splits lines across chunks, cuts long lines and keeps memory to the limit', () => {
    const lines: string[] = [];
    const split = new BoundedLineSplitter(8, (l) => lines.push(l));
    split.push(Buffer.from('one\ntw'));
    split.push(Buffer.from('o\r\n0123456789abcdef'));
    split.push(Buffer.from('ghij\nlast'));
    split.end();
    assert.deepEqual(lines, ['one', 'two', '01234567...', 'last']);
  });
});

describe('pluginCommand', () => {
  it('is netdata\'s exec line: path, update every, then the command options', () => {
    assert.equal(pluginCommand('/p/apps.plugin', 2, ''), 'exec /p/apps.plugin 2');
    assert.equal(pluginCommand('/p/go.d.plugin', 1, '-d -m x'), 'exec /p/go.d.plugin 1 -d -m x');
  });
});
