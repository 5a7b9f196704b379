import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadNetdataConfig } from '../config/index.js';
import { pluginEnvironment } from './environment.js';

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
      HOME: '/home/agent',
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
});
