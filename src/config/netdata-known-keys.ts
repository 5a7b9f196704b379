/**
 * netdata.conf keys netdata has and this agent accepts without using, so a real netdata.conf
 * (1.10 or 1.37) loads without errors (reference §8). Keys this agent reads are declared where
 * they are read (`netdata.ts`); together they are the known keys, anything else is reported.
 */

/** Known-but-unused keys per section. */
export const UNUSED_NETDATA_KEYS: Readonly<Record<string, readonly string[]>> = {
  global: [
    'run as user', 'debug log', 'error log',
    'cleanup obsolete charts after seconds', 'delete obsolete charts files',
    'delete orphan hosts files', 'memory deduplication (ksm)',
    'glibc malloc arena max for netdata', 'pthread stack size', 'enable metric correlations', 'metric correlations method',
    'OOM score', 'process scheduling policy', 'process nice level', 'page cache size',
    'dbengine disk space', 'dbengine multihost disk space', 'web files owner', 'web files group',
    'disconnect idle web clients after seconds', 'respect web browser do not track policy',
    'web x-frame-options header', 'enable web responses gzip compression', 'web compression strategy',
    'web compression level', 'netdata management api key file',
  ],
  db: [
    'dbengine page cache with malloc', 'dbengine page cache size MB', 'dbengine disk space MB',
    'dbengine multihost disk space MB', 'storage tiers', 'memory deduplication (ksm)',
    'cleanup obsolete charts after secs', 'replication threads', 'delete obsolete charts files',
    'delete orphan hosts files', 'enable zero metrics',
  ],
  directories: ['registry'],
  logs: [
    'debug', 'error', 'health', 'facility',
  ],
  web: [
    'ses max window', 'des max window',
    'listen backlog',
    'respect do not track policy', 'x-frame-options response header', 'allow connections by dns',
    'allow dashboard by dns', 'allow badges by dns', 'allow streaming by dns',
    'allow netdata.conf by dns', 'allow management from', 'allow management by dns',
    'enable gzip compression', 'gzip compression strategy', 'gzip compression level',
    'web server threads', 'web files owner', 'web files group',
    'custom dashboard_info.js',
  ],
  health: [
    'postpone alarms during hibernation for seconds', 'silencers file', 'rotate log every lines',
    'enable stock health configuration', 'is ephemeral', 'has unstable connection',
    'health db directory', 'health db file',
  ],
  registry: [
    'enabled', 'registry db directory', 'netdata unique id file', 'registry db file',
    'registry log file', 'registry save db every new entries', 'registry expire idle persons days',
    'registry domain', 'verify browser cookies support',
    'enable cookies SameSite and Secure', 'max URL length', 'max URL name length',
    'netdata management api key file', 'allow from', 'allow by dns',
  ],
  backend: [
    'send configured labels', 'send automatic labels', 'host tags', 'update every (deprecated)',
  ],
};

/**
 * Sections this agent takes whole, any key: `[plugins]` and `[plugin:NAME]` (per-plugin keys
 * are the plugin's business), `[host labels]`, `[environment variables]`, and netdata's internal
 * subsystems this agent does not have (statsd, sqlite, ml, cloud, global statistics), whose key
 * lists are long and change with every netdata release.
 */
export function isOpenNetdataSection(section: string): boolean {
  return OPEN_NETDATA_SECTIONS.has(section) || section.startsWith('plugin:');
}

const OPEN_NETDATA_SECTIONS = new Set([
  'plugins', 'host labels', 'environment variables',
  'statsd', 'sqlite', 'ml', 'cloud', 'global statistics',
]);
