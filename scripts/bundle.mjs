/**
 * Builds the agent's one-file CommonJS bundles beside dist/src from the compiled modules
 * (`npm run build` runs it after tsc); one file loaded by node's CommonJS loader costs less RSS
 * than the ES modules it is made of, whose resolution alone wakes V8's optimizing compiler
 * (docs/memory.md):
 * - dist/tributary.cjs, the agent (dist/src/run.js and all it loads), which the launcher
 *   (src/main.ts) loads in its own process for `-D`;
 * - dist/tributary-query-worker.cjs, a query thread (dist/src/web/query-worker.js), which the
 *   bundled agent starts;
 * - dist/tributary-headless.cjs, the launcher and the agent without web server and health, which
 *   the launcher runs for a headless collector started in the background.
 *
 * For all three:
 * - Whitespace and comments are taken out, names are kept (stack traces and logs read the same);
 *   the file must stay ASCII, or V8 keeps its source two bytes per character.
 * - In the headless bundle, the web server and health are left out: a headless collector has no
 *   web server and no database, so the agent never loads them; importing one throws, saying so.
 * - zstd-napi (a native addon) stays a package, found from dist/ as from dist/src/.
 *
 * Run: node scripts/bundle.mjs   (after `tsc -p .`)
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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

/** One bundle of `entry` (under dist/src) into `outfile` (under dist). */
async function bundle(entry, outfile, plugins = []) {
  await build({
    entryPoints: [join(root, 'dist', 'src', entry)],
    outfile: join(root, 'dist', outfile),
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
    plugins,
    logLevel: 'warning',
  });
  asciiOnly(join(root, 'dist', outfile));
}

/** V8 keeps a source with any non-ASCII character two bytes per character: refuse one. */
function asciiOnly(file) {
  const text = readFileSync(file, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`${file}: a non-ASCII character at byte ${at}: ${JSON.stringify(text.slice(at - 40, at + 40))}`);
}

await bundle('run.js', 'tributary.cjs');
await bundle(join('web', 'query-worker.js'), 'tributary-query-worker.cjs');
await bundle('main.js', 'tributary-headless.cjs', [leaveOut]);
