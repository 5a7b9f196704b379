/**
 * A parser on a real ram database, for the protocol tests: a fixed clock the test moves, and
 * every stop, data block and FUNCTION recorded.
 */
import { createHostRegistry } from '../database/index.js';
import type { Host } from '../database/types.js';
import { createParser } from './parser.js';
import type { Parser, ParserLimits, ParserStop } from './types.js';

/** 2023-01-01 00:00:00 UTC in microseconds: slot times are whole seconds from here. */
export const START_US = 1_672_531_200_000_000;
/** One second in microseconds. */
export const SEC_US = 1_000_000;

/** A parser, its host and what it reported, for one test. */
export interface Harness {
  host: Host;
  parser: Parser;
  stops: ParserStop[];
  blocks: string[];
  functions: { name: string; timeoutSecs: number; help: string; global: boolean }[];
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
}

/** A parser on a fresh ram host (history 120 unless given), clock at {@link START_US}. */
export function harness(options: HarnessOptions = {}): Harness {
  const registry = createHostRegistry(
    { hostname: 'parser-test', machineGuid: '11111111-2222-3333-4444-555555555555' },
    { memoryMode: 'ram', historyEntries: options.historyEntries ?? 120, updateEverySecs: 1, gapWhenLostIterationsAbove: 1 },
    { nowS: () => START_US / SEC_US },
  );
  const host = registry.localhost;
  const stops: ParserStop[] = [];
  const blocks: string[] = [];
  const functions: Harness['functions'] = [];
  const clock = { nowUs: START_US };
  const parser = createParser({
    source: 'plugin test',
    host,
    trustedDurations: options.trustedDurations ?? false,
    defaultUpdateEverySecs: 1,
    defaultPluginName: 'test.plugin',
    nowUs: () => clock.nowUs,
    limits: options.limits,
    onStop: (stop) => stops.push(stop),
    onDataBlock: options.dataBlocks ? (block) => blocks.push(block.toString('utf8')) : undefined,
    onFunction: (fn) => functions.push(fn),
  });
  return { host, parser, stops, blocks, functions, clock, feed: (text) => parser.feed(Buffer.from(text)) };
}
