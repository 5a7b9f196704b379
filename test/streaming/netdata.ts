/**
 * Debian's netdata 1.37 as a test peer: a foreground process (`-D`) on 127.0.0.1 with its own
 * config, cache, lib, log and lock directories, most collectors off, killed by PID at the end.
 * Its own plugins directory is kept (a 1.37 child needs its `system-info.sh`, reference §9).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NETDATA_BINARY = '/usr/sbin/netdata';
const PLUGIN_DIRS = ['/usr/libexec/netdata/plugins.d', '/usr/lib/netdata/plugins.d'];
const STOCK_CONFIG_DIRS = ['/usr/lib/netdata/conf.d', '/usr/lib/netdata/conf.d/'];

/** Why netdata cannot run here, or null when it can. */
export function netdataMissing(): string | null {
  if (!existsSync(NETDATA_BINARY)) return `${NETDATA_BINARY} is not installed (Debian package netdata; .ci/run installs it)`;
  if (!PLUGIN_DIRS.some((d) => existsSync(join(d, 'system-info.sh')))) return 'netdata\'s plugins directory with system-info.sh is missing';
  return null;
}

export interface NetdataOptions {
  hostname: string;
  /** Listen here; 0 = web mode none. */
  port: number;
  /** The whole stream.conf. */
  streamConf: string;
  /** More `[plugins]` names to turn off (e.g. `proc` for a quiet benchmark parent). */
  alsoOff?: string[];
  /** `[plugins]` names of the quiet list to run after all (e.g. `apps` for its `processes` function). */
  alsoOn?: string[];
  /** `[db] retention` (default 600). */
  retention?: number;
  /** `[db] mode` (default ram). */
  memoryMode?: 'ram' | 'save' | 'dbengine';
  /** More netdata.conf text, appended. */
  extraConf?: string;
  /**
   * TLS on the web server: `[web] ssl key` / `ssl certificate`, and `bind to` entries that
   * replace the plain `127.0.0.1:<port>` (see tlsBindTo).
   */
  tls?: { key: string; cert: string; bindTo: string };
}

/**
 * `bind to` for a netdata with TLS: its API port (`port`, which `api()` reads in plain HTTP)
 * `^SSL=optional`, and a streaming port `^SSL=force`. 1.37 reads `^SSL=` only after an access
 * list.
 */
export function tlsBindTo(port: number, streamPort: number): string {
  return `127.0.0.1:${port}=dashboard|registry|badges|management|netdata.conf|streaming^SSL=optional ` +
    `127.0.0.1:${streamPort}=streaming^SSL=force`;
}

export interface NetdataNode {
  readonly hostname: string;
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
  /** netdata's error.log so far. */
  log(): string;
  api(path: string): Promise<any>;
  stop(): Promise<void>;
}

const running = new Set<NetdataNode>();

// a test file cancelled by the runner still kills the netdata it started
process.once('exit', () => {
  for (const node of running) node.child.kill('SIGKILL');
});

/** The directories `startNetdata` made, removed by stopAllNetdata. */
const made = new Set<string>();

/**
 * Stops every netdata still running: SIGTERM, then SIGKILL after 10 s, and removes the
 * directories they ran in (use in `after`).
 */
export async function stopAllNetdata(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop()));
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** Collectors and features turned off so the test peer is light and quiet. */
const OFF = ['apps', 'charts.d', 'fping', 'ioping', 'perf', 'slabinfo', 'nfacct', 'cups', 'tc', 'idlejitter',
  'cgroups', 'statsd', 'diskspace', 'timex', 'checks', 'python.d', 'go.d', 'ebpf', 'freeipmi', 'debugfs'];

export function startNetdata(o: NetdataOptions): NetdataNode {
  const dir = mkdtempSync(join(tmpdir(), `tributary-netdata-${o.hostname}-`));
  made.add(dir);
  for (const d of ['etc', 'cache', 'lib', 'log', 'run']) mkdirSync(join(dir, d));
  writeConfig(dir, o);
  return launch(dir, o);
}

