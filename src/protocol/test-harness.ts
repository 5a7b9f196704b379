/**
 * A parser on a real ram database, for the protocol tests: a fixed clock the test moves, and
 * every stop, data block, FUNCTION, CLAIMED_ID and replication command recorded.
 */
import { createHostRegistry, type Chart, type Dimension, type Host } from '../database/index.js';
import { createParser } from './parser.js';
import type { Parser, ParserLimits, ParserStop, ReplayEnd, ReplicationReceiver } from './types.js';

/** 2023-01-01 00:00:00 UTC in microseconds: slot times are whole seconds from here. */
export const START_US = 1_672_531_200_000_000;
/** One second in microseconds. */
export const SEC_US = 1_000_000;

/** One call a {@link recordingReceiver} got: the method, the chart's id, then its arguments (a dimension by id). */
export type ReplicationCall = readonly unknown[];

/**
 * A `ReplicationReceiver` that records its calls. `then` runs after each call is recorded, for
 * tests that pass a call on to the database.
 */
export function recordingReceiver(then: Partial<ReplicationReceiver> = {}): { receiver: ReplicationReceiver; calls: ReplicationCall[] } {
  const calls: ReplicationCall[] = [];
  const receiver: ReplicationReceiver = {
    definitionEnd(chart: Chart, firstS: number, lastS: number, childNowS: number) {
      calls.push(['definitionEnd', chart.id, firstS, lastS, childNowS]);
      then.definitionEnd?.(chart, firstS, lastS, childNowS);
    },
    begin(chart: Chart, times: { startS: number; endS: number; childNowS: number } | null) {
      calls.push(['begin', chart.id, times]);
      then.begin?.(chart, times);
    },
    set(chart: Chart, dimension: Dimension, value: number, flags: string) {
      calls.push(['set', chart.id, dimension.definition.id, value, flags]);
      then.set?.(chart, dimension, value, flags);
    },
    dimensionState(chart: Chart, dimension: Dimension, lastCollectedUs: number, lastCollectedValue: number | bigint,
      lastCalculated: number, lastStored: number) {
      calls.push(['dimensionState', chart.id, dimension.definition.id, lastCollectedUs, lastCollectedValue, lastCalculated, lastStored]);
      then.dimensionState?.(chart, dimension, lastCollectedUs, lastCollectedValue, lastCalculated, lastStored);
    },
    chartState(chart: Chart, lastCollectedUs: number, lastUpdatedUs: number) {
      calls.push(['chartState', chart.id, lastCollectedUs, lastUpdatedUs]);
      then.chartState?.(chart, lastCollectedUs, lastUpdatedUs);
    },
    end(chart: Chart, end: ReplayEnd) {
      calls.push(['end', chart.id, end]);
      then.end?.(chart, end);
    },
  };
  return { receiver, calls };
}

/** A parser, its host and what it reported, for one test. */
export interface Harness {
  host: Host;
  parser: Parser;
  stops: ParserStop[];
  blocks: string[];
  functions: { name: string; timeoutSecs: number; help: string; global: boolean }[];
  claimedIds: [string, string | null][];
  /** The replication receiver's calls (none when the harness has no receiver). */
  replication: ReplicationCall[];
  /** Wall clock the parser reads (µs); tests move it. */
  clock: { nowUs: number };
  feed(text: string): void;
}

/** How a test's parser is set up; every field has a default. */
export interface HarnessOptions {
  trustedDurations?: boolean;
  limits?: Partial<ParserLimits>;
  dataBlocks?: boolean;
  historyEntries?: number;
  /** Names the source in messages (default `plugin test`). */
  source?: string;
  /** Give the parser a recording replication receiver (a stream link that negotiated it). */
  replication?: boolean | Partial<ReplicationReceiver>;
  /** The most charts and dimensions of the host's registry (default: the agent's). */
  capacity?: { maxCharts?: number; maxDimensions?: number };
}

/** A fresh ram host (history 120 unless given) named `parser-test`. */
export function testHost(historyEntries = 120, capacity: HarnessOptions['capacity'] = {}): Host {
  const registry = createHostRegistry(
    { hostname: 'parser-test', machineGuid: '11111111-2222-3333-4444-555555555555' },
    { memoryMode: 'ram', historyEntries, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: () => START_US / SEC_US, ...capacity },
  );
  return registry.localhost;
}

/** A parser on a fresh ram host (history 120 unless given), clock at {@link START_US}. */
export function harness(options: HarnessOptions = {}): Harness {
  const host = testHost(options.historyEntries, options.capacity);
  const stops: ParserStop[] = [];
  const blocks: string[] = [];
  const functions: Harness['functions'] = [];
  const claimedIds: Harness['claimedIds'] = [];
  const clock = { nowUs: START_US };
  const recording = options.replication
    ? recordingReceiver(options.replication === true ? {} : options.replication)
    : { receiver: undefined, calls: [] };
  const parser = createParser({
    source: options.source ?? 'plugin test',
    host,
    trustedDurations: options.trustedDurations ?? false,
    defaultUpdateEverySecs: 1,
    defaultPluginName: 'test.plugin',
    nowUs: () => clock.nowUs,
    limits: options.limits,
    onStop: (stop) => stops.push(stop),
    onDataBlock: options.dataBlocks ? (block) => blocks.push(block.toString('utf8')) : undefined,
    onFunction: (fn) => functions.push(fn),
    onClaimedId: (guid, claimId) => claimedIds.push([guid, claimId]),
    replication: recording.receiver,
  });
  return {
    host, parser, stops, blocks, functions, claimedIds, replication: recording.calls, clock,
    feed: (text) => parser.feed(Buffer.from(text)),
  };
}
