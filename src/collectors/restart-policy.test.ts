import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideRestart, netdataExitStatus, type RunOutcome } from './restart-policy.js';

const P = "'/p/x.plugin' (pid 42)";

function run(over: Partial<RunOutcome>): RunOutcome {
  return {
    path: '/p/x.plugin', pid: 42, exitCode: 0, signal: null, iterations: 0,
    successfulCollections: 0, serialFailures: 0, updateEverySecs: 2, ...over,
  };
}

interface Row {
  name: string;
  input: Partial<RunOutcome>;
  action: 'restart' | 'disable';
  delaySecs: number;
  serialFailures: number;
  successfulCollections: number;
  level: string;
  message: string;
}

const TABLE: Row[] = [
  {
    name: 'exit 0 after collecting restarts after update every',
    input: { iterations: 5 }, action: 'restart', delaySecs: 2, serialFailures: 0, successfulCollections: 5,
    level: 'INFO', message: `${P} exited with code 0 after collecting data. Restarting it in 2 seconds.`,
  },
  {
    name: 'exit 0 with nothing this run but data in the past restarts after update every',
    input: { successfulCollections: 7, serialFailures: 3 }, action: 'restart', delaySecs: 2,
    serialFailures: 4, successfulCollections: 7, level: 'INFO',
    message: `${P} exited with code 0 after collecting data. Restarting it in 2 seconds.`,
  },
  {
    name: 'exit 0 never collected waits update every x 10',
    input: {}, action: 'restart', delaySecs: 20, serialFailures: 1, successfulCollections: 0, level: 'INFO',
    message: `${P} does not generate useful output but it reports success (exits with 0). ` +
      'Waiting a bit before starting it again..',
  },
  {
    name: 'exit 0 never collected, 10th serial failure still restarts',
    input: { serialFailures: 9 }, action: 'restart', delaySecs: 20, serialFailures: 10,
    successfulCollections: 0, level: 'INFO',
    message: `${P} does not generate useful output but it reports success (exits with 0). ` +
      'Waiting a bit before starting it again..',
  },
  {
    name: 'exit 0 never collected, 11th serial failure disables',
    input: { serialFailures: 10 }, action: 'disable', delaySecs: 0, serialFailures: 11,
    successfulCollections: 0, level: 'ERROR',
    message: `${P} does not generate useful output, although it reports success (exits with 0).` +
      'We have tried to collect something 11 times - unsuccessfully. Disabling it.',
  },
  {
    name: 'SIGTERM counts as exit 0 (netdata_pclose)',
    input: { exitCode: null, signal: 'SIGTERM', iterations: 1 }, action: 'restart', delaySecs: 2,
    serialFailures: 0, successfulCollections: 1, level: 'INFO',
    message: `${P} exited with code 0 after collecting data. Restarting it in 2 seconds.`,
  },
  {
    name: 'another signal is status -1: disabled',
    input: { exitCode: null, signal: 'SIGKILL', iterations: 3, successfulCollections: 10 },
    action: 'disable', delaySecs: 0, serialFailures: 0, successfulCollections: 13, level: 'INFO',
    message: `${P} was killed with SIGTERM. Disabling it.`,
  },
  {
    name: 'non-zero exit before collecting anything disables',
    input: { exitCode: 1 }, action: 'disable', delaySecs: 0, serialFailures: 1, successfulCollections: 0,
    level: 'ERROR', message: `${P} exited with error code 1 and haven't collected any data. Disabling it.`,
  },
  {
    name: 'non-zero exit after collecting in this run restarts after update every x 10',
    input: { exitCode: 3, iterations: 4 }, action: 'restart', delaySecs: 20, serialFailures: 0,
    successfulCollections: 4, level: 'ERROR',
    message: `${P} exited with error code 3, but has given useful output in the past (4 times). ` +
      'Waiting a bit before starting it again.',
  },
  {
    name: 'non-zero exit, collected in the past, 10 serial failures restarts',
    input: { exitCode: 3, successfulCollections: 8, serialFailures: 9 }, action: 'restart', delaySecs: 20,
    serialFailures: 10, successfulCollections: 8, level: 'ERROR',
    message: `${P} exited with error code 3, but has given useful output in the past (8 times). ` +
      'Waiting a bit before starting it again.',
  },
  {
    name: 'non-zero exit, collected in the past, 11 serial failures disables',
    input: { exitCode: 3, successfulCollections: 8, serialFailures: 10 }, action: 'disable', delaySecs: 0,
    serialFailures: 11, successfulCollections: 8, level: 'ERROR',
    message: `${P} exited with error code 3, but has given useful output in the past (8 times).` +
      'We tried to restart it 11 times, but it failed to generate data. Disabling it.',
  },
  {
    name: 'a plugin its parser disabled is never restarted, with netdata\'s wording',
    input: { exitCode: 0, iterations: 0, disabledByParser: true }, action: 'disable', delaySecs: 0,
    serialFailures: 1, successfulCollections: 0, level: 'INFO',
    message: `${P} does not generate useful output but it reports success (exits with 0). ` +
      'Will not start it again - it is now disabled..',
  },
  {
    name: 'a parser-disabled plugin that failed after collecting is not restarted',
    input: { exitCode: 2, iterations: 2, disabledByParser: true }, action: 'disable', delaySecs: 0,
    serialFailures: 0, successfulCollections: 2, level: 'ERROR',
    message: `${P} exited with error code 2, but has given useful output in the past (2 times). ` +
      'Will not start it again - it is disabled.',
  },
];

describe('decideRestart', () => {
  for (const row of TABLE) {
    it(row.name, () => {
      const d = decideRestart(run(row.input));
      assert.deepEqual(
        { action: d.action, delaySecs: d.delaySecs, serialFailures: d.serialFailures,
          successfulCollections: d.successfulCollections, level: d.logLevel, message: d.logMessage },
        { action: row.action, delaySecs: row.delaySecs, serialFailures: row.serialFailures,
          successfulCollections: row.successfulCollections, level: row.level, message: row.message },
      );
    });
  }
});

describe('netdataExitStatus', () => {
  it('maps exit codes and signals as netdata_pclose does', () => {
    assert.equal(netdataExitStatus(0, null), 0);
    assert.equal(netdataExitStatus(126, null), 126);
    assert.equal(netdataExitStatus(null, 'SIGTERM'), 0);
    assert.equal(netdataExitStatus(null, 'SIGSEGV'), -1);
  });
});