/** Starts the netdata of an earlier `startNetdata` again: same directories, config and port. */
export function restartNetdata(node: NetdataNode, o: NetdataOptions): NetdataNode {
  return launch(node.dir, o);
}

function writeConfig(dir: string, o: NetdataOptions): void {
  const plugins = PLUGIN_DIRS.find((d) => existsSync(join(d, 'system-info.sh')))!;
  const stock = STOCK_CONFIG_DIRS.find((d) => existsSync(d)) ?? '/usr/lib/netdata/conf.d';
  const tls = o.tls ? `\tssl key = ${o.tls.key}\n\tssl certificate = ${o.tls.cert}\n` : '';
  const web = o.port > 0
    ? `[web]\n\tmode = static-threaded\n\tbind to = ${o.tls?.bindTo ?? `127.0.0.1:${o.port}`}\n${tls}`
    : '[web]\n\tmode = none\n';
  writeFileSync(join(dir, 'netdata.conf'),
    `[global]\n\thostname = ${o.hostname}\n\trun as user = ${process.getuid?.() === 0 ? 'root' : process.env.USER ?? 'root'}\n` +
    `[db]\n\tmode = ${o.memoryMode ?? 'ram'}\n\tretention = ${o.retention ?? 600}\n\tupdate every = 1\n` +
    `[directories]\n\tconfig = ${join(dir, 'etc')}\n\tstock config = ${stock}\n\tcache = ${join(dir, 'cache')}\n` +
    `\tlib = ${join(dir, 'lib')}\n\tlog = ${join(dir, 'log')}\n\tlock = ${join(dir, 'run')}\n\tplugins = ${plugins}\n` +
    `[logs]\n\terror = ${join(dir, 'log', 'error.log')}\n\taccess = none\n\tdebug = none\n${web}` +
    `[plugins]\n${[...OFF.filter((p) => !o.alsoOn?.includes(p)), ...(o.alsoOff ?? [])].map((p) => `\t${p} = no\n`).join('')}` +
    '[health]\n\tenabled = no\n[ml]\n\tenabled = no\n[registry]\n\tenabled = no\n[cloud]\n\tenabled = no\n' +
    (o.extraConf ?? ''));
  writeFileSync(join(dir, 'etc', 'stream.conf'), o.streamConf);
}

/**
 * netdata's `system-info.sh` (run at every start) asks the cloud metadata address
 * 169.254.169.254 with curl on a virtual machine. Test traffic goes to loopback only, so the
 * peer runs with a PATH whose first `curl` answers at once as a timed-out request (exit 28),
 * after which the script asks nothing more; the call is logged to the directory's `curl.log`.
 */
function offlinePath(dir: string): string {
  const bin = join(dir, 'offline-bin');
  if (!existsSync(bin)) {
    mkdirSync(bin);
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\necho "$@" >> '${join(dir, 'curl.log')}'\nexit 28\n`);
    chmodSync(join(bin, 'curl'), 0o755);
  }
  return `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

function launch(dir: string, o: NetdataOptions): NetdataNode {
  const child = spawn(NETDATA_BINARY, ['-c', join(dir, 'netdata.conf'), '-D'], {
    stdio: 'ignore', env: { ...process.env, PATH: offlinePath(dir) },
  });
  const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
  const node: NetdataNode = {
    hostname: o.hostname,
    port: o.port,
    dir,
    child,
    log: () => {
      try {
        return readFileSync(join(dir, 'log', 'error.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async api(path) {
      const res = await fetch(`http://127.0.0.1:${o.port}${path}`);
      if (res.status !== 200) throw new Error(`netdata ${o.hostname} ${path}: HTTP ${res.status}`);
      return res.json();
    },
    async stop() {
      running.delete(node);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(node);
  return node;
}
