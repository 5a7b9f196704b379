/**
 * One run of one plugin process: spawned as netdata does (`/bin/sh -c "exec <path> <update every>
 * <options>"`, reference §1.1) in a process group of its own, so stopping it stops its children
 * too. Hands stdout bytes and stderr lines to callbacks; knows nothing of the commands (stderr
 * lines come from the protocol part's bounded line splitter).
 */
import { execa, type ResultPromise } from 'execa';
import { BoundedLineSplitter } from '../protocol/index.js';

/** Default wait between SIGTERM and SIGKILL when stopping a plugin's process group. */
export const DEFAULT_KILL_GRACE_MS = 1000;
/** Longest stderr line passed on; longer lines are cut (the rest of the line is dropped). */
export const DEFAULT_MAX_STDERR_LINE_BYTES = 1024;

/** How a run ended, as Node reports it. */
export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
}

/** How to run one plugin and where its output goes. */
export interface PluginProcessOptions {
  path: string;
  updateEverySecs: number;
  commandOptions: string;
  env: Record<string, string>;
  cwd?: string;
  onStdout(chunk: Buffer): void;
  onStderrLine(line: string): void;
  killGraceMs?: number;
  maxStderrLineBytes?: number;
}

/** netdata's command line for a plugin: `exec <path> <update every> <command options>`. */
export function pluginCommand(path: string, updateEverySecs: number, commandOptions: string): string {
  return `exec ${path} ${updateEverySecs} ${commandOptions}`.trimEnd();
}

/** Sends `signal` to every process of group `pgid`; false when the group no longer exists. */
function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * A running plugin process. `done` settles once the process exited and its stdout closed (a
 * grandchild still holding stdout after the process exited is killed after the grace period);
 * leftovers of its process group are then killed.
 */
export class PluginProcess {
  readonly pid: number;
  readonly done: Promise<ProcessExit>;
  readonly #subprocess: ResultPromise;
  readonly #graceMs: number;
  #exited = false;
  #killTimer: NodeJS.Timeout | null = null;

  constructor(options: PluginProcessOptions) {
    this.#graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const command = pluginCommand(options.path, options.updateEverySecs, options.commandOptions);
    this.#subprocess = execa('/bin/sh', ['-c', command], {
      env: options.env, extendEnv: false, cwd: options.cwd, detached: true,
      // stdin is a pipe netdata 1.37 uses for FUNCTION calls; nothing is written to it yet.
      stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, cleanup: true,
    });
    this.pid = this.#subprocess.pid ?? 0;
    this.#subprocess.stdout?.on('data', (chunk: Buffer) => options.onStdout(chunk));
    const stderr = new BoundedLineSplitter(
      options.maxStderrLineBytes ?? DEFAULT_MAX_STDERR_LINE_BYTES, options.onStderrLine);
    this.#subprocess.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.#subprocess.stderr?.on('end', () => stderr.end());
    this.#subprocess.stdin?.on('error', () => { /* the plugin closed its stdin: nothing to do */ });
    this.#subprocess.on('exit', () => this.#onExit());
    this.done = this.#wait();
  }

  /** Whether the plugin process (not its group) is still running. */
  get running(): boolean {
    return !this.#exited;
  }

  /**
   * Stops the whole process group: SIGTERM, then SIGKILL after the grace period if anything of
   * the group is left. Resolves when the run is done.
   */
  terminate(): Promise<ProcessExit> {
    if (this.pid > 0 && killGroup(this.pid, 'SIGTERM')) this.#scheduleKill();
    return this.done;
  }

  #onExit(): void {
    this.#exited = true;
    // A grandchild may still hold stdout open; do not wait for it forever.
    this.#scheduleKill();
  }

  #scheduleKill(): void {
    if (this.#killTimer) return;
    this.#killTimer = setTimeout(() => {
      if (this.pid > 0) killGroup(this.pid, 'SIGKILL');
    }, this.#graceMs);
  }

  async #wait(): Promise<ProcessExit> {
    const result = await this.#subprocess;
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#killTimer = null;
    // Leftovers of the group (children the plugin did not wait for) go with it.
    if (this.pid > 0 && killGroup(this.pid, 'SIGTERM')) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#graceMs, 100)));
      killGroup(this.pid, 'SIGKILL');
    }
    return { exitCode: result.exitCode ?? null, signal: result.signal ?? null };
  }
}
