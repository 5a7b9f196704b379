import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetdataConfig } from '../config/index.js';
import { agentEnvironment, pluginEnvironment } from './environment.js';

/** netdata 1.37's NETDATA_* variables (set_global_environment, main.c, registry_init.c). */
const NETDATA_1_37_VARIABLES = [
  'NETDATA_UPDATE_EVERY', 'NETDATA_VERSION', 'NETDATA_HOSTNAME', 'NETDATA_CONFIG_DIR',
  'NETDATA_USER_CONFIG_DIR', 'NETDATA_STOCK_CONFIG_DIR', 'NETDATA_PLUGINS_DIR', 'NETDATA_WEB_DIR',
  'NETDATA_CACHE_DIR', 'NETDATA_LIB_DIR', 'NETDATA_LOCK_DIR', 'NETDATA_LOG_DIR', 'NETDATA_HOST_PREFIX',
  'NETDATA_USER_PLUGINS_DIRS', 'NETDATA_LISTEN_PORT', 'NETDATA_ERRORS_THROTTLE_PERIOD',
  'NETDATA_ERRORS_PER_PERIOD', 'NETDATA_DEBUG_FLAGS', 'NETDATA_INTERNALS_MONITORING',
  'NETDATA_REGISTRY_HOSTNAME', 'NETDATA_REGISTRY_URL', 'NETDATA_REGISTRY_UNIQUE_ID',
  'NETDATA_REGISTRY_CLOUD_BASE_URL',
];

const BASE = { PATH: '/usr/bin:/bin', HOME: '/home/agent', KEEP_ME: 'kept' };

describe('pluginEnvironment', () => {
  it('sets netdata 1.10 and 1.37 variables from netdata.conf', () => {
    const config = loadNetdataConfig(null, [
      ['global', 'hostname', 'box1'],
      ['global', 'update every', '2'],
      ['directories', 'config', '/cfg'],
      ['directories', 'stock config', '/stock'],
      ['directories', 'plugins', '"/p1" "/p2" "/p3"'],
      ['directories', 'cache', '/cache'],
      ['directories', 'lib', '/lib/nd'],
      ['directories', 'log', '/log'],
      ['directories', 'web', '/web'],
      ['web', 'default port', '19998'],
    ]);
    const env = pluginEnvironment(config, { version: 'v1.2.3', baseEnv: BASE });
    const expected: Record<string, string> = {
      NETDATA_UPDATE_EVERY: '2',
      NETDATA_VERSION: 'v1.2.3',
      NETDATA_HOSTNAME: 'box1',
      NETDATA_CONFIG_DIR: '/cfg',
      NETDATA_USER_CONFIG_DIR: '/cfg',
      NETDATA_STOCK_CONFIG_DIR: '/stock',
      NETDATA_PLUGINS_DIR: '/p1',
      NETDATA_USER_PLUGINS_DIRS: '/p2 /p3',
      NETDATA_WEB_DIR: '/web',
      NETDATA_CACHE_DIR: '/cache',
      NETDATA_LIB_DIR: '/lib/nd',
      NETDATA_LOCK_DIR: '/lib/nd/lock',
      NETDATA_LOG_DIR: '/log',
      // [directories] home defaults to the HOME the agent was started with, as netdata's does
      HOME: process.env.HOME || '/lib/nd',
      NETDATA_HOST_PREFIX: '',
      NETDATA_LISTEN_PORT: '19998',
      NETDATA_ERRORS_THROTTLE_PERIOD: '1200',
      NETDATA_ERRORS_PER_PERIOD: '200',
      NETDATA_DEBUG_FLAGS: '0x0000000000000000',
      PATH: '/usr/bin:/bin:/sbin:/usr/sbin:/usr/local/bin:/usr/local/sbin',
      PYTHONPATH: '',
      PYTHONUNBUFFERED: '1',
      LC_ALL: 'C',
      TZ: ':/etc/localtime',
      MALLOC_ARENA_MAX: '1',
      UV_THREADPOOL_SIZE: '16',
      NETDATA_INTERNALS_MONITORING: 'YES',
      NETDATA_REGISTRY_HOSTNAME: 'box1',
      NETDATA_REGISTRY_URL: 'https://registry.my-netdata.io',
      NETDATA_REGISTRY_UNIQUE_ID: '',
      NETDATA_REGISTRY_CLOUD_BASE_URL: 'https://api.netdata.cloud',
      KEEP_ME: 'kept',
    };
    assert.deepEqual(env, expected);
  });

  it('takes the optional keys from the document and keeps a TZ already set', () => {
    const config = loadNetdataConfig(null, [
      ['global', 'host access prefix', '/host'],
      ['directories', 'lock', '/run/lock/nd'],
      ['directories', 'home', '/home/nd'],
      ['logs', 'errors flood protection period', '60'],
      ['logs', 'errors to trigger flood protection', '5'],
      ['global', 'glibc malloc arena max for plugins', '4'],
      ['plugins', 'netdata monitoring', 'no'],
      ['environment variables', 'PATH', '/only/here'],
    ]);
    const env = pluginEnvironment(config, { version: 'v', baseEnv: { ...BASE, TZ: 'Europe/Athens' } });
    assert.deepEqual(
      [env.NETDATA_HOST_PREFIX, env.NETDATA_LOCK_DIR, env.HOME, env.NETDATA_ERRORS_THROTTLE_PERIOD,
        env.NETDATA_ERRORS_PER_PERIOD, env.MALLOC_ARENA_MAX, env.NETDATA_INTERNALS_MONITORING, env.PATH, env.TZ],
      ['/host', '/run/lock/nd', '/home/nd', '60', '5', '4', 'NO', '/only/here', 'Europe/Athens'],
    );
  });

  it('has every NETDATA_* variable of netdata 1.37', () => {
    const env = pluginEnvironment(loadNetdataConfig(null), { version: 'v', baseEnv: {} });
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('NETDATA_')).sort(), [...NETDATA_1_37_VARIABLES].sort());
  });

  it('is built once from the agent environment, creating the lock directory and emptying it of lock files', () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-env-'));
    try {
      const lib = join(root, 'lib');
      mkdirSync(join(lib, 'registry'), { recursive: true });
      writeFileSync(join(lib, 'registry', 'netdata.public.unique.id'), 'AB9A2F44-3F0C-4B7E-9C3A-1D2E3F4A5B6C\n');
      const config = loadNetdataConfig(null, [['directories', 'lib', lib]]);
      const lock = join(lib, 'lock');
      assert.equal(config.global.directories.lock, lock, 'the lock directory defaults to <lib>/lock');
      const first = agentEnvironment(config, { version: 'v9' });
      assert.equal(first.NETDATA_LOCK_DIR, lock);
      assert.ok(existsSync(lock), 'the lock directory is created');
      assert.equal(first.NETDATA_REGISTRY_UNIQUE_ID, 'ab9a2f44-3f0c-4b7e-9c3a-1d2e3f4a5b6c');
      assert.equal(agentEnvironment(config, { version: 'v9' }), first, 'the same object for plugins and notifications');

      writeFileSync(join(lock, 'job.lock'), 'stale');
      mkdirSync(join(lock, 'keep'));
      agentEnvironment(loadNetdataConfig(null, [['directories', 'lib', lib]]), { version: 'v9' });
      assert.ok(!existsSync(join(lock, 'job.lock')), 'a lock file of an earlier run is removed, as netdata does');
      assert.ok(existsSync(join(lock, 'keep')), 'directories are left');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
