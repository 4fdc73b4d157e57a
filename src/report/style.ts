// The report's stylesheet: system fonts only, readable tables, charts two to a row on a wide
// screen, and a print layout (no navigation, no breaks inside a table row or chart).
export const REPORT_CSS = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #fff; --soft: #f8fafc; --pass: #15803d; --fail: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header .sub { color: var(--muted); }
nav { margin: 14px 0 8px; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 13px; }
nav a { color: #1d4ed8; text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { margin-top: 34px; }
h2 { font-size: 19px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
h3 small, .muted { color: var(--muted); font-weight: normal; }
p.note { color: var(--muted); margin: 6px 0 10px; max-width: 90ch; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
table.power, table.ranking, table.bytes { font-size: 13px; }
th.num { text-align: right; }
td.num { text-align: right; white-space: nowrap; }
tr.bad td { background: #fef2f2; }
tr.best td { background: #f0fdf4; }
.ok { color: var(--pass); font-weight: 600; }
.ko { color: var(--fail); font-weight: 600; }
.verdict { display: flex; align-items: center; flex-wrap: wrap; gap: 12px; padding: 14px 18px; border-radius: 8px; border: 2px solid var(--line); background: var(--soft); font-size: 15px; }
.verdict .badge { font-size: 22px; font-weight: 800; letter-spacing: 0.04em; padding: 2px 14px; border-radius: 6px; color: #fff; background: var(--muted); }
.verdict.pass { border-color: #86efac; background: #f0fdf4; } .verdict.pass .badge { background: var(--pass); }
.verdict.fail { border-color: #fca5a5; background: #fef2f2; } .verdict.fail .badge { background: var(--fail); }
.tag { display: inline-block; padding: 1px 8px; border-radius: 4px; font-size: 12px; font-weight: 700; letter-spacing: 0.03em; }
.tag.partial { background: #fef3c7; color: var(--warn); border: 1px solid #fcd34d; }
.tag.pass { background: #dcfce7; color: var(--pass); } .tag.fail { background: #fee2e2; color: var(--fail); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
ul.plain { margin: 0; padding-left: 18px; }
.warnings li { color: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 14px 20px; }
figure { margin: 0; min-width: 0; break-inside: avoid; }
figcaption { font-weight: 600; margin: 6px 0 4px; }
.chart { min-width: 0; overflow: hidden; min-height: 40px; }
.chart .u-legend { font-size: 12px; text-align: left; }
.phases { display: flex; gap: 16px; flex-wrap: wrap; font-size: 12.5px; color: var(--muted); margin: 4px 0 8px; }
.phases span::before { content: ""; display: inline-block; width: 14px; height: 10px; margin-right: 5px; border: 1px solid #cbd5e1; vertical-align: -1px; background: var(--swatch); }
.bar { display: flex; width: 120px; height: 10px; border-radius: 2px; overflow: hidden; background: var(--line); margin-top: 3px; }
.bar span { display: block; height: 100%; }
.bar.wide { width: 100%; max-width: 520px; height: 12px; margin: 3px 0 6px; }
.tag.tie { background: #e0f2fe; color: #0369a1; border: 1px solid #7dd3fc; }
h4 { font-size: 14px; margin: 12px 0 4px; }
.power-fleet dl.meta { font-size: 13px; }
tr.base td { color: var(--muted); }
.life-chart { margin: 10px 0 6px; }
details summary { cursor: pointer; color: #1d4ed8; margin: 8px 0; }
@media (max-width: 700px) { main { padding: 14px; } .charts { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  nav, .noprint, details summary { display: none; }
  section { margin-top: 18px; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  tr, figure, .verdict { break-inside: avoid; }
  .charts { grid-template-columns: 1fr; }
  .scroll { overflow: visible; }
  .u-cursor-x, .u-cursor-y, .u-cursor-pt, .u-select { display: none !important; }
}
`;
