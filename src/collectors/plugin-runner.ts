/**
 * One plugin's life: run it, wire its stdout to a parser and its stderr to the log, and after each
 * run restart or disable it by netdata's rules (restart-policy.ts). A parser stop (DISABLE, a
 * protocol error, a limit) disables the plugin for good.
 */
import type { Host } from '../database/index.js';
import type { Parser, ParserLimits, ParserOptions, ParserStats, ParserStop } from '../protocol/index.js';
import { error, info, log, LogThrottle } from '../log.js';
import type { DiscoveredPlugin } from './discovery.js';
import { PluginProcess, type ProcessExit } from './plugin-process.js';
import { FunctionCalls, FUNCTION_STATUS, functionError, type FunctionCallLimits, type FunctionResult } from './function-calls.js';
import { decideRestart } from './restart-policy.js';

/** Running now, waiting to restart, or disabled for good. */
export type PluginState = 'running' | 'restarting' | 'disabled';

/** A function a plugin registered with `FUNCTION` (1.37); kept per plugin. */
export interface PluginFunction {
  name: string;
  timeoutSecs: number;
  help: string;
  global: boolean;
  /** The chart it was last registered with (null when GLOBAL). */
  chartId: string | null;
  /** Every chart it was registered with: 1.37 lists it with each and streams it with each. */
  chartIds: readonly string[];
  /** Whether the plugin that registered it is running (only then can it be called). */
  running: boolean;
  /**
   * Calls it: `text` is the name with its arguments (sanitized by the caller), the timeout in
   * seconds. Never rejects; a failure is an error result in netdata's shape.
   */
  call(text: string, timeoutSecs: number): Promise<FunctionResult>;
}

/** A registration as the parser gives it. */
type Registration = Omit<PluginFunction, 'running' | 'call'>;

/** netdata's answer when the plugin of a function is not running. */
const NOT_RUNNING = 'The collector that registered this function, is not currently running.';

/** What `Pluginsd.plugins()` reports for one plugin. */
export interface PluginStatus {
  name: string;
  path: string;
  /** The running process, null between runs and once disabled. */
  pid: number | null;
  state: PluginState;
  updateEverySecs: number;
  /** END commands processed over all runs (netdata's successful collections). */
  iterations: number;
  linesParsed: number;
  serialFailures: number;
  /** How the last run ended; null before the first ended. */
  lastExit: ProcessExit | null;
  functions: PluginFunction[];
}

/** What a PluginRunner needs from plugins.d; the same for every run. */
export interface PluginRunnerDeps {
  host: Host;
  createParser: (options: ParserOptions) => Parser;
  env: Record<string, string>;
  cwd?: string;
  updateEverySecs: number;
  commandOptions: string;
  limits?: Partial<ParserLimits>;
  /** Limits on FUNCTION calls and their results (defaults: function-calls.ts). */
  functionLimits?: Partial<FunctionCallLimits>;
  killGraceMs?: number;
  /** netdata's errors flood protection for the plugin's stderr. */
  stderrLinesPerPeriod: number;
  stderrPeriodMs: number;
}

function emptyStats(): ParserStats {
  return { bytes: 0, lines: 0, values: 0, iterations: 0 };
}

function addStats(into: ParserStats, from: Readonly<ParserStats>): void {
  into.bytes += from.bytes;
  into.lines += from.lines;
  into.values += from.values;
  into.iterations += from.iterations;
}

/** Runs one plugin until it is disabled or `stop()` is called. */
export class PluginRunner {
  #state: PluginState = 'restarting';
  #process: PluginProcess | null = null;
  #parser: Parser | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  /** The current run sent a function result that never ended: it is disabled as by its parser. */
  #runaway = false;
  #running: Promise<void> = Promise.resolve();
  #serialFailures = 0;
  #lastExit: ProcessExit | null = null;
  readonly #finished = emptyStats();
  readonly #functions = new Map<string, Registration>();
  /** The calls of the current run; null between runs. */
  #calls: FunctionCalls | null = null;
  readonly #stderrLog: LogThrottle;

  constructor(readonly plugin: DiscoveredPlugin, readonly deps: PluginRunnerDeps) {
    this.#stderrLog = new LogThrottle(deps.stderrLinesPerPeriod, deps.stderrPeriodMs);
  }

  /** Starts the first run. */
  start(): void {
    this.#running = this.#run();
  }

  /** Kills the running process group (if any), cancels a pending restart, and waits. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    await this.#process?.terminate();
    await this.#running;
  }

  /** Running, waiting to restart, or disabled for good. */
  get state(): PluginState {
    return this.#state;
  }

