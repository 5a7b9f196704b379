/**
 * The agent on a cache directory that refuses writes, with real processes on a real small tmpfs:
 * filled up while running (map), full at start (map), remounted read-only while running (save),
 * read-only at start (map). Each time the agent keeps answering, keeps what it collected, logs
 * the error once with file and errno, counts it on netdata.db_disk_errors, and writes again once
 * the disk takes writes (a restart after `kill -9` finds the samples of the outage on disk).
 * Needs root for mount; skips with the reason otherwise.
 */
import { describe, it, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { cleanupAfter } from '../support/cleanup.js';
import { agentDirs, eventually, freePort, startAgent, type AgentDirs, type RunningAgent } from '../support/agent-process.js';

const mounts: string[] = [];
// before cleanupAfter's hook (hooks run in order): the agents killed and the mounts gone, then the dirs removed
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  for (const dir of [...mounts]) unmount(dir);
});
const { children, dirs } = cleanupAfter();

/** The tmpfs each test mounts on its cache directory. */
const CACHE_FS_BYTES = 2 * 1024 * 1024;
/** The clock chart's values wrap here (plugin `clock.plugin`). */
const CLOCK_MODULO = 100000;
/** A stored clock value may lag its slot's time by interpolation (one collection). */
const CLOCK_TOLERANCE_SECS = 2;

const nowS = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function mountTmpfs(dir: string): string | null {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${CACHE_FS_BYTES}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return `cannot mount a tmpfs (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
  mounts.push(dir);
  return null;
}

function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
}

function unmount(dir: string): void {
  const at = mounts.indexOf(dir);
  if (at >= 0) mounts.splice(at, 1);
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // still busy (an agent not yet gone): detach it now, the kernel frees it when the last file closes
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch (err) {
      console.log(`# cannot unmount '${dir}': ${String(err)}`);
    }
  }
}

/** Fills the file system of `dir` to its last byte with one file; returns its path. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [256 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

interface Node {
  dirs: AgentDirs;
  cache: string;
  port: number;
  agent: RunningAgent;
}

async function setUp(t: TestContext, conf: string): Promise<Node | null> {
  const port = await freePort();
  const d = agentDirs(['clock'], `[global]\n\thistory = 600\n\tupdate every = 1\n${conf}` +
    `[web]\n\tbind to = 127.0.0.1\n\tdefault port = ${port}\n[health]\n\tenabled = no\n`);
  dirs.push(d.root);
  const cache = join(d.root, 'cache');
  const reason = mountTmpfs(cache);
  if (reason !== null) {
    t.skip(reason);
    return null;
  }
  return { dirs: d, cache, port, agent: null as unknown as RunningAgent };
}

function start(node: Node): RunningAgent {
  node.agent = startAgent(['-c', node.dirs.config, '-D'], 'disk agent');
  children.add(node.agent.child);
  return node.agent;
}

async function stop(node: Node): Promise<void> {
  node.agent.kill();
  await node.agent.exited;
}

async function getJson(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return res.json();
}

/** The chart's rows `[time, ...values]` between `afterS` and `beforeS`, oldest first, gaps left out. */
async function rows(port: number, chart: string, afterS: number, beforeS: number): Promise<number[][]> {
  const body = await getJson(port, `/api/v1/data?chart=${chart}&after=${afterS}&before=${beforeS}&format=json`);
  return (body.data as (number | null)[][]).filter((r) => r.slice(1).every((v) => v !== null))
    .map((r) => r as number[]).sort((a, b) => a[0] - b[0]);
}

/** Asserts the clock chart has a point for (nearly) every second of [fromS, toS], each holding its own time. */
async function assertClockIntact(port: number, fromS: number, toS: number, what: string): Promise<void> {
  const points = await rows(port, 'fixture.clock', fromS, toS);
  assert.ok(points.length >= toS - fromS - 2, `${what}: ${points.length} points for ${toS - fromS + 1} seconds`);
  for (const [timeS, value] of points) {
    const lag = (((timeS % CLOCK_MODULO) - value) % CLOCK_MODULO + CLOCK_MODULO) % CLOCK_MODULO;
    assert.ok(lag <= CLOCK_TOLERANCE_SECS, `${what}: the point at ${timeS} holds ${value}`);
  }
}

/** Waits until the clock chart has a point at or after `timeS`. */
async function clockReaches(port: number, timeS: number): Promise<void> {
  await eventually(`a clock point at ${timeS}`, async () => {
    const points = await rows(port, 'fixture.clock', timeS - 5, timeS + 60);
    return points.some((p) => p[0] >= timeS) ? true : undefined;
  });
}

/** The agent answers, its disk charts count the refused writes and show writes failing. */
async function assertCountedAndServing(node: Node): Promise<void> {
  const info = await getJson(node.port, '/api/v1/info');
  assert.equal(typeof info.version, 'string');
  await eventually('the refused writes on netdata.db_disk_errors', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const errors = await rows(node.port, 'netdata.db_disk_errors', nowS - 120, nowS);
    const failing = await rows(node.port, 'netdata.db_disk_failing', nowS - 5, nowS);
    return errors.some((r) => r[1] > 0) && failing.at(-1)?.[1] === 1 ? true : undefined;
  });
}

function errorLines(output: string, code: string): string[] {
  return output.split('\n').filter((l) => l.includes('ERROR: database: cannot write') && l.includes(code));
}

