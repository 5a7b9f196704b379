/**
 * The command line, as netdata's flags mean them:
 * `tributary [-c netdata.conf] [-W set SECTION KEY VALUE]... [-P pidfile] [-D] [-h]`.
 */

export interface CliOptions {
  /** `-c FILE`; null = no config file (netdata's defaults). */
  configFile: string | null;
  /** `-W set SECTION KEY VALUE`, in order. */
  overrides: Array<[section: string, key: string, value: string]>;
  /** `-P FILE`: write the agent's pid there. */
  pidFile: string | null;
  /** `-D`: stay in the foreground (do not fork to the background). */
  foreground: boolean;
  help: boolean;
  version: boolean;
}

/** The help text `-h` prints. */
export const USAGE = `Usage: tributary [options]

Options:
  -c FILE                Configuration file to load (netdata.conf format).
  -W set SECTION KEY VALUE
                         Set a configuration value, overriding the file. Repeatable.
  -P FILE                Write the process id to FILE.
  -D                     Do not fork; run in the foreground, logging to stderr.
  -v, -V, --version      Print the version and exit.
  -h, --help             Print this help and exit.

Without -D, the agent runs in the background; a headless collector ([web] mode = none and
memory mode none) is started there with node --lite-mode --single-threaded
--bytecode-old-age=1, which saves it about 8 MB of memory. With -D, put those flags on node's
command line to get the same.

Signals: SIGTERM and SIGINT stop every plugin and exit cleanly.
`;

/**
 * The V8 flags a headless collector (`[web] mode = none` and memory mode `none`) runs with when
 * tributary starts it in the background; they save it about 8 MB of RSS (docs/memory.md,
 * `bench/headless.js`). `--lite-mode` runs JavaScript in the interpreter without the
 * optimizing compilers, whose code alone pages about 4 MB of the node binary in;
 * `--single-threaded` does garbage collection and compilation on the main thread instead of
 * helper threads; `--bytecode-old-age=1` lets a full collection drop the bytecode of functions
 * that did not run since the one before (start-up's: configuration, discovery), which V8 compiles
 * again from source if they ever run again. A collector's few plugins at 1 Hz keep a core under
 * 1% busy either way. A collector run with `-D` gets them from its start command (`node
 * --lite-mode --single-threaded --bytecode-old-age=1 .../main.js -D`); a parent never runs with them.
 */
export const HEADLESS_V8_FLAGS: readonly string[] = ['--lite-mode', '--single-threaded', '--bytecode-old-age=1'];

/** Thrown for a bad command line; the message says what was wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv (without the node and script paths). Throws UsageError. */
export function parseCommandLine(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    configFile: null, overrides: [], pidFile: null, foreground: false, help: false, version: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`option ${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '-c': options.configFile = value(); break;
      case '-P': options.pidFile = value(); break;
      case '-D': options.foreground = true; break;
      case '-h': case '--help': options.help = true; break;
      case '-v': case '-V': case '--version': options.version = true; break;
      case '-W': parseW(argv, i, options); i += 4; break;
      default: throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return options;
}

function parseW(argv: readonly string[], at: number, options: CliOptions): void {
  const [verb, section, key, value] = argv.slice(at + 1, at + 5);
  if (verb !== 'set') throw new UsageError(`-W ${verb ?? ''}: only '-W set SECTION KEY VALUE' is supported`);
  if (section === undefined || key === undefined || value === undefined) {
    throw new UsageError('-W set needs SECTION KEY VALUE');
  }
  options.overrides.push([section, key, value]);
}
