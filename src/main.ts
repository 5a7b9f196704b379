#!/usr/bin/env node
/**
 * The `tributary` command: parses the command line and runs the agent (run.ts). Without `-D` it
 * re-runs itself detached (netdata forks to the background) and returns at once; a headless
 * collector is re-run with HEADLESS_V8_FLAGS, from the bundle of HEADLESS_BUNDLE when
 * `npm run build` made one. With `-D` the agent runs in this process, from AGENT_BUNDLE when the
 * build made it (docs/memory.md). This module imports nothing of the agent itself, so that node
 * loads the agent once, from one file.
 */
import { spawn } from 'node:child_process';
import { openSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEADLESS_V8_FLAGS, parseCommandLine, USAGE, UsageError, type CliOptions } from './cli.js';

/**
 * The headless collector in one file (scripts/bundle.mjs, run by `npm run build`): node loads it
 * in about 2 MB less memory than the ES modules of dist/src. Beside dist/src.
 */
const HEADLESS_BUNDLE = '../tributary-headless.cjs';
/**
 * The whole agent in one file (run.ts and all it imports), beside dist/src: an idle parent takes
 * some 4 MB less RSS loaded from it than from the two hundred ES modules of dist/src, whose
 * loading alone runs V8's optimizing compiler on node's module resolver.
 */
const AGENT_BUNDLE = '../tributary.cjs';

type Runner = typeof import('./run.js');

/** The V8 flags the detached copy gets: HEADLESS_V8_FLAGS for a headless collector, else none. */
async function backgroundV8Flags(options: CliOptions): Promise<readonly string[]> {
  try {
    const { isHeadless, readNetdataConfig } = await import('./config/index.js');
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
  if (options.version) { process.stdout.write(`tributary ${(await agentRunner()).runner.AGENT_VERSION}\n`); return 0; }
  if (!options.foreground) return daemonize(argv, options);
  const { runner, file } = await agentRunner();
  return runner.runForeground(options, file);
}

/** This module inside one of the bundles (whose import.meta.url is the bundle's own file). */
const IN_BUNDLE = import.meta.url.endsWith('.cjs');

/**
 * A bundle beside dist/src, when it was built after this file (a `tsc` alone leaves an older
 * bundle, which is then not used); null inside a bundle, which holds the agent already.
 */
function freshBundle(relative: string): string | null {
  if (IN_BUNDLE) return null;
  const bundle = fileURLToPath(new URL(relative, import.meta.url));
  try {
    return statSync(bundle).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs ? bundle : null;
  } catch {
    return null;
  }
}

/** The agent's foreground run and its file: AGENT_BUNDLE when fresh, else run.js (in a bundle, its own copy). */
async function agentRunner(): Promise<{ runner: Runner; file: string }> {
  const bundle = freshBundle(AGENT_BUNDLE);
  if (bundle) return { runner: createRequire(import.meta.url)(bundle) as Runner, file: bundle };
  const file = IN_BUNDLE ? fileURLToPath(import.meta.url) : fileURLToPath(new URL('./run.js', import.meta.url));
  return { runner: await import('./run.js'), file };
}

/** Runs a detached copy with `-D`, its output appended to the log file, and exits. */
async function daemonize(argv: readonly string[], options: CliOptions): Promise<number> {
  const logFile = resolve(options.configFile ? dirname(options.configFile) : '.', 'tributary.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  const v8Flags = await backgroundV8Flags(options);
  const self = fileURLToPath(import.meta.url);
  const script = v8Flags.length > 0 ? freshBundle(HEADLESS_BUNDLE) ?? self : self;
  const child = spawn(process.execPath, [...v8Flags, script, ...argv, '-D'], {
    detached: true, stdio: ['ignore', out, out],
  });
  child.unref();
  const how = v8Flags.length > 0 ? ` as a headless collector with node ${v8Flags.join(' ')}` : '';
  process.stdout.write(`tributary: started in the background as pid ${child.pid}${how}, logging to ${logFile}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (err: unknown) => {
    const text = `fatal: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
    agentRunner()
      .then(({ runner }) => runner.logError(text), () => { process.stderr.write(`tributary: ${text}\n`); })
      .finally(() => process.exit(1));
  },
);
