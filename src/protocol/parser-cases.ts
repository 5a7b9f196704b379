/**
 * The parser's conformance cases (STYLE "One interface, one conformance suite"): each is what a
 * source sends, in the writes it sends it in, and what the parser must make of it whatever
 * carries the bytes. `parser-transport.test.ts` runs every case fed in-process, through a real
 * plugin's stdout pipe and through a real TCP socket, against the same expectations.
 */
import assert from 'node:assert/strict';
import type { Chart, Host } from '../database/index.js';
import { createParser } from './parser.js';
import { recordingReceiver, SEC_US, START_US, testHost, type ReplicationCall } from './test-harness.js';
import type { Parser, ParserLimits, ParserStats, ParserStop } from './types.js';

/** Names the source in every message, whichever transport carries it. */
export const CASE_SOURCE = 'conformance';

/** What one case's parser made of its bytes. */
export interface Outcome {
  host: Host;
  stops: ParserStop[];
  /** onDataBlock's blocks, as text. */
  blocks: string[];
  functions: { name: string; timeoutSecs: number; help: string; global: boolean }[];
  claimedIds: [string, string | null][];
  replication: ReplicationCall[];
  /** The parser's WARN lines, without the log's timestamp and level. */
  warnings: string[];
  stats: ParserStats;
}

/** One case: its bytes as written, how its parser is set up, and what must come out. */
export interface ParserCase {
  /** What the parser does, as a sentence (the test's name). */
  name: string;
  /** The source's writes, in order. */
  writes: readonly string[];
  /** Pause between writes for the pipe and the socket (default 20 ms). */
  pauseMs?: number;
  /** A stream link that negotiated replication: the parser gets a recording receiver. */
  replication?: boolean;
  limits?: Partial<ParserLimits>;
  check(outcome: Outcome): void;
}

/** A case's parser on a fresh host, fed by a transport and then ended. */
export interface CaseRun {
  parser: Parser;
  /** The source closed: ends the parser and returns what it made (warnings filled by the caller). */
  finish(): Outcome;
}

/**
 * Starts a case's parser. Its clock moves half a second at each read (BEGIN and END read it),
 * so what is stored depends on the lines alone, never on when the chunks arrived.
 */
export function startCase(c: ParserCase): CaseRun {
  const host = testHost();
  const recording = recordingReceiver();
  const outcome: Outcome = {
    host, stops: [], blocks: [], functions: [], claimedIds: [], replication: recording.calls, warnings: [],
    stats: { bytes: 0, lines: 0, values: 0, iterations: 0 },
  };
  let nowUs = START_US;
  const parser = createParser({
    source: CASE_SOURCE,
    host,
    trustedDurations: false,
    defaultUpdateEverySecs: 1,
    defaultPluginName: 'conformance.plugin',
    nowUs: () => (nowUs += SEC_US / 2),
    limits: c.limits,
    onStop: (stop) => outcome.stops.push(stop),
    onDataBlock: (block) => outcome.blocks.push(block.toString('utf8')),
    onFunction: (fn) => outcome.functions.push(fn),
    onClaimedId: (guid, claimId) => outcome.claimedIds.push([guid, claimId]),
    replication: c.replication ? recording.receiver : undefined,
  });
  return {
    parser,
    finish() {
      parser.end();
      outcome.stats = { ...parser.stats };
      return outcome;
    },
  };
}

function chart(outcome: Outcome, id: string): Chart {
  const found = outcome.host.charts.get(id);
  assert.ok(found, `chart ${id} exists`);
  return found;
}

/** The newest `count` stored values of a chart's dimension, oldest first. */
function lastStored(c: Chart, dimensionId: string, count: number): number[] {
  const index = c.dimension(dimensionId)!.index;
  const last = c.lastEntryS();
  return Array.from({ length: count }, (_, i) => c.valueAt(index, last - count + 1 + i));
}

function noStops(outcome: Outcome): void {
  assert.deepEqual(outcome.stops, []);
}

const BASE_CHART_OPTIONS = { obsolete: false, detail: false, hidden: false, storeFirst: false };
const BASE_DIMENSION_OPTIONS = { hidden: false, noReset: false, obsolete: false };
const TWO_62 = 2n ** 62n;

