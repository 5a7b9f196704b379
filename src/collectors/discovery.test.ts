import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetdataConfig } from '../config/index.js';
import { discoverPlugins, pluginNameOf } from './discovery.js';

describe('discoverPlugins', () => {
  let dir = '';
  let first = '';
  let second = '';

  async function plugin(directory: string, name: string, mode = 0o755): Promise<void> {
    await writeFile(join(directory, name), '#!/bin/sh\nexit 0\n');
    await chmod(join(directory, name), mode);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-discovery-'));
    first = join(dir, 'stock');
    second = join(dir, 'custom');
    await mkdir(first);
    await mkdir(second);
    await plugin(first, 'b.plugin');
    await plugin(first, 'a.plugin');
    await plugin(first, 'off.plugin');
    await plugin(first, 'notexec.plugin', 0o644);
    await plugin(first, '.plugin');
    await plugin(first, 'readme.txt');
    await mkdir(join(first, 'dir.plugin'));
    await plugin(second, 'a.plugin');
    await plugin(second, 'c.plugin');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds executable *.plugin files alphabetically, the first directory winning a name', async () => {
    const config = loadNetdataConfig(null, [['plugins', 'off', 'no']]);
    const { plugins, problems } = await discoverPlugins([first, second, join(dir, 'missing')], config.plugins);
    assert.deepEqual(plugins, [
      { name: 'a', fileName: 'a.plugin', path: join(first, 'a.plugin') },
      { name: 'b', fileName: 'b.plugin', path: join(first, 'b.plugin') },
      { name: 'c', fileName: 'c.plugin', path: join(second, 'c.plugin') },
    ]);
    assert.deepEqual(problems, [{ directory: join(dir, 'missing'), code: 'ENOENT' }]);
  });

  it('runs nothing new when enable running new plugins is no, except plugins enabled by name', async () => {
    const config = loadNetdataConfig(null, [['plugins', 'enable running new plugins', 'no'], ['plugins', 'c', 'yes']]);
    const { plugins } = await discoverPlugins([first, second], config.plugins);
    assert.deepEqual(plugins.map((p) => p.path), [join(second, 'c.plugin')]);
  });

  it('a name disabled in the first directory is not taken from the second', async () => {
    const config = loadNetdataConfig(null, [['plugins', 'a', 'no']]);
    const { plugins } = await discoverPlugins([first, second], config.plugins);
    assert.deepEqual(plugins.map((p) => p.name), ['b', 'off', 'c']);
  });
});

describe('pluginNameOf', () => {
  it('strips .plugin and rejects names no longer than the suffix', () => {
    assert.equal(pluginNameOf('charts.d.plugin'), 'charts.d');
    assert.equal(pluginNameOf('.plugin'), null);
    assert.equal(pluginNameOf('apps.plugin.bak'), null);
  });
});
