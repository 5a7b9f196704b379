#!/usr/bin/env node
/**
 * The `tributary` command: parses the command line, starts the agent, and stops it cleanly on
 * SIGTERM / SIGINT. Without `-D` it re-runs itself detached (netdata forks to the background)
 * and returns at once; a headless collector is re-run with HEADLESS_V8_FLAGS, from the bundle
 * of HEADLESS_BUNDLE when `npm run build` made one (docs/memory.md).
 */
import { spawn } from 'node:child_process';
import { openSync, mkdirSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADLESS_V8_FLAGS, parseCommandLine, USAGE, UsageError, type CliOptions } from './cli.js';
import { createAgent, AGENT_VERSION } from './agent.js';
import { readNetdataConfig, type NetdataConfig } from './config/index.js';
import * as logger from './log.js';

/**
 * The headless collector in one file (scripts/bundle-headless.mjs, run by `npm run build`): node
 * loads it in about 2 MB less memory than the ES modules of dist/src. Beside dist/src.
 */
const HEADLESS_BUNDLE = '../tributary-headless.cjs';

/** Whether a configuration is a headless collector's: no web server, no database. */
function isHeadless(config: NetdataConfig): boolean {
  return config.web.mode === 'none' && config.global.memoryMode === 'none';
}

/** The V8 flags the detached copy gets: HEADLESS_V8_FLAGS for a headless collector, else none. */
function backgroundV8Flags(options: CliOptions): readonly string[] {
  try {
    return isHeadless(readNetdataConfig(options.configFile, options.overrides).config) ? HEADLESS_V8_FLAGS : [];
  } catch {
    return []; // the detached copy reports the bad configuration in its log
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`tributary: ${err.message}\n\n${USAGE}`);
    return 1;
  }
  if (options.help) { process.stdout.write(USAGE); return 0; }
  if (options.version) { process.stdout.write(`tributary ${AGENT_VERSION}\n`); return 0; }
  if (!options.foreground) return daemonize(argv, options);
  return runForeground(options);
}

/**
 * The script a headless collector runs in the background: the bundle, when it was built after
 * this file (a `tsc` alone leaves an older bundle, which is then not used), else this file.
 */
function headlessScript(self: string): string {
  const bundle = fileURLToPath(new URL(HEADLESS_BUNDLE, import.meta.url));
  try {
    return statSync(bundle).mtimeMs >= statSync(self).mtimeMs ? bundle : self;
  } catch {
    return self;
  }
}

/** Runs a detached copy with `-D`, its output appended to the log file, and exits. */
function daemonize(argv: readonly string[], options: CliOptions): number {
  const logFile = resolve(options.configFile ? dirname(options.configFile) : '.', 'tributary.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  const v8Flags = backgroundV8Flags(options);
  const self = fileURLToPath(import.meta.url);
  const script = v8Flags.length > 0 ? headlessScript(self) : self;
  const child = spawn(process.execPath, [...v8Flags, script, ...argv, '-D'], {
    detached: true, stdio: ['ignore', out, out],
  });
  child.unref();
  const how = v8Flags.length > 0 ? ` as a headless collector with node ${v8Flags.join(' ')}` : '';
  process.stdout.write(`tributary: started in the background as pid ${child.pid}${how}, logging to ${logFile}\n`);
  return 0;
}

async function runForeground(options: CliOptions): Promise<number> {
  let agent;
  try {
    agent = await createAgent({ configFile: options.configFile, overrides: options.overrides });
  } catch (err) {
    logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (options.pidFile) writeFileSync(options.pidFile, `${process.pid}\n`);
  if (isHeadless(agent.config) && !HEADLESS_V8_FLAGS.every((flag) => process.execArgv.includes(flag))) {
    logger.info(`headless collector without node ${HEADLESS_V8_FLAGS.join(' ')} on its start command: ` +
      'it uses about 8 MB more memory than it needs (docs/memory.md)');
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, stopping`);
    agent.stop()
      .catch((err: unknown) => logger.error(`error while stopping: ${String(err)}`))
      .finally(() => {
        if (options.pidFile) rmSync(options.pidFile, { force: true });
        logger.info('agent stopped, exiting');
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await agent.start();
  } catch (err) {
    logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    await agent.stop().catch(() => undefined);
    return 1;
  }
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (err: unknown) => {
    logger.error(`fatal: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