  /** Totals over every run, the current one included. */
  stats(): ParserStats {
    const total = { ...this.#finished };
    if (this.#parser) addStats(total, this.#parser.stats);
    return total;
  }

  status(): PluginStatus {
    const stats = this.stats();
    return {
      name: this.plugin.name, path: this.plugin.path,
      pid: this.#process?.running ? this.#process.pid : null,
      state: this.#state, updateEverySecs: this.deps.updateEverySecs,
      iterations: stats.iterations, linesParsed: stats.lines,
      serialFailures: this.#serialFailures, lastExit: this.#lastExit,
      functions: [...this.#functions.values()].map((fn) => this.#callable(fn)),
    };
  }

  #callable(fn: Registration): PluginFunction {
    return {
      ...fn,
      running: this.#calls !== null,
      call: (text, timeoutSecs) => this.#calls === null
        ? Promise.resolve(functionError(FUNCTION_STATUS.backendFailed, NOT_RUNNING))
        : this.#calls.call(text, timeoutSecs),
    };
  }

  #createParser(calls: FunctionCalls): Parser {
    const name = this.plugin.name;
    return this.deps.createParser({
      functionResults: calls.sink,
      source: `plugin ${name}`, host: this.deps.host, trustedDurations: false,
      defaultUpdateEverySecs: this.deps.updateEverySecs, defaultPluginName: `${name}.plugin`,
      limits: this.deps.limits,
      onFunction: (fn) => this.#register(fn),
      onStop: (stop) => this.#onParserStop(stop),
    });
  }

  /** A FUNCTION line: the function, with every chart it came with so far (1.37's per-chart views). */
  #register(fn: Omit<Registration, 'chartIds'>): void {
    const before = this.#functions.get(fn.name)?.chartIds ?? [];
    const chartIds = fn.chartId === null || before.includes(fn.chartId) ? before : [...before, fn.chartId];
    this.#functions.set(fn.name, { ...fn, chartIds });
  }

  #spawn(parser: Parser): PluginProcess {
    const name = this.plugin.name;
    return new PluginProcess({
      path: this.plugin.path, updateEverySecs: this.deps.updateEverySecs,
      commandOptions: this.deps.commandOptions, env: this.deps.env, cwd: this.deps.cwd,
      killGraceMs: this.deps.killGraceMs,
      onStdout: (chunk) => parser.feed(chunk),
      onStderrLine: (line) => this.#stderrLog.log('INFO', `${name}: ${line}`),
    });
  }

  async #run(): Promise<void> {
    if (this.#stopping) return;
    let proc: PluginProcess | null = null;
    const calls = new FunctionCalls(`plugin ${this.plugin.name}`, {
      pendingBytes: () => proc?.stdinPendingBytes() ?? Infinity,
      write: (line, done) => proc ? proc.writeStdin(line, done) : done(new Error('not started')),
    }, this.deps.functionLimits, (message) => this.#onRunaway(message));
    const parser = this.#createParser(calls);
    proc = this.#spawn(parser);
    this.#calls = calls;
    this.#parser = parser;
    this.#process = proc;
    this.#state = 'running';
    info(`connected to '${this.plugin.path}' running on pid ${proc.pid}`);
    const exit = await proc.done;
    parser.end();
    this.#calls = null;
    calls.close(`The collector exited before answering (${this.plugin.name}.plugin, pid ${proc.pid}).`);
    this.#lastExit = exit;
    if (this.#stopping) return;
    this.#afterRun(parser, proc.pid, exit);
  }

  #afterRun(parser: Parser, pid: number, exit: ProcessExit): void {
    const iterations = parser.stats.iterations;
    const successfulCollections = this.#finished.iterations;
    addStats(this.#finished, parser.stats);
    this.#parser = null;
    error(`'${this.plugin.path}' (pid ${pid}) disconnected after ${iterations} successful data collections (ENDs).`);
    const decision = decideRestart({
      path: this.plugin.path, pid, exitCode: exit.exitCode, signal: exit.signal, iterations,
      successfulCollections, serialFailures: this.#serialFailures,
      updateEverySecs: this.deps.updateEverySecs, disabledByParser: parser.stopped !== null || this.#runaway,
    });
    this.#serialFailures = decision.serialFailures;
    log(decision.logLevel, decision.logMessage);
    if (decision.action === 'disable') {
      this.#state = 'disabled';
      return;
    }
    this.#state = 'restarting';
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#running = this.#run();
    }, decision.delaySecs * 1000);
  }

  /** A function result that never ends swallows all the plugin says: stopped as at any limit. */
  #onRunaway(message: string): void {
    this.#state = 'disabled';
    error(`${message} - disabling plugin '${this.plugin.path}', it will not be restarted.`);
    this.#runaway = true;
    void this.#process?.terminate();
  }

  #onParserStop(stop: ParserStop): void {
    this.#state = 'disabled';
    // DISABLE is the plugin's own choice; anything else is bad input from it.
    log(stop.kind === 'disabled' ? 'INFO' : 'ERROR',
      `${stop.message} - disabling plugin '${this.plugin.path}', it will not be restarted.`);
    void this.#process?.terminate();
  }
}
