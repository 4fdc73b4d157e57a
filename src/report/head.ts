// The head every fleetbench page shares (report.html, capacity.html): a self-contained document
// whose Content-Security-Policy forbids any network request (scripts and styles are inlined,
// images are data: URLs), with uPlot's stylesheet and the report's own.
import { uplotAssets } from './assets.ts';
import { esc } from './markup.ts';
import { REPORT_CSS } from './style.ts';

export const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** `<!DOCTYPE html>` through `</head>`; `generator` names the fleetbench version, `css` adds rules. */
export function pageHead(title: string, options: { generator?: string; css?: string } = {}): string {
  const generator =
    options.generator === undefined ? '' : `\n<meta name="generator" content="fleetbench ${esc(options.generator)}">`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">${generator}
<title>${esc(title)}</title>
<style>
${uplotAssets().css}
${REPORT_CSS}${options.css ? `\n${options.css}` : ''}
</style>
</head>`;
}
