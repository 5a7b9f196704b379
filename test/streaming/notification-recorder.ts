/**
 * A notification script per node that records its calls: `script` appends each call's
 * arguments (record-args.sh, one a line, then `--`) to `file`; `calls()` reads them back.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './nodes.js';

const RECORD_ARGS = join(REPO, 'test', 'fixtures', 'health', 'record-args.sh');

/** What netdata 1.37 passes at these positions after the exec (reference §5.4). */
export const ARG = Object.freeze({ host: 1, name: 6, chart: 7, status: 9, oldStatus: 10, info: 17 });

export interface Recorder {
  /** The notification script to configure (`[health] script to execute on alarm` or `exec:`). */
  readonly script: string;
  /** Every call so far, oldest first, as its argument list. */
  calls(): string[][];
  /** Deletes the recorder's files. */
  remove(): void;
}

/** A recorder for node `name` in a directory of its own. */
export function notificationRecorder(name: string): Recorder {
  const dir = mkdtempSync(join(tmpdir(), `tributary-notify-${name}-`));
  const file = join(dir, 'calls');
  const script = join(dir, 'notify.sh');
  writeFileSync(script, `#!/bin/sh\nRECORD_FILE='${file}' exec '${RECORD_ARGS}' "$@"\n`);
  chmodSync(script, 0o755);
  return {
    script,
    calls() {
      if (!existsSync(file)) return [];
      const calls: string[][] = [[]];
      for (const line of readFileSync(file, 'utf8').split('\n').slice(0, -1)) {
        if (line === '--') calls.push([]);
        else calls[calls.length - 1]!.push(line);
      }
      return calls.slice(0, -1);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
