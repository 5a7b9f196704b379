/**
 * Builds dist/tributary-headless.cjs, the headless collector in one CommonJS file, from the
 * compiled dist/src/main.js (`npm run build` runs it after tsc). The launcher runs it for a
 * headless collector started in the background (src/main.ts): one file loaded by node's CommonJS
 * loader costs about 2 MB of RSS less than the hundred ES modules it is made of (docs/memory.md).
 *
 * - Whitespace and comments are taken out, names are kept (stack traces and logs read the same);
 *   the file must stay ASCII, or V8 keeps its source two bytes per character.
 * - The web server and health are left out: a headless collector has no web server and no
 *   database, so the agent never loads them; importing one throws, saying so.
 * - zstd-napi (a native addon) stays a package, found from dist/ as from dist/src/.
 *
 * Run: node scripts/bundle-headless.mjs   (after `tsc -p .`)
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'tributary-headless.cjs');
/** The parts a headless collector never loads, by their index module under dist/src. */
const LEFT_OUT = /\/(web|health)\/index\.js$/;

/** Puts a module that throws in place of each part left out. */
const leaveOut = {
  name: 'leave-out',
  setup(b) {
    b.onResolve({ filter: LEFT_OUT }, (args) => ({ path: args.path, namespace: 'left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in the headless collector's bundle: ` +
        'run an agent with a web server or a database from dist/src/main.js')});`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [join(root, 'dist', 'src', 'main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  charset: 'ascii',
  legalComments: 'none',
  external: ['zstd-napi', 'zstd-napi/*', 'playwright-core'],
  // the modules' import.meta.url (createRequire, the launcher's own path) is the bundle's
  banner: { js: '"use strict";const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__bundleUrl' },
  plugins: [leaveOut],
  logLevel: 'warning',
});

const text = readFileSync(outfile, 'latin1');
const at = text.search(/[^\x00-\x7f]/);
if (at >= 0) throw new Error(`${outfile}: a non-ASCII character at byte ${at}: ${JSON.stringify(text.slice(at - 40, at + 40))}`);
