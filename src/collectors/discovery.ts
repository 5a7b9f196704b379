/**
 * Finding plugins (reference §1.1): every `*.plugin` file in the plugins directories, in order,
 * the first directory holding a file name winning it.
 */
import { access, constants, readdir, stat } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PluginsConfig } from '../config/index.js';

// node:fs's callback calls, not fs.promises: loading fs.promises (with the readline and file
// watcher modules it brings) costs a headless collector 0.7 MB of RSS (docs/memory.md)
const fs = { access: promisify(access), readdir: promisify(readdir), stat: promisify(stat) };

/** A plugin file name ends in this, and is longer than it. */
export const PLUGIN_SUFFIX = '.plugin';
/** netdata reads at most this many plugins directories. */
export const MAX_PLUGIN_DIRECTORIES = 20;

/** A plugin found on disk and enabled by the configuration. */
export interface DiscoveredPlugin {
  /** File name minus `.plugin`: `apps`, `charts.d`. */
  name: string;
  /** File name: `apps.plugin`. */
  fileName: string;
  /** Full path in the first directory that holds it. */
  path: string;
}

/** Why a directory could not be read, reported once per change by the caller. */
export interface DirectoryProblem {
  directory: string;
  code: string;
}

/** One scan: the enabled plugins found and the directories that could not be read. */
export interface DiscoveryResult {
  plugins: DiscoveredPlugin[];
  problems: DirectoryProblem[];
}

/** The plugin name of a file name, or null when it is not a plugin file name. */
export function pluginNameOf(fileName: string): string | null {
  if (fileName.length <= PLUGIN_SUFFIX.length || !fileName.endsWith(PLUGIN_SUFFIX)) return null;
  return fileName.slice(0, -PLUGIN_SUFFIX.length);
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) return false;
    await fs.access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function listDirectory(directory: string): Promise<string[]> {
  const names = await fs.readdir(directory);
  return names.sort();
}

/**
 * Scans `directories` (first wins for a file name), keeping executable `*.plugin` files that
 * `plugins.isEnabled(name)` allows. Unreadable directories are reported, never thrown.
 */
export async function discoverPlugins(directories: readonly string[], plugins: PluginsConfig): Promise<DiscoveryResult> {
  const seen = new Set<string>();
  const found: DiscoveredPlugin[] = [];
  const problems: DirectoryProblem[] = [];
  for (const directory of directories.slice(0, MAX_PLUGIN_DIRECTORIES)) {
    let names: string[];
    try {
      names = await listDirectory(directory);
    } catch (err) {
      problems.push({ directory, code: (err as NodeJS.ErrnoException).code ?? String(err) });
      continue;
    }
    for (const fileName of names) {
      const name = pluginNameOf(fileName);
      if (name === null || seen.has(fileName)) continue;
      const path = join(directory, fileName);
      if (!(await isExecutableFile(path))) continue;
      seen.add(fileName);
      if (plugins.isEnabled(name)) found.push({ name, fileName, path });
    }
  }
  return { plugins: found, problems };
}
