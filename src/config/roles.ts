/** What a configuration makes of an agent, for the launcher and the foreground run alike. */
import type { NetdataConfig } from './types.js';

/** A headless collector's configuration: no web server, no database. */
export function isHeadless(config: NetdataConfig): boolean {
  return config.web.mode === 'none' && config.global.memoryMode === 'none';
}
