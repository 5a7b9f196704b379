/**
 * An exporting instance's heartbeat: `run` at every multiple of `update every` on the wall
 * clock, as netdata's, never early (timers may fire early), and an error in one iteration is
 * logged without stopping the next.
 */
import { error } from '../log.js';

/** Starts the timer; the returned function stops it. */
export function everyStep(stepMs: number, tag: string, run: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const next = (): void => {
    const targetMs = (Math.floor(Date.now() / stepMs) + 1) * stepMs;
    const wait = (): void => {
      timer = null;
      if (stopped) return;
      const earlyMs = targetMs - Date.now();
      if (earlyMs > 0) {
        timer = setTimeout(wait, earlyMs);
        return;
      }
      try {
        run();
      } catch (err) {
        error(`${tag}: iteration failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      next();
    };
    timer = setTimeout(wait, targetMs - Date.now());
  };
  next();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
