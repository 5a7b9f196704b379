/**
 * The parents a streaming benchmark feeds, each fresh and on 127.0.0.1: a Tributary agent
 * without plugins, or Debian's netdata 1.37 with its collectors off (ram, history 3600, the
 * test API key enabled). `run` gets the parent's PID (to read its CPU) and port; the parent is
 * stopped by its PID afterwards and its directory removed. `cpuSecs` reads a process's CPU time.
 */
import { readFileSync, rmSync } from 'node:fs';
import { API_KEY, freePort, startNode } from '../test/streaming/nodes.js';
import { netdataMissing, startNetdata } from '../test/streaming/netdata.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The kernel's clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat times. */
export const CLOCK_TICKS_PER_SEC = 100;

/** CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat. */
export function cpuSecs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC; // utime + stime
}

/** Runs `run` against a fresh Tributary parent named `hostname` (`extraConf`: netdata.conf lines added). */
export async function onTributaryParent<T>(hostname: string, run: (pid: number, port: number) => Promise<T>,
  extraConf?: string): Promise<T> {
  const node = await startNode({ hostname, plugin: false, extraConf });
  try {
    return await run(node.child.pid!, node.port);
  } finally {
    node.kill();
    await node.exited;
    rmSync(node.dir, { recursive: true, force: true });
  }
}

/** Runs `run` against a fresh netdata 1.37 parent; the reason instead when netdata cannot run here. */
export async function onNetdataParent<T>(hostname: string, run: (pid: number, port: number) => Promise<T>): Promise<T | string> {
  const missing = netdataMissing();
  if (missing) return missing;
  const port = await freePort();
  const nd = startNetdata({
    hostname, port, retention: 3600, alsoOff: ['proc'],
    streamConf: `[${API_KEY}]\n\tenabled = yes\n\tdefault memory mode = ram\n\tdefault history = 3600\n\thealth enabled by default = no\n`,
  });
  try {
    for (let k = 0; ; k++) {
      try { await nd.api('/api/v1/info'); break; } catch { if (k > 60) throw new Error('netdata did not start'); await sleep(500); }
    }
    return await run(nd.child.pid!, port);
  } finally {
    await nd.stop();
  }
}