/** `kill -9`, a restart on the same cache, and the clock of [fromS, toS] read back from disk. */
async function assertOnDiskAfterRestart(node: Node, fromS: number, toS: number): Promise<void> {
  await stop(node);
  const again = start(node);
  await again.waitFor('self-monitoring started');
  assert.match(again.output(), /lock file .* names pid \d+, which is no running agent; taking it over/);
  // the chart is back once the plugin defines it again; its samples come from the files
  await clockReaches(node.port, nowS());
  await assertClockIntact(node.port, fromS, toS, 'after a restart');
}

describe('agent on a cache directory that refuses writes', () => {
  it('keeps running when the cache fills up under map mode, and writes again when space comes back', async (t) => {
    const node = await setUp(t, '\tmemory mode = map\n');
    if (node === null) return;
    try {
      const agent = start(node);
      await agent.waitFor('self-monitoring started');
      const startedS = nowS();
      await clockReaches(node.port, startedS + 2);
      const filler = fill(node.cache);
      const fullS = nowS();
      await agent.waitFor(/cannot write the map journal '.*journal': ENOSPC/, 15_000);
      assert.match(agent.output(), new RegExp(`'${node.cache}/[0-9a-f-]+/journal': ENOSPC \\(the disk is full\\)`));
      await clockReaches(node.port, fullS + 4);
      await assertCountedAndServing(node);
      await assertClockIntact(node.port, startedS + 1, fullS + 3, 'while the disk is full');
      assert.equal(errorLines(agent.output(), 'ENOSPC').length, 1, 'the error is logged once');

      fs.rmSync(filler);
      const freedS = nowS();
      await agent.waitFor(/database: writes to the cache directory '.*' recovered after \d+ seconds/, 15_000);
      await clockReaches(node.port, nowS() + 2);
      assert.equal(agent.child.exitCode, null, 'the agent still runs');
      await assertOnDiskAfterRestart(node, startedS + 1, freedS);
    } finally {
      await stop(node).catch(() => undefined);
      unmount(node.cache);
    }
  });

  it('starts on a full cache, collects in memory, and writes once space comes back', async (t) => {
    const node = await setUp(t, '\tmemory mode = map\n');
    if (node === null) return;
    try {
      const filler = fill(node.cache);
      const agent = start(node);
      await agent.waitFor('self-monitoring started');
      const startedS = nowS();
      await agent.waitFor(/ERROR: database: cannot write .*: ENOSPC/);
      await clockReaches(node.port, startedS + 3);
      await assertCountedAndServing(node);
      assert.doesNotMatch(agent.output(), /disabling plugin|it is disabled|Disabling it/, 'the plugin is not disabled');
      assert.equal(errorLines(agent.output(), 'ENOSPC').length, 1, 'the error is logged once');

      fs.rmSync(filler);
      const freedS = nowS();
      await agent.waitFor(/database: writes to the cache directory '.*' recovered/, 15_000);
      await clockReaches(node.port, nowS() + 1);
      await assertOnDiskAfterRestart(node, startedS + 1, freedS);
    } finally {
      await stop(node).catch(() => undefined);
      unmount(node.cache);
    }
  });

  it('keeps running when the cache is remounted read-only under save mode, and saves again when it is writable', async (t) => {
    const node = await setUp(t, '\tmemory mode = save\n\tsave every seconds = 1\n');
    if (node === null) return;
    try {
      const agent = start(node);
      await agent.waitFor('self-monitoring started');
      const startedS = nowS();
      await clockReaches(node.port, startedS + 2);
      remount(node.cache, 'ro');
      const readOnlyS = nowS();
      await agent.waitFor(/cannot write chart .*: EROFS \(the file system is read-only, not writable\)/, 15_000);
      await clockReaches(node.port, readOnlyS + 3);
      await assertCountedAndServing(node);
      await assertClockIntact(node.port, startedS + 1, readOnlyS + 2, 'while the cache is read-only');
      assert.equal(errorLines(agent.output(), 'EROFS').length, 1, 'the error is logged once');

      remount(node.cache, 'rw');
      const writableS = nowS();
      await agent.waitFor(/database: writes to the cache directory '.*' recovered/, 15_000);
      await sleep(1500);
      await assertOnDiskAfterRestart(node, startedS + 1, writableS);
    } finally {
      await stop(node).catch(() => undefined);
      unmount(node.cache);
    }
  });

  it('starts on a read-only cache, says so, and writes once it is writable', async (t) => {
    const node = await setUp(t, '\tmemory mode = map\n');
    if (node === null) return;
    try {
      remount(node.cache, 'ro');
      const agent = start(node);
      await agent.waitFor('self-monitoring started');
      const startedS = nowS();
      assert.match(agent.output(), new RegExp(`cannot write the lock file '${node.cache}/tributary.lock': EROFS \\(the file system is read-only, not writable\\)`));
      assert.doesNotMatch(agent.output(), /ENOENT/);
      await clockReaches(node.port, startedS + 3);
      await assertCountedAndServing(node);

      remount(node.cache, 'rw');
      const writableS = nowS();
      await agent.waitFor(/database: writes to the cache directory '.*' recovered/, 15_000);
      await clockReaches(node.port, nowS() + 1);
      await assertOnDiskAfterRestart(node, startedS + 1, writableS);
    } finally {
      await stop(node).catch(() => undefined);
      unmount(node.cache);
    }
  });
});
