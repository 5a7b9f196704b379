/**
 * netdata's rules for what happens after a plugin's run ends (reference §1.2): restart it after a
 * delay, or disable it for good. A pure function of how the run ended and what it collected, so
 * the rules are tested as a table without spawning anything.
 */
import type { LogLevel } from '../log.js';

/** After this many runs in a row without one END, a plugin is disabled (reference §1.2). */
export const SERIAL_FAILURES_THRESHOLD = 10;

/** A failed or empty run waits `update every` times this before the next one (reference §1.2). */
export const FAILURE_DELAY_FACTOR = 10;

/** How one run of a plugin ended, and what it and the earlier runs collected. */
export interface RunOutcome {
  /** The plugin's full path, as netdata's log lines name it. */
  path: string;
  pid: number;
  /** Exit code when the process exited, null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it (e.g. `SIGKILL`), null when it exited. */
  signal: string | null;
  /** END commands processed in this run. */
  iterations: number;
  /** END commands processed in all earlier runs. */
  successfulCollections: number;
  /** Runs in a row, before this one, that collected nothing. */
  serialFailures: number;
  updateEverySecs: number;
  /** The plugin already disabled itself in this run (DISABLE or a protocol error). */
  disabledByParser?: boolean;
}

/** What follows a run. */
export type RestartAction = 'restart' | 'disable';

/** decideRestart's answer: what to do, when, and the line to log. */
export interface RestartDecision {
  action: RestartAction;
  /** Seconds to wait before the restart (0 when disabled). */
  delaySecs: number;
  /** The line to log; netdata's wording where netdata logs one. */
  logMessage: string;
  logLevel: LogLevel;
  /** Serial failures after this run (0 when it collected, else one more). */
  serialFailures: number;
  /** Successful collections after this run. */
  successfulCollections: number;
}

/**
 * netdata's exit status of a plugin (`netdata_pclose`, 1.37): the exit code when it exited;
 * 0 when SIGTERM ended it (netdata itself sends SIGTERM when stdout closes); -1 for any other signal.
 */
export function netdataExitStatus(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode;
  return signal === 'SIGTERM' ? 0 : -1;
}

/** Decides what happens after a run: netdata's `handle_success` / `handle_error` (reference §1.2). */
export function decideRestart(run: RunOutcome): RestartDecision {
  const successfulCollections = run.successfulCollections + run.iterations;
  const serialFailures = run.iterations > 0 ? 0 : run.serialFailures + 1;
  const status = netdataExitStatus(run.exitCode, run.signal);
  const state: RunState = { ...run, status, successfulCollections, serialFailures };
  return status === 0 ? afterSuccess(state) : afterError(state);
}

interface RunState extends RunOutcome {
  status: number;
}

function who(run: RunState): string {
  return `'${run.path}' (pid ${run.pid})`;
}

function restartOrStop(run: RunState, delaySecs: number): Pick<RestartDecision, 'action' | 'delaySecs'> {
  return run.disabledByParser ? { action: 'disable', delaySecs: 0 } : { action: 'restart', delaySecs };
}

function decision(
  run: RunState, action: Pick<RestartDecision, 'action' | 'delaySecs'>, logLevel: LogLevel, logMessage: string,
): RestartDecision {
  return {
    ...action, logLevel, logMessage,
    serialFailures: run.serialFailures, successfulCollections: run.successfulCollections,
  };
}

function afterSuccess(run: RunState): RestartDecision {
  if (run.successfulCollections > 0) {
    // netdata logs nothing here; Tributary says what it will do.
    const action = restartOrStop(run, run.updateEverySecs);
    const next = action.action === 'restart'
      ? `Restarting it in ${action.delaySecs} seconds.` : 'Will not start it again - it is disabled.';
    return decision(run, action, 'INFO', `${who(run)} exited with code 0 after collecting data. ${next}`);
  }
  if (run.serialFailures <= SERIAL_FAILURES_THRESHOLD) {
    const action = restartOrStop(run, run.updateEverySecs * FAILURE_DELAY_FACTOR);
    const next = run.disabledByParser
      ? 'Will not start it again - it is now disabled.' : 'Waiting a bit before starting it again.';
    return decision(run, action, 'INFO',
      `${who(run)} does not generate useful output but it reports success (exits with 0). ${next}.`);
  }
  return decision(run, { action: 'disable', delaySecs: 0 }, 'ERROR',
    `${who(run)} does not generate useful output, although it reports success (exits with 0).` +
    `We have tried to collect something ${run.serialFailures} times - unsuccessfully. Disabling it.`);
}

function afterError(run: RunState): RestartDecision {
  const disable = { action: 'disable', delaySecs: 0 } as const;
  if (run.status === -1) {
    return decision(run, disable, 'INFO', `${who(run)} was killed with SIGTERM. Disabling it.`);
  }
  if (run.successfulCollections === 0) {
    return decision(run, disable, 'ERROR',
      `${who(run)} exited with error code ${run.status} and haven't collected any data. Disabling it.`);
  }
  const past = `${who(run)} exited with error code ${run.status}, ` +
    `but has given useful output in the past (${run.successfulCollections} times).`;
  if (run.serialFailures <= SERIAL_FAILURES_THRESHOLD) {
    const action = restartOrStop(run, run.updateEverySecs * FAILURE_DELAY_FACTOR);
    const next = run.disabledByParser
      ? 'Will not start it again - it is disabled.' : 'Waiting a bit before starting it again.';
    return decision(run, action, 'ERROR', `${past} ${next}`);
  }
  return decision(run, disable, 'ERROR',
    `${past}We tried to restart it ${run.serialFailures} times, but it failed to generate data. Disabling it.`);
}
