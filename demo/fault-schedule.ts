/**
 * Runs a harness file's faults on their schedule against the running agents: kill (SIGKILL,
 * started again after `seconds` if given), restart (SIGTERM, started again after `seconds`),
 * pause (SIGSTOP, SIGCONT after `seconds`), and on the link from a node to its parent slow
 * (every byte delayed) and cut (connections closed and refused). Signals go to PIDs only.
 */
import type { DemoAgent } from './nodes.js';
import type { Fault } from './harness-file.js';
import type { Relay } from './relay.js';

/** What the schedule acts on. */
export interface FaultTargets {
  /** The node's agent now (a restart replaces it). */
  agent(node: string): DemoAgent;
  /** Starts the node's agent again and resolves once it is up. */
  relaunch(node: string): Promise<DemoAgent>;
  /** The relay on the link from `node` to its parent. */
  relay(node: string): Relay;
  /** One line of the run's log. */
  log(line: string): void;
}

/** Paused PIDs: a stop must continue them first, or SIGTERM waits forever. */
export const pausedPids = new Set<number>();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** When the last fault is over (s after the start): its start plus how long it lasts. */
export function scheduleEndSecs(faults: readonly Fault[]): number {
  return faults.reduce((end, f) => Math.max(end, f.atSecs + (f.seconds ?? 0)), 0);
}

/** Runs every fault at `startMs + at`; resolves when all are over (agents started again are up). */
export async function runFaults(faults: readonly Fault[], targets: FaultTargets, startMs: number): Promise<void> {
  await Promise.all(faults.map(async (fault) => {
    await sleep(Math.max(0, startMs + fault.atSecs * 1000 - Date.now()));
    const log = (text: string): void => targets.log(`[+${Math.round((Date.now() - startMs) / 1000)} s] ${text}`);
    try {
      await runFault(fault, targets, log);
    } catch (err) {
      log(`${fault.kind} ${fault.node} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }));
}

async function runFault(fault: Fault, t: FaultTargets, log: (text: string) => void): Promise<void> {
  const { node, seconds } = fault;
  const agent = t.agent(node);
  const running = (): boolean => agent.isRunning();
  switch (fault.kind) {
    case 'kill':
    case 'restart': {
      if (!running()) { log(`${fault.kind} ${node}: skipped, not running`); return; }
      if (fault.kind === 'kill') {
        log(`kill -9 ${node} (pid ${agent.pid})${seconds === null ? ', stays down' : `, down for ${seconds} s`}`);
        pausedPids.delete(agent.pid);
        process.kill(agent.pid, 'SIGKILL');
        await agent.exited;
        if (seconds === null) return;
      } else {
        log(`restart ${node} (pid ${agent.pid}): SIGTERM${seconds ? `, down for ${seconds} s` : ''}`);
        await stopAgent(agent);
      }
      await sleep((seconds ?? 0) * 1000);
      const again = await t.relaunch(node);
      log(`${node} is up again (pid ${again.pid})`);
      return;
    }
    case 'pause':
      if (!running()) { log(`pause ${node}: skipped, not running`); return; }
      log(`pause ${node} (pid ${agent.pid}) for ${seconds} s: SIGSTOP`);
      pausedPids.add(agent.pid);
      process.kill(agent.pid, 'SIGSTOP');
      await sleep((seconds ?? 0) * 1000);
      if (pausedPids.delete(agent.pid) && running()) process.kill(agent.pid, 'SIGCONT');
      log(`${node} continues (SIGCONT)`);
      return;
    case 'slow':
      log(`slow the link of ${node} to its parent by ${fault.delayMs} ms for ${seconds} s`);
      t.relay(node).slow(fault.delayMs);
      await sleep((seconds ?? 0) * 1000);
      t.relay(node).slow(0);
      log(`the link of ${node} is fast again`);
      return;
    case 'cut':
      log(`cut the link of ${node} to its parent for ${seconds} s`);
      t.relay(node).cut();
      await sleep((seconds ?? 0) * 1000);
      t.relay(node).restore();
      log(`the link of ${node} is restored`);
      return;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGCONT if paused, then the agent's own stop (SIGTERM, SIGKILL after its grace). */
export async function stopAgent(agent: DemoAgent): Promise<void> {
  if (pausedPids.delete(agent.pid) && isAlive(agent.pid)) process.kill(agent.pid, 'SIGCONT');
  await agent.stop();
}
