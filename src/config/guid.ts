/**
 * The machine GUID: generated once, kept in `<lib>/registry/netdata.public.unique.id` (netdata's
 * file, reference §8 `[registry] netdata unique id file`), the same across restarts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { info, warn } from '../log.js';

/** Where the GUID lives under the lib directory. */
export const MACHINE_GUID_FILE = join('registry', 'netdata.public.unique.id');

/** node:crypto is loaded only to make a GUID: a start that finds its GUID does without it (docs/memory.md). */
const require = createRequire(import.meta.url);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is a UUID in its 36-character form (any case). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * Returns this machine's GUID (lower case), creating the file (and its directory) on first
 * run. A file that does not hold a UUID is replaced with a new one and a log line. Call once at
 * start-up; throws if the directory cannot be written.
 */
export function loadOrCreateMachineGuid(libDir: string): string {
  const file = join(libDir, MACHINE_GUID_FILE);
  let existing: string | undefined;
  try {
    existing = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing !== undefined && isUuid(existing)) return existing.toLowerCase();
  const guid = (require('node:crypto') as typeof import('node:crypto')).randomUUID();
  mkdirSync(join(libDir, 'registry'), { recursive: true });
  writeFileSync(file, guid);
  if (existing === undefined) info(`machine GUID ${guid} created in '${file}'`);
  else warn(`machine GUID file '${file}' did not hold a UUID (${JSON.stringify(existing.slice(0, 40))}); replaced it with ${guid}`);
  return guid;
}
