/**
 * Runs a real agent (`node dist/src/main.js`) for tests: a temp directory with its own
 * netdata.conf, plugins, cache and lib directories, a free port on 127.0.0.1, and the log kept
 * for assertions. Every agent started is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync, chmodSync, readFileSync } from 'node:fs';
import { freePort } from '../../demo/nodes.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/test/support/). */
export const REPO = resolve(HERE, '..', '..', '..');
/** The agent built beside this file (dist/, or a build directory of its own such as dist-x/). */
export const MAIN = resolve(HERE, '..', '..', 'src', 'main.js');
export const FIXTURE_PLUGINS = join(REPO, 'test', 'fixtures', 'plugins');

/** A port that was free a moment ago on 127.0.0.1 (the demo's own helper). */
export { freePort };

export interface AgentDirs {
  root: string;
  config: string;
  plugins: string;
}

/** A temp agent directory with the named fixture plugins and a netdata.conf ending in `conf`. */
export function agentDirs(plugins: string[], conf: string): AgentDirs {
  const root = mkdtempSync(join(tmpdir(), 'tributary-agent-'));
  const pluginsDir = join(root, 'plugins.d');
  mkdirSync(pluginsDir);
  for (const name of plugins) {
    const target = join(pluginsDir, `${name}.plugin`);
    copyFileSync(join(FIXTURE_PLUGINS, `${name}.plugin`), target);
    chmodSync(target, 0o755);
  }
  const config = join(root, 'netdata.conf');
  writeFileSync(config, `[global]\n\tplugins directory = ${pluginsDir}\n\tcache directory = ${join(root, 'cache')}\n` +
    `\tlib directory = ${join(root, 'lib')}\n\tlog directory = ${join(root, 'log')}\n` +
    `\tweb files directory = ${join(REPO, 'web')}\n[directories]\n\tstock health config = ${join(root, 'health.d')}\n${conf}`);
  return { root, config, plugins: pluginsDir };
}

export interface RunningAgent {
  readonly child: ChildProcess;
  /** Everything the agent wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the output contains `text` (rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** SIGKILL if still running (for test cleanup). */
  kill(): void;
}

/** Starts `node dist/src/main.js ...args`. */
export function startAgent(args: string[], label = 'agent'): RunningAgent {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((ok) => {
    child.on('exit', (code, signal) => ok(code ?? signal ?? -1));
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(text, timeoutMs = 20_000) {
      const found = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
      return new Promise((ok, fail) => {
        if (found()) { ok(); return; }
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`${label}: timed out waiting for ${String(text)}; output:\n${out.slice(-4000)}`));
        }, timeoutMs);
        const check = (): void => {
          if (!found()) return;
          clearTimeout(timer);
          waiters.delete(check);
          ok();
        };
        waiters.add(check);
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Whether a process with this PID exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `probe` every 250 ms until it returns a value other than undefined (or throws after `timeoutMs`). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
