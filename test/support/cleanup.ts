/**
 * What a test file starts and makes, stopped and removed when its tests end: child processes
 * (SIGKILL by PID when still running) and temporary directories.
 */
import { after } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** Registers the file's `after` hook; add each child and directory to the returned sets. */
export function cleanupAfter(): { children: Set<ChildProcess>; dirs: string[] } {
  const children = new Set<ChildProcess>();
  const dirs: string[] = [];
  after(() => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    }
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { children, dirs };
}
