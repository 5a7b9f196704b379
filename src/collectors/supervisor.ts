/**
 * plugins.d: finds the plugins (discovery.ts), runs one PluginRunner per plugin, rescans every
 * `[plugins] check for new plugins every` seconds for new ones, and stops them all.
 */
import { existsSync } from 'node:fs';
import type { NetdataConfig } from '../config/index.js';
import type { Host } from '../database/index.js';
import type { Parser, ParserLimits, ParserOptions, ParserStats } from '../protocol/index.js';
import { error, info } from '../log.js';
import { discoverPlugins, type DirectoryProblem } from './discovery.js';
import { pluginEnvironment } from './environment.js';
import { PluginRunner, type PluginStatus } from './plugin-runner.js';
import type { FunctionCallLimits } from './function-calls.js';

/** netdata's floor for `[plugins] check for new plugins every` (seconds). */
export const MIN_SCAN_EVERY_SECS = 1;

/** What plugins.d needs from the agent. */
export interface PluginsdDeps {
  /** Where the plugins' charts go (the local host). */
  host: Host;
  createParser: (options: ParserOptions) => Parser;
  /** NETDATA_VERSION for the plugins. */
  version: string;
  /** Parser limits for every plugin (defaults: the parser's). */
  limits?: Partial<ParserLimits>;
  /** SIGTERM → SIGKILL grace when stopping a plugin (default 1000 ms). */
  killGraceMs?: number;
  /** Limits on FUNCTION calls and results for every plugin (defaults: function-calls.ts). */
  functionLimits?: Partial<FunctionCallLimits>;
}

/** Counters for the agent's own charts. */
export interface PluginsdStats extends ParserStats {
  running: number;
  disabled: number;
}

/** The running plugins.d part: `createPluginsd(...)`, then `start()` once and `stop()` once. */
export interface Pluginsd {
  /** Scans the plugins directories, starts every enabled plugin, and keeps rescanning. */
  start(): Promise<void>;
  /** Stops rescanning and every plugin (SIGTERM, then SIGKILL), waiting until all are gone. */
  stop(): Promise<void>;
  plugins(): PluginStatus[];
  stats(): PluginsdStats;
}

class PluginsdImpl implements Pluginsd {
  readonly #runners = new Map<string, PluginRunner>();
  readonly #env: Record<string, string>;
  readonly #problems = new Map<string, string>();
  #scanTimer: NodeJS.Timeout | null = null;
  #scanning: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(readonly config: NetdataConfig, readonly deps: PluginsdDeps) {
    this.#env = pluginEnvironment(config, { version: deps.version });
  }

  async start(): Promise<void> {
    this.#scanning = this.#scan();
    await this.#scanning;
    const everySecs = Math.max(MIN_SCAN_EVERY_SECS, this.config.plugins.checkForNewPluginsEverySecs);
    this.#scanTimer = setInterval(() => {
      this.#scanning = this.#scanning.then(() => this.#scan());
    }, everySecs * 1000);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#scanTimer) clearInterval(this.#scanTimer);
    this.#scanTimer = null;
    await this.#scanning;
    await Promise.all([...this.#runners.values()].map((runner) => runner.stop()));
  }

  plugins(): PluginStatus[] {
    return [...this.#runners.values()].map((runner) => runner.status());
  }

  stats(): PluginsdStats {
    const total: PluginsdStats = { bytes: 0, lines: 0, values: 0, iterations: 0, running: 0, disabled: 0 };
    for (const runner of this.#runners.values()) {
      const s = runner.stats();
      total.bytes += s.bytes;
      total.lines += s.lines;
      total.values += s.values;
      total.iterations += s.iterations;
      const state = runner.state;
      if (state === 'running') total.running++;
      else if (state === 'disabled') total.disabled++;
    }
    return total;
  }

  async #scan(): Promise<void> {
    if (this.#stopped) return;
    const { plugins, problems } = await discoverPlugins(this.config.global.directories.plugins, this.config.plugins);
    this.#report(problems);
    for (const plugin of plugins) {
      if (this.#stopped || this.#runners.has(plugin.fileName)) continue;
      const runner = new PluginRunner(plugin, this.#runnerDeps(plugin.name));
      this.#runners.set(plugin.fileName, runner);
      runner.start();
    }
  }

  #runnerDeps(name: string): ConstructorParameters<typeof PluginRunner>[1] {
    const pluginConfig = this.config.plugins.plugin(name);
    const cwd = this.config.global.directories.config;
    return {
      host: this.deps.host, createParser: this.deps.createParser, env: this.#env,
      // netdata runs plugins from the user config directory so relative config paths work.
      cwd: existsSync(cwd) ? cwd : undefined,
      updateEverySecs: pluginConfig.updateEverySecs, commandOptions: pluginConfig.commandOptions,
      limits: this.deps.limits, killGraceMs: this.deps.killGraceMs, functionLimits: this.deps.functionLimits,
      stderrLinesPerPeriod: Number(this.#env.NETDATA_ERRORS_PER_PERIOD) || 200,
      stderrPeriodMs: (Number(this.#env.NETDATA_ERRORS_THROTTLE_PERIOD) || 1200) * 1000,
    };
  }

  /** Logs an unreadable plugins directory once per change of its error, as netdata does. */
  #report(problems: DirectoryProblem[]): void {
    const now = new Map(problems.map((p) => [p.directory, p.code]));
    for (const [directory, code] of now) {
      if (this.#problems.get(directory) !== code) error(`cannot open plugins directory '${directory}' (${code})`);
    }
    for (const directory of this.#problems.keys()) {
      if (!now.has(directory)) info(`plugins directory '${directory}' is readable again`);
    }
    this.#problems.clear();
    for (const [directory, code] of now) this.#problems.set(directory, code);
  }
}

/**
 * Builds plugins.d from the configuration: `[directories] plugins`, `[plugins]` and
 * `[plugin:NAME]`. Nothing runs until `start()`. The parser comes in as a dependency so this part
 * never imports the protocol's parser.
 */
export function createPluginsd(config: NetdataConfig, deps: PluginsdDeps): Pluginsd {
  return new PluginsdImpl(config, deps);
}
