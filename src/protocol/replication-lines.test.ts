/**
 * The parser reads RBEGIN and RSET on their bytes; the word path (`replayBeginCommand`,
 * `replaySetCommand` on the tokenizer's words) is the reference. Generated lines, mostly as
 * 1.37 sends them and the rest bent every way the tokenizer allows (quotes, backslashes, `=`,
 * tabs, leftovers, exponents, NAN, missing words, unknown dimensions), go through the parser in
 * chunks cut at random and through the word path line by line: the receiver must get the same
 * calls and the link the same stop.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Chart } from '../database/index.js';
import type { CommandContext } from './commands.js';
import { ProtocolError } from './errors.js';
import { replayBeginCommand, replaySetCommand } from './replication-commands.js';
import { harness, recordingReceiver } from './test-harness.js';
import { SourceLimits } from './source-limits.js';
import { tokenize } from './tokenizer.js';
import { DEFAULT_PARSER_LIMITS, type ParserOptions } from './types.js';

const DEFINITIONS = 'CHART a.b\nDIMENSION x\nDIMENSION y\nDIMENSION \'a"b\'\nDIMENSION "a\\"b"\nDIMENSION é\n' +
  'DIMENSION "z z"\nDIMENSION x\\\nCHART c.d\nDIMENSION x\nRBEGIN "a.b"\n';
const DIMENSIONS = ['x', 'y', 'a"b', 'a\\"b', 'é', 'z z', 'x\\'];
const VALUES = ['500.0000000', '-0.5000000', '7.8125000', '0', '-0.0000000', '1e3', '-1.5E-2', 'NAN', 'nan', 'inf', '',
  '12abc', '.5', '5.', '-', '+3', '99999999999999999999.5', '0.000000000000000000000001', '1.2.3', '"5"', "'6'",
  '5"E"', '3\\ 4', '0x10'];
const FLAGS = ['""', '""', '"E"', '"R"', '"ER"', 'E', '"', '"E', "'E'", '""x', '"E" extra', '', '"\\E"'];
const SEPARATORS = [' ', ' ', ' ', '  ', '\t', '=', ' = '];
const TIMES = ['1672531199', '1672531200', '1672531201', '0', '-5', '12x', '"1672531200"', '', '007'];

/** mulberry32: the same lines on every run. */
function generator(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

function lines(random: (n: number) => number): string[] {
  const pick = <T>(items: readonly T[]): T => items[random(items.length)];
  const lead = (): string => (random(8) ? '' : pick(SEPARATORS));
  const out: string[] = [];
  for (let n = 1 + random(12); n > 0; n--) {
    if (random(4) === 0) {
      const id = random(4) ? "''" : pick(['""', "'' ", '"a.b"', '"c.d"', "'", "''x"]);
      let line = `${lead()}RBEGIN${pick(SEPARATORS)}${id}`;
      const times = random(4) ? 3 : random(5);
      for (let i = 0; i < times; i++) line += `${pick(SEPARATORS)}${random(4) ? TIMES[i % 3] : pick(TIMES)}`;
      out.push(line);
      continue;
    }
    const id = random(10) < 7 ? pick(['x', 'y']) : random(20) ? pick(DIMENSIONS) : pick(['nope', '']);
    const quoted = random(3) ? `"${id}"` : pick([id, `'${id}'`, `"${id}`, '""', `"${id}"x`]);
    let line = `${lead()}RSET${pick(SEPARATORS)}${quoted}`;
    const words = random(10);
    if (words > 0) line += `${pick(SEPARATORS)}${pick(VALUES)}`;
    if (words > 2) line += `${pick(SEPARATORS)}${pick(FLAGS)}`;
    if (random(8) === 0) line += pick(SEPARATORS);
    out.push(line);
  }
  return out;
}

/** The word path, line by line, until a line breaks the protocol: its calls and that problem. */
function wordPath(options: Readonly<ParserOptions>, chart: Chart, text: readonly string[]):
  { calls: unknown[]; problem: string | null } {
  const recording = recordingReceiver();
  const context: CommandContext = {
    options: { ...options, replication: recording.receiver }, limits: new SourceLimits(DEFAULT_PARSER_LIMITS, options.source, options.host), warn: () => {},
  };
  let current: Chart | null = chart;
  try {
    for (const line of text) {
      const words = tokenize(line);
      if (words[0] === 'RBEGIN') current = replayBeginCommand(words, current, context);
      else replaySetCommand(words, current, context);
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { calls: recording.calls, problem: err.message };
  }
  return { calls: recording.calls, problem: null };
}

describe('RBEGIN and RSET on their bytes', () => {
  it('give the receiver what the word path gives it, and stop where it stops, wherever the chunks are cut', () => {
    const random = generator(1);
    for (let sequence = 0; sequence < 3000; sequence++) {
      const h = harness({ replication: true });
      h.feed(DEFINITIONS);
      const before = h.replication.length;
      const text = lines(random);
      const bytes = Buffer.from(text.map((line) => `${line}\n`).join(''));
      for (let at = 0; at < bytes.length;) {
        const size = 1 + random(40);
        h.parser.feed(bytes.subarray(at, at + size));
        at += size;
      }
      const expected = wordPath({ source: 'words', host: h.host, trustedDurations: false, defaultUpdateEverySecs: 1,
        defaultPluginName: '' }, h.host.charts.get('a.b')!, text);
      const what = `the lines ${JSON.stringify(text)}`;
      assert.deepEqual(h.replication.slice(before), expected.calls, what);
      assert.equal(h.stops.length, expected.problem === null ? 0 : 1, what);
      if (expected.problem !== null) {
        assert.ok(h.stops[0].message.includes(`: ${expected.problem} while parsing: `), what);
      }
    }
  });
});
