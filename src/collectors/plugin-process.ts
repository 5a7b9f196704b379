/**
 * One run of one plugin process: spawned as netdata does (`/bin/sh -c "exec <path> <update every>
 * <options>"`, reference §1.1) in a process group of its own, so stopping it stops its children
 * too. Hands stdout bytes and stderr lines to callbacks; knows nothing of the commands (stderr
 * lines come from the protocol part's bounded line splitter). Spawned with `node:child_process`
 * rather than execa, whose import costs more RSS than a headless collector can spare
 * (docs/memory.md gives the figures).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_LIMITS } from '../limits.js';
import { BoundedLineSplitter } from '../protocol/index.js';

/** Default wait between SIGTERM and SIGKILL when stopping a plugin's process group. */
export const DEFAULT_KILL_GRACE_MS = 1000;
/** Longest stderr line passed on; longer lines are cut (the rest of the line is dropped). */
export const DEFAULT_MAX_STDERR_LINE_BYTES = DEFAULT_LIMITS.stderrLineBytes;

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
  readonly #subprocess: ChildProcess;
  readonly #graceMs: number;
  #exited = false;
  #spawnFailed = false;
  #killTimer: NodeJS.Timeout | null = null;

  constructor(options: PluginProcessOptions) {
    this.#graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const command = pluginCommand(options.path, options.updateEverySecs, options.commandOptions);
    // Only `env`: the agent's own environment is not passed on (netdata's plugin environment).
    // stdin is the pipe FUNCTION calls are written to (function-calls.ts).
    this.#subprocess = spawn('/bin/sh', ['-c', command], {
      env: options.env, cwd: options.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.#subprocess.pid ?? 0;
    // 'close' follows 'exit' once stdout and stderr closed too; a spawn error is followed by it.
    this.done = new Promise<ProcessExit>((resolve) => {
      this.#subprocess.once('close', (exitCode, signal) => {
        this.#exited = true;
        resolve({ exitCode, signal });
      });
    }).then((exit) => this.#settle(exit));
    this.#subprocess.on('error', () => { this.#spawnFailed = true; });
    this.#subprocess.stdout?.on('data', (chunk: Buffer) => options.onStdout(chunk));
    const stderr = new BoundedLineSplitter(
      options.maxStderrLineBytes ?? DEFAULT_MAX_STDERR_LINE_BYTES, options.onStderrLine);
    this.#subprocess.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.#subprocess.stderr?.on('end', () => stderr.end());
    // EPIPE when the plugin closed its stdin: the write's callback reports it to its call
    this.#subprocess.stdin?.on('error', () => { /* reported to the write's callback */ });
    this.#subprocess.stdout?.on('error', () => { /* closed with the process: 'close' follows */ });
    this.#subprocess.stderr?.on('error', () => { /* as stdout */ });
    this.#subprocess.on('exit', () => this.#onExit());
  }

  /** Bytes written to the plugin's stdin that it has not read yet (Infinity once stdin is gone). */
  stdinPendingBytes(): number {
    const stdin = this.#subprocess.stdin;
    return stdin && stdin.writable ? stdin.writableLength : Infinity;
  }

  /**
   * Writes `line` to the plugin's stdin without waiting for it to be read; `done` gets an error
   * when stdin is closed or the write fails (EPIPE). Callers bound what they write with
   * {@link stdinPendingBytes}, so a plugin that never reads stdin costs a bounded buffer.
   */
  writeStdin(line: string, done: (err: Error | null) => void): void {
    const stdin = this.#subprocess.stdin;
    if (!stdin || !stdin.writable) {
      done(new Error('its standard input is closed'));
      return;
    }
    stdin.write(line, (err) => done(err ?? null));
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

  async #settle(exit: ProcessExit): Promise<ProcessExit> {
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#killTimer = null;
    // Leftovers of the group (children the plugin did not wait for) go with it.
    if (this.pid > 0 && killGroup(this.pid, 'SIGTERM')) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#graceMs, 100)));
      killGroup(this.pid, 'SIGKILL');
    }
    // A process that never started (no /bin/sh, no cwd) has neither an exit code nor a signal.
    return this.#spawnFailed && this.pid === 0 ? { exitCode: null, signal: null } : exit;
  }
}