/** Every byte of `text` a write of its own. */
function byteByByte(text: string): string[] {
  return [...Buffer.from(text)].map((byte) => String.fromCharCode(byte));
}

const SPLIT_TEXT = 'CHART a.b\nDIMENSION x\nBEGIN a.b\nSET "x" = 42\nEND\n';

/** A chart of four dimensions, one id escaped and one with a space, asking for replication. */
const REPLAY_DEFINITIONS = 'CHART a.b\nDIMENSION x\nDIMENSION y\nDIMENSION "a\\"b"\nDIMENSION \'z z\'\n' +
  'CHART_DEFINITION_END 1672531100 1672531200 1672531201\n';

/** The case table: a selection covering reference §1.3, §1.4 and §2.8. */
export const PARSER_CASES: readonly ParserCase[] = [
  {
    name: 'splits words at spaces, tabs and "=", keeps separators inside quotes and every backslash (§1.3)',
    writes: [
      'CHART "app.quirks" \'a name\' "a title = with spaces"\tu=f ctx\n',
      'DIMENSION it\'s\nDIMENSION "a\\"b" \'b = c\'\nDIMENSION plain\n',
      'BEGIN app.quirks\nSET it\'s=3\nSET "a\\"b" = 4\nSET plain==5\nEND\n',
      'VARIABLE HOST "v"2\n',
    ],
    check(outcome) {
      noStops(outcome);
      const d = chart(outcome, 'app.quirks').definition;
      assert.deepEqual([d.name, d.title, d.units, d.family, d.context], ['a name', 'a title = with spaces', 'u', 'f', 'ctx']);
      const dimensions = chart(outcome, 'app.quirks').dimensions;
      assert.deepEqual(dimensions.map((x) => [x.definition.id, x.definition.name, x.lastCollectedValue]),
        [["it's", "it's", 3], ['a\\"b', 'b = c', 4], ['plain', 'plain', 5]]);
      // a closing quote ends a word: "v"2 is the two words v and 2
      assert.deepEqual([...outcome.host.variables], [['v', 2]]);
    },
  },
  {
    name: 'gives CHART and DIMENSION netdata\'s defaults for missing and empty words (§1.4)',
    writes: ['CHART app.d\nDIMENSION x\n', 'CHART app.e "" "" "" "" "" "" "" "" "" "" ""\nDIMENSION y "" "" "" "" ""\n'],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual(chart(outcome, 'app.d').definition, {
        id: 'app.d', type: 'app', name: null, title: '', units: 'unknown', family: 'd', context: 'app.d',
        chartType: 'line', priority: 1000, updateEverySecs: 1, options: BASE_CHART_OPTIONS,
        plugin: 'conformance.plugin', module: '',
      });
      assert.deepEqual(chart(outcome, 'app.e').definition, {
        id: 'app.e', type: 'app', name: null, title: '', units: '', family: 'e', context: 'app.e',
        chartType: 'line', priority: 1000, updateEverySecs: 1, options: BASE_CHART_OPTIONS,
        plugin: 'conformance.plugin', module: '',
      });
      const expected = { name: '', algorithm: 'absolute', multiplier: 1, divisor: 1, options: BASE_DIMENSION_OPTIONS };
      assert.deepEqual(chart(outcome, 'app.d').dimension('x')?.definition, { ...expected, id: 'x', name: 'x' });
      assert.deepEqual(chart(outcome, 'app.e').dimension('y')?.definition, { ...expected, id: 'y', name: 'y' });
    },
  },
  {
    name: 'takes BEGIN, SET and END cut anywhere: in a keyword, a number, before and after a newline',
    writes: [
      'CHART a.b\nDIMENSION x x absolute 1 1\nDIMEN',
      'SION c c incremental\nBE',
      `GIN a.b 0\nSET x = 10`,
      `0\nSET c = ${TWO_62}\nEND`,
      `\nBEGIN a.b ${SEC_US}\nSET x = 101\nSET c = ${TWO_62 + 7n}\n`,
      'END\nBEGIN a.b 1000000\nS',
      `ET x = 102\nSET c = ${TWO_62 + 14n}\nEND\n`,
    ],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual({ ...outcome.stats, bytes: 0 }, { bytes: 0, lines: 15, values: 6, iterations: 3 });
      const c = chart(outcome, 'a.b');
      // the first iteration of a new chart is a first collection: its slot stays empty
      assert.deepEqual(lastStored(c, 'x', 3), [NaN, 101, 102]);
      // past 2^53 the counter is read exactly (as doubles its deltas would be 0 or 1024)
      assert.deepEqual(lastStored(c, 'c', 1), [7]);
      assert.deepEqual(outcome.blocks, [
        `BEGIN a.b 0\nSET x = 100\nSET c = ${TWO_62}\nEND\n`,
        `BEGIN a.b ${SEC_US}\nSET x = 101\nSET c = ${TWO_62 + 7n}\nEND\n`,
        `BEGIN a.b 1000000\nSET x = 102\nSET c = ${TWO_62 + 14n}\nEND\n`,
      ]);
    },
  },
  {
    name: 'takes lines written one byte at a time',
    writes: byteByByte(SPLIT_TEXT),
    pauseMs: 2,
    check(outcome) {
      noStops(outcome);
      assert.deepEqual(outcome.stats, { bytes: SPLIT_TEXT.length, lines: 5, values: 1, iterations: 1 });
      assert.equal(chart(outcome, 'a.b').dimension('x')?.lastCollectedValue, 42);
      assert.deepEqual(outcome.blocks, ['BEGIN a.b\nSET "x" = 42\nEND\n']);
    },
  },
  {
    name: 'sets VARIABLEs by scope word or by context, and warns of empty values and leftovers',
    writes: [
      'VARIABLE HOST a = 1.5\nVARIABLE b = 2\nCHART x.y\nVARIABLE c = 3\nVARIABLE LOCAL d = 4\nVARIABLE GLOBAL e = 5\n',
      'VARIABLE HOST f = ""\nVARIABLE HOST g = 12abc\n',
    ],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual([...outcome.host.variables], [['a', 1.5], ['b', 2], ['e', 5], ['g', 12]]);
      assert.deepEqual([...chart(outcome, 'x.y').variables], [['c', 3], ['d', 4]]);
      assert.deepEqual(outcome.warnings, [
        'conformance: line 7: HOST VARIABLE "f" has an empty value; ignored while parsing: "VARIABLE HOST f = \\"\\""',
        'conformance: line 8: the value "12abc" of VARIABLE "g" has leftovers "abc" while parsing: "VARIABLE HOST g = 12abc"',
      ]);
    },
  },
  {
    name: 'replaces the host labels with the LABELs sent since the last OVERWRITE',
    writes: ['LABEL old 1 o\nOVERWRITE\n', 'LABEL "k" = 1 "v"\nLABEL multi 2 a b  c\nOVERWRITE labels\nLABEL pending 1 p\n'],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual([...outcome.host.labels], [['k', { value: 'v', source: 1 }], ['multi', { value: 'a b c', source: 2 }]]);
    },
  },
  {
    name: 'sets chart labels with CLABEL and removes on CLABEL_COMMIT those not re-sent',
    writes: ['CHART a.b\nCLABEL one 1 1\nCLABEL two 2 2\nCLABEL_COMMIT\n', 'CHART a.b\nCLABEL "two" "x y" 4\nCLABEL_COMMIT\n'],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual([...chart(outcome, 'a.b').labels], [['two', { value: 'x y', source: 4 }]]);
    },
  },
  {
    name: 'reports FUNCTION registrations, global outside a chart, a timeout of 0 as 10 s',
    writes: ['FUNCTION GLOBAL "processes" 30 "Detailed information"\nCHART a.b\n', 'FUNCTION "f" 0 "some help"\n'],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual(outcome.functions, [
        { name: 'processes', timeoutSecs: 30, help: 'Detailed information', global: true, chartId: null },
        { name: 'f', timeoutSecs: 10, help: 'some help', global: false, chartId: 'a.b' },
      ]);
    },
  },
  {
    name: 'stops the source at an unknown keyword and takes nothing after it',
    writes: ['CHART a.b\nDIMENSION x\n', 'BOGUS 1\nCHART a.c\n', 'CHART a.d\n'],
    check(outcome) {
      assert.deepEqual(outcome.stops, [{
        kind: 'error', lineNumber: 3, message: 'conformance: line 3: unknown keyword "BOGUS" while parsing: "BOGUS 1"',
      }]);
      assert.deepEqual([...outcome.host.charts.keys()], ['a.b']);
    },
  },
  {
    name: 'stops with a limit at a line longer than maxLineBytes, keeping what came before',
    limits: { maxLineBytes: 32 },
    writes: ['CHART a.b\nCHART a.', `${'0123456789'.repeat(4)}\n`, 'CHART a.c\n'],
    check(outcome) {
      assert.deepEqual(outcome.stops, [{
        kind: 'limit', lineNumber: 2,
        message: 'conformance: line 2: line longer than the limit of 32 bytes while parsing: "CHART a.0123456789012345678901234"',
      }]);
      assert.deepEqual([...outcome.host.charts.keys()], ['a.b']);
    },
  },
  {
    name: 'drops a partial last line when the source closes, with a warning naming it',
    writes: ['CHART a.b\nCHART a', '.c'],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual([...outcome.host.charts.keys()], ['a.b']);
      assert.deepEqual(outcome.warnings, [
        'conformance: line 2: the source closed in the middle of a line (9 bytes); the partial line is dropped while parsing: "CHART a.c"',
      ]);
    },
  },
  {
    name: 'hands the replication commands, resolved to their chart and dimension, to the link\'s receiver (§2.8)',
    replication: true,
    writes: [
      'CLAIMED_ID 11111111-2222-3333-4444-555555555555 NULL\n',
      'CHART a.b\nDIMENSION x\nDIMENSION y\nCHART_DEFINITION_END 1672531100 1672531200 1672531201\n',
      'RBEGIN "a.b"\nRBEGIN \'\' 1672531199 1672531200 1672531201\nRSET "x" 1.5 ""\nRSET y NAN "E"\n',
      'RDSTATE x 1672531200000000 42 0.5 1.5\nRDSTATE "y" 1672531200000000 9007199254740993 0 NAN\n',
      'RSSTATE 1672531200000000 1672531200000000\nREND 1 1672531100 1672531200 true 1672531199 1672531200 1672531201\n',
    ],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual(outcome.claimedIds, [['11111111-2222-3333-4444-555555555555', null]]);
      assert.deepEqual(outcome.replication, [
        ['definitionEnd', 'a.b', 1672531100, 1672531200, 1672531201],
        ['begin', 'a.b', null],
        ['begin', 'a.b', { startS: 1672531199, endS: 1672531200, childNowS: 1672531201 }],
        ['set', 'a.b', 'x', 1.5, ''],
        ['set', 'a.b', 'y', NaN, 'E'],
        ['dimensionState', 'a.b', 'x', 1672531200000000, 42, 0.5, 1.5],
        ['dimensionState', 'a.b', 'y', 1672531200000000, 9007199254740993n, 0, NaN],
        ['chartState', 'a.b', 1672531200000000, 1672531200000000],
        ['end', 'a.b', {
          updateEverySecs: 1, firstS: 1672531100, lastS: 1672531200, startStreaming: true,
          afterS: 1672531199, beforeS: 1672531200, childNowS: 1672531201,
        }],
      ]);
    },
  },
  {
    name: 'reads RSET values and ids as the word path does, in and out of definition order, quoted or not (§1.3, §2.8)',
    replication: true,
    writes: [
      `${REPLAY_DEFINITIONS}RBEGIN "a.b"\nRBEGIN '' 1672531198 1672531199 1672531201\n`,
      'RSET "x" 500.0000000 ""\nRSET "y" -0.5000000 ""\nRSET "a\\"b" 7.8125000 "R"\nRSET "z z" 1.5e3 ""\n',
      'RBEGIN "" 1672531199 1672531200\nRSET "y" NAN "E"\nRSET x NAN ""\nRSET \'z z\' -0.0000000\nRSET "x" 2 "E"\n',
      'RSET "y" = 12abc\nRSET "a\\"b" 1e400 ""\nRSET "x" .5 "E R"\nRSET "y" +0.1000000 E\n',
    ],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual(outcome.replication.slice(1), [
        ['begin', 'a.b', null],
        ['begin', 'a.b', { startS: 1672531198, endS: 1672531199, childNowS: 1672531201 }],
        ['set', 'a.b', 'x', 500, ''],
        ['set', 'a.b', 'y', -0.5, ''],
        ['set', 'a.b', 'a\\"b', 7.8125, 'R'],
        ['set', 'a.b', 'z z', 1500, ''],
        ['begin', 'a.b', { startS: 1672531199, endS: 1672531200, childNowS: 0 }],
        ['set', 'a.b', 'y', NaN, 'E'],
        ['set', 'a.b', 'x', NaN, ''],
        ['set', 'a.b', 'z z', -0, ''],
        ['set', 'a.b', 'x', NaN, 'E'],
        // strtod's leftovers are dropped; past the double range is NaN, as an empty point
        ['set', 'a.b', 'y', 12, ''],
        ['set', 'a.b', 'a\\"b', NaN, ''],
        ['set', 'a.b', 'x', NaN, 'E R'],
        ['set', 'a.b', 'y', NaN, 'E'],
      ]);
    },
  },
  {
    name: 'takes RBEGIN and RSET cut anywhere: in the keyword, the id, the times, the value and the flags',
    replication: true,
    writes: [
      REPLAY_DEFINITIONS,
      'RBEGIN "a.b"\nRBEG', "IN '' 16725311", '99 1672531200 1672531201\nR', 'SET "', 'x', '" 12', '.2', '5 "', '"\nRSET "y" -3.',
      '5 "E', '"\nRSET "a\\', '"b" 4 "', 'R"\n',
    ],
    check(outcome) {
      noStops(outcome);
      assert.deepEqual(outcome.replication.slice(2), [
        ['begin', 'a.b', { startS: 1672531199, endS: 1672531200, childNowS: 1672531201 }],
        ['set', 'a.b', 'x', 12.25, ''],
        ['set', 'a.b', 'y', NaN, 'E'],
        ['set', 'a.b', 'a\\"b', 4, 'R'],
      ]);
    },
  },
  {
    name: 'ends an RSET at its newline: a trailing space is fine, a value on the next line is that line\'s',
    replication: true,
    writes: [`${REPLAY_DEFINITIONS}RBEGIN "a.b"\nRBEGIN '' 1672531199 1672531200 1672531201\nRSET "x" 1 "" \nRSET "y"\n2 ""\n`],
    check(outcome) {
      assert.deepEqual(outcome.replication.slice(2), [
        ['begin', 'a.b', { startS: 1672531199, endS: 1672531200, childNowS: 1672531201 }],
        ['set', 'a.b', 'x', 1, ''],
        ['set', 'a.b', 'y', NaN, ''],
      ]);
      assert.deepEqual(outcome.stops, [{
        kind: 'error', lineNumber: 11, message: 'conformance: line 11: unknown keyword "2" while parsing: "2 \\"\\""',
      }]);
    },
  },
  {
    name: 'stops at an RSET of a dimension the chart does not have, naming it',
    replication: true,
    writes: [`${REPLAY_DEFINITIONS}RBEGIN "a.b"\nRBEGIN '' 1672531199 1672531200 1672531201\nRSET "x" 1 ""\n`, 'RSET "w" 1 ""\nRSET "y" 2 ""\n'],
    check(outcome) {
      assert.deepEqual(outcome.stops, [{
        kind: 'error', lineNumber: 10,
        message: 'conformance: line 10: RSET of dimension "w", which does not exist in chart "a.b" while parsing: "RSET \\"w\\" 1 \\"\\""',
      }]);
      assert.deepEqual(outcome.replication.at(-1), ['set', 'a.b', 'x', 1, '']);
    },
  },
  {
    name: 'ignores CHART_DEFINITION_END and stops at RBEGIN where replication was not negotiated',
    writes: ['CHART a.b\nDIMENSION x\nCHART_DEFINITION_END 1 2 3\n', 'RBEGIN "a.b"\nRSET x 1 ""\n'],
    check(outcome) {
      assert.deepEqual(outcome.stops, [{
        kind: 'error', lineNumber: 4,
        message: 'conformance: line 4: RBEGIN is a replication command, and replication was not negotiated on this link ' +
          'while parsing: "RBEGIN \\"a.b\\""',
      }]);
      assert.deepEqual(outcome.replication, []);
    },
  },
];
