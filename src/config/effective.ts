/**
 * The effective configuration as text, the way netdata answers `GET /netdata.conf`: every
 * section, a key that was set as `key = value`, a default as `# key = value`.
 */
import type { ConfigDocument, NetdataConfig } from './types.js';

const HEADER = [
  '# netdata configuration',
  '#',
  '# You can download the latest version of this file, using:',
  '#',
  '#  curl -o netdata.conf http://localhost:19999/netdata.conf',
  '#',
  '# You can uncomment and change any of the options below.',
  '# The value shown in the commented settings, is the default value.',
  '',
];

/** Renders `config.document` (defaults included). */
export function effectiveConfigText(config: NetdataConfig): string {
  return renderDocument(config.document);
}

function renderDocument(document: ConfigDocument): string {
  const out = [...HEADER];
  for (const [section, keys] of document) {
    out.push(`[${section}]`);
    for (const [key, entry] of keys) {
      out.push(`\t${entry.isDefault ? '# ' : ''}${key} = ${entry.value}`);
    }
    out.push('');
  }
  return out.join('\n');
}
