/**
 * Dashboard files from `[directories] web` and uPlot's dist files from its installed package
 * (`/vendor/uPlot.iife.min.js`, `/vendor/uPlot.min.css`), so there is no build or copy step.
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { HttpError, type ApiResponse } from './http-error.js';
import { htmlEscape } from './number-format.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const VENDOR_FILES = new Set(['uPlot.iife.min.js', 'uPlot.min.css', 'uPlot.iife.js']);

/** The directory holding uPlot's dist files, or undefined when the package is missing. */
function uplotDir(): string | undefined {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('uplot'));
  } catch {
    return undefined;
  }
}

/** Resolves a URL path inside `root`; undefined when it escapes it. */
function inside(root: string, urlPath: string): string | undefined {
  const file = path.resolve(root, '.' + path.posix.normalize('/' + urlPath));
  return file === root || file.startsWith(root + path.sep) ? file : undefined;
}

/** Answers a static file for a URL path (after the host prefix was taken off); 404 when there is none. */
export function createStaticHandler(webDir: string): (urlPath: string) => Promise<ApiResponse> {
  const root = path.resolve(webDir);
  const vendor = uplotDir();
  return async (urlPath) => {
    let file: string | undefined;
    const name = urlPath.replace(/^\/vendor\//, '');
    if (urlPath.startsWith('/vendor/') && VENDOR_FILES.has(name) && vendor) file = path.join(vendor, name);
    else file = inside(root, urlPath);
    if (file && (await stat(file).catch(() => undefined))?.isDirectory()) file = path.join(file, 'index.html');
    const body = file ? await readFile(file).catch(() => undefined) : undefined;
    if (!body) {
      throw new HttpError(404, `File does not exist, or is not accessible: ${htmlEscape(urlPath)}`);
    }
    return {
      status: 200, contentType: TYPES[path.extname(file!)] ?? 'application/octet-stream', body,
      headers: { 'Cache-Control': 'no-cache' },
    };
  };
}
