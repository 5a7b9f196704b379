import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setLogSink } from '../log.js';
import { CACHE_LOCK_FILE, CacheLock, CacheLockError } from './cache-lock.js';
import { DiskFaults, errnoCode, makeDirectory } from './disk-faults.js';

const root = fs.mkdtempSync(path.join(tmpdir(), 'tributary-lock-'));
const pids: number[] = [];
after(() => {
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  fs.rmSync(root, { recursive: true, force: true });
});

function dir(name: string): string {
  return path.join(root, name);
}

function quietly<T>(run: () => T): { value: T; logged: string[] } {
  const logged: string[] = [];
  const previous = setLogSink((line) => logged.push(line));
  try {
    return { value: run(), logged };
  } finally {
    setLogSink(previous);
  }
}

describe('CacheLock', () => {
  it('creates the directory and the lock file with this PID, and removes it at release', () => {
    const lock = CacheLock.acquire(dir('fresh/cache'));
    lock.rewrite();
    const file = path.join(dir('fresh/cache'), CACHE_LOCK_FILE);
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    lock.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('refuses a directory whose lock names a live agent, with the directory and its PID', async () => {
    const cache = dir('held');
    fs.mkdirSync(cache);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    pids.push(other.pid!);
    await new Promise((r) => other.once('spawn', r));
    fs.writeFileSync(path.join(cache, CACHE_LOCK_FILE), `${other.pid}\n`);
    assert.throws(() => CacheLock.acquire(cache), (err: unknown) => {
      assert.ok(err instanceof CacheLockError);
      assert.equal(err.pid, other.pid);
      assert.match(err.message, new RegExp(`cache directory '${cache}' is in use by another agent \\(pid ${other.pid}`));
      return true;
    });
  });

  /** A live process that is no agent (PIDs are reused). */
  const notAnAgent = async (): Promise<string> => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    pids.push(sleeper.pid!);
    await new Promise((r) => sleeper.once('spawn', r));
    return `${sleeper.pid}\n`;
  };
  const cases: Array<[string, () => string | Promise<string>]> = [
    ['a dead PID', () => '999999999\n'], ['garbage', () => 'not a pid'], ['nothing', () => ''], ['a PID that is no agent', notAnAgent],
  ];
  for (const [what, content] of cases) {
    it(`takes over a lock holding ${what}, with a warning`, async () => {
      const cache = dir(`stale-${what.replace(/\W/g, '')}`);
      fs.mkdirSync(cache);
      fs.writeFileSync(path.join(cache, CACHE_LOCK_FILE), await content());
      const { value: lock, logged } = quietly(() => CacheLock.acquire(cache));
      lock.rewrite();
      assert.equal(fs.readFileSync(lock.file, 'utf8'), `${process.pid}\n`);
      assert.match(logged.join(''), /WARN : database: lock file '.*' names pid .*, which is no running agent; taking it over/);
      lock.release();
    });
  }

  it('takes its own PID\'s lock over silently (a registry reopened in the same process)', () => {
    const first = CacheLock.acquire(dir('own'));
    first.rewrite();
    const { logged } = quietly(() => CacheLock.acquire(dir('own')).rewrite());
    assert.deepEqual(logged, []);
  });
});

describe('disk faults', () => {
  it('logs the first refused write of an outage once per errno, counts each, and logs the recovery', () => {
    let failing = 0;
    const faults = new DiskFaults('/cache', 5, () => failing++);
    const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const { logged } = quietly(() => {
      faults.report('the map journal', '/cache/g/journal', enospc);
      faults.report('a chart header', '/cache/g/c/chart.hdr', enospc);
      faults.report('a host file', '/cache/g/host.json', Object.assign(new Error('ro'), { code: 'EROFS' }));
      faults.roundSucceeded();
      faults.roundSucceeded();
    });
    assert.equal(failing, 1);
    assert.deepEqual(faults.stats(), { writeErrors: 3, failing: false, recoveries: 1 });
    assert.equal(logged.length, 3);
    assert.match(logged[0], /ERROR: database: cannot write the map journal '\/cache\/g\/journal': ENOSPC \(the disk is full\)/);
    assert.match(logged[1], /EROFS \(the file system is read-only, not writable\)/);
    assert.match(logged[2], /INFO : database: writes to the cache directory '\/cache' recovered after \d+ seconds and 3 failed writes/);
  });

  it('makeDirectory reports the real errno on a read-only file system (not ENOENT)', (t) => {
    const mountPoint = dir('ro');
    fs.mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (err) {
      t.skip(`cannot mount a tmpfs (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`);
      return;
    }
    try {
      assert.throws(() => makeDirectory(path.join(mountPoint, 'a', 'b')), (err: unknown) => errnoCode(err) === 'EROFS');
      assert.throws(() => CacheLock.acquire(path.join(mountPoint, 'cache')), (err: unknown) => errnoCode(err) === 'EROFS');
      makeDirectory(mountPoint);
    } finally {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    }
  });
});
