/**
 * The agent in the foreground (`tributary -D`): creates and starts it, writes the pid file, and
 * stops it cleanly on SIGTERM / SIGINT. The launcher (main.ts) loads this module from the
 * agent's one-file bundle when `npm run build` made one (docs/memory.md), else from dist/src.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { HEADLESS_V8_FLAGS, type CliOptions } from './cli.js';
import { createAgent } from './agent.js';
import { isHeadless } from './config/index.js';
import * as logger from './log.js';

export { AGENT_VERSION } from './agent.js';
/** The agent's log, for the launcher's last word. */
export { error as logError } from './log.js';

/**
 * Runs the agent until a signal stops it: -1 once it started (the process stays), else an exit
 * code. `loadedFrom` is the file the launcher loaded it from, for the log.
 */
export async function runForeground(options: CliOptions, loadedFrom: string): Promise<number> {
  let agent;
  try {
    agent = await createAgent({ configFile: options.configFile, overrides: options.overrides });
  } catch (err) {
    logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (options.pidFile) writeFileSync(options.pidFile, `${process.pid}\n`);
  logger.info(`agent loaded from ${loadedFrom}`);
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
  // an agent with a database: one full collection of the memory reducer, not two or more, and a
  // young generation that does not grow; node:v8 is loaded for it alone (1.5 MB of RSS a
  // headless collector does without, v8-tuning.ts)
  if (agent.config.global.memoryMode !== 'none') (await import('./v8-tuning.js')).tuneV8();
  try {
    await agent.start();
  } catch (err) {
    logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    await agent.stop().catch(() => undefined);
    return 1;
  }
  return -1;
}
