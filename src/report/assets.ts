// The charting library inlined into every report: uPlot's IIFE build, its stylesheet and its
// licence, read from node_modules once per process. The report must work offline and from a CI
// artifact, so nothing is ever linked.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface UplotAssets {
  version: string;
  /** The minified IIFE build (defines the global `uPlot`), safe inside a <script> element. */
  js: string;
  /** The stylesheet, safe inside a <style> element. */
  css: string;
  /** The MIT licence text, shipped with the code as the licence asks. */
  license: string;
}

let cached: UplotAssets | undefined;

export function uplotAssets(): UplotAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const js = require.resolve('uplot/dist/uPlot.iife.min.js');
  const dir = dirname(dirname(js));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  cached = {
    version: pkg.version,
    // A literal '</script' or '</style' would end the element early; the 1.6.32 build has none, and
    // a later one would only have it inside a string, where '<\/' means the same thing.
    js: readFileSync(js, 'utf8').replace(/<\/(script)/gi, '<\\/$1'),
    css: readFileSync(join(dir, 'dist', 'uPlot.min.css'), 'utf8').replace(/<\/(style)/gi, '<\\/$1'),
    license: readFileSync(join(dir, 'LICENSE'), 'utf8').trim(),
  };
  return cached;
}
